#include <errno.h>
#include <string.h>

#include "vd_error.h"
#include "vd_prom.h"

static void
head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
one(FILE *f, const char *name, const char *type, const char *help, double v)
{
	head(f, name, type, help);
	fprintf(f, "%s %.15g\n", name, v);
}

/* Label values here are fixed words or a model name: escape what the
 * format asks (backslash, quote, newline) all the same. */
static void
label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			putc(*s, f);
	}
}

/* vasdom_llm_tokens_total{type, model}: what each language model counted */
static void
tokens(FILE *f, const struct vd_stats *s)
{
	static const char *const types[] = { "prompt", "completion" };
	const char *model;
	json_t *v;
	int t;

	if (!s->tokens_by_model || !json_object_size(s->tokens_by_model))
		return;
	head(f, "vasdom_llm_tokens_total", "counter",
	    "Tokens the language models counted, for the prompts and for the answers.");
	for (t = 0; t < 2; t++)
		json_object_foreach(s->tokens_by_model, model, v) {
			char key[32];

			snprintf(key, sizeof key, "%s_tokens", types[t]);
			fprintf(f, "vasdom_llm_tokens_total{type=\"%s\",model=\"", types[t]);
			label_value(f, model);
			fprintf(f, "\"} %" JSON_INTEGER_FORMAT "\n",
			    json_integer_value(json_object_get(v, key)));
		}
}

int
vd_prom_write(FILE *f, const struct vd_stats *s)
{
	const struct vd_counts *c = &s->c;
	int i;

	one(f, "vasdom_interactions_total", "counter",
	    "Exchanges (question and answer) logged.", (double)c->total);
	one(f, "vasdom_rated_interactions_total", "counter",
	    "Exchanges that have a rating.", (double)c->rated);
	head(f, "vasdom_answers_total", "counter", "Exchanges by the source of the answer.");
	for (i = 0; i < VD_NSOURCES; i++)
		fprintf(f, "vasdom_answers_total{source=\"%s\"} %lld\n", vd_sources[i],
		    c->by_source[i]);
	one(f, "vasdom_model_errors_total", "counter",
	    "Exchanges where the language model failed and another source answered.",
	    (double)c->model_errors);
	head(f, "vasdom_ratings", "gauge", "Exchanges by their current rating (1 to 5).");
	for (i = 0; i < 5; i++)
		fprintf(f, "vasdom_ratings{rating=\"%d\"} %lld\n", i + 1, c->by_rating[i]);
	one(f, "vasdom_positive_ratings", "gauge", "Exchanges rated 4 or 5.", (double)c->positive);
	one(f, "vasdom_negative_ratings", "gauge", "Exchanges rated 1 or 2.", (double)c->negative);
	if (c->rated)
		one(f, "vasdom_average_rating", "gauge", "Mean rating of the rated exchanges.",
		    c->rating_sum / (double)c->rated);
	one(f, "vasdom_improvement_ratio", "gauge",
	    "Share of the last 24 hours' exchanges rated 4 or 5 (0 when none).",
	    s->recent ? (double)s->recent_positive / (double)s->recent : 0);
	one(f, "vasdom_rating_coverage_ratio", "gauge", "Share of exchanges that are rated.",
	    c->total ? (double)c->rated / (double)c->total : 0);
	head(f, "vasdom_embedding_coverage_ratio", "gauge",
	    "Share of exchanges with a vector of the current embedding model.");
	fputs("vasdom_embedding_coverage_ratio{model=\"", f);
	label_value(f, s->embed_model);
	fprintf(f, "\"} %.15g\n", c->total ? (double)s->embedded / (double)c->total : 0);
	tokens(f, s);
	if (*s->last_update)
		one(f, "vasdom_last_learning_update_timestamp_seconds", "gauge",
		    "When a rating, vector or model fit was last stored (Unix time).",
		    s->last_update_epoch);
	if (ferror(f))
		return vd_error(VD_EWRITE, "write error: %s", strerror(errno));
	return VD_OK;
}
