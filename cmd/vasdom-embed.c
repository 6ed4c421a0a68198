/* vasdom-embed: store embeddings of logged exchanges, incrementally. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "vd_date.h"
#include "vd_db.h"
#include "vd_embedder.h"
#include "vd_error.h"
#include "vd_exchange.h"
#include "vd_record.h"
#include "vd_vectors.h"

static const char usage_line[] =
    "usage: vasdom-embed [-q] [--all] [-m model] [-d db] [-f jsonl|csv]\n"
    "       vasdom-embed --text [-m model] [-d db] [-f jsonl|csv] [-i auto|text|jsonl|csv]\n"
    "                    [text ...]\n";

static const char *const summary_columns[] = {
	"model", "dim", "embedded", "total", "seconds", NULL
};
static const char *const text_columns[] = { "text", "model", "dim", "embedding", NULL };
static const char *const text_fields[] = { "text", NULL };

enum { O_ALL = CLI_LONG, O_TEXT };

static const struct cli_opt opts[] = {
	{ O_ALL, "all", NULL, "re-embed every exchange (and refit the built-in weights)" },
	CLI_OPT_MODEL,
	{ O_TEXT, "text", NULL, "embed text (arguments or lines of standard input), store\n"
	    "nothing" },
	{ 'q', NULL, NULL, "no progress bar" },
	CLI_OPT_DB,
	CLI_OPT_FORMAT,
	{ 'i', NULL, "format", "--text input: auto (default), text, jsonl (\"text\" or\n"
	    "\"message\" field) or csv" },
	CLI_OPT_END
};

static const struct cli_tool tool = {
	usage_line,
	"Embed every exchange that lacks a vector for the model, or with --text\n"
	"print the vectors of the given texts.\n",
	opts, NULL
};

struct bar {
	double start, last;
};

/* A progress bar on a terminal: count, rate, time left. */
static void
progress(long long done, long long total, void *arg)
{
	struct bar *b = arg;
	double t = vd_monotonic(), rate;
	int width = 30, fill;

	if (t - b->last < 0.1 && done < total)
		return;
	b->last = t;
	rate = done / (t - b->start > 1e-6 ? t - b->start : 1e-6);
	fill = total ? (int)(width * done / total) : width;
	fprintf(stderr, "\r%s [%.*s%*s] %lld/%lld %.0f/s %.0fs left ", argv0, fill,
	    "##############################", width - fill, "", done, total, rate,
	    rate > 0 ? (total - done) / rate : 0);
	if (done >= total)
		fputc('\n', stderr);
}

struct text_job {
	struct vd_embedder *e;
	float *v;
};

/* One text (its "text" or else its "message"): its vector. */
static int
embed_text(const struct vd_record *rec, json_t **out, void *arg)
{
	struct text_job *j = arg;
	const char *text = NULL;
	json_t *arr;
	int rc, dim, d;

	if ((rc = vd_rec_str(rec, "text", &text)) == VD_OK && !text)
		rc = vd_rec_str(rec, "message", &text);
	if (rc == VD_OK && (!text || !*text))
		rc = vd_error(VD_EINPUT, "empty text");
	if (rc == VD_OK)
		rc = vd_embedder_embed(j->e, &text, 1, j->v);
	if (rc != VD_OK)
		return rc;
	dim = vd_embedder_dim(j->e);
	if (!(arr = json_array()))
		return vd_error(VD_ENOMEM, "out of memory");
	for (d = 0; d < dim; d++)
		json_array_append_new(arr, json_real(j->v[d]));
	if (!(*out = json_pack("{s:s, s:s, s:i, s:o}", "text", text, "model",
	    vd_embedder_model(j->e), "dim", dim, "embedding", arr)))
		return vd_error(VD_ENOMEM, "out of memory");
	return VD_OK;
}

static int
embed_texts(struct vd_embedder *e, struct vd_writer *w, const char *informat,
    int argc, char **argv)
{
	struct text_job j = { e, malloc(sizeof(float) * VD_EMBED_MAX_DIM) };
	int rejected;

	if (!j.v)
		die(3, "out of memory");
	rejected = cli_records(&(struct cli_input){ .format = cli_informat(informat),
	    .text_fields = text_fields, .arg_field = "text" }, argc, argv, embed_text, &j, w);
	free(j.v);
	return rejected ? 1 : 0;
}

int
main(int argc, char **argv)
{
	struct vd_config cfg;
	struct vd_embedder *e;
	struct vd_writer *w;
	struct bar bar;
	const char *model = NULL, *informat = "auto";
	int c, all = 0, text = 0, quiet = 0, outformat = VD_OUT_JSONL, rc, status = 0;
	long long done = 0, total = 0;
	sqlite3 *db;
	json_t *summary;

	cli_init("vasdom-embed", argc, argv);
	cli_config(&cfg);
	while ((c = cli_getopt(argc, argv, &tool)) != -1) {
		switch (c) {
		case 'm': model = optarg; break;
		case 'd': cfg.db_path = optarg; break;
		case 'f': outformat = cli_outformat(optarg, 0); break;
		case 'i': informat = optarg; cli_informat(optarg); break;
		case 'q': quiet = 1; break;
		case O_ALL: all = 1; break;
		case O_TEXT: text = 1; break;
		}
	}
	if (!text && optind < argc)
		cli_help(2, &tool);
	if (text && all)
		die(2, "--all and --text do not go together");
	db = cli_open_db(&cfg);
	if ((rc = vd_embedder_open(db, &cfg, model, &e)))
		cli_fail(rc, "");
	if (text) {
		w = vd_writer_new(stdout, outformat, text_columns);
		status = embed_texts(e, w, informat, argc - optind, argv + optind);
	} else {
		bar.start = bar.last = vd_monotonic();
		bar.last -= 1;
		rc = vd_vectors_update(db, e, VD_SCOPE_ALL, all,
		    quiet || !isatty(2) ? NULL : progress, &bar, &done);
		if (rc == VD_EDB || rc == VD_ENOMEM)
			die(3, "%s", vd_errmsg());
		if (rc) {
			/* what was stored so far stays: a rerun goes on from there */
			error("%s (%lld embedded before the failure)", vd_errmsg(), done);
			status = 1;
		}
		/* only for the summary: no count, no total */
		vd_exchange_count(db, &total);
		w = vd_writer_new(stdout, outformat, summary_columns);
		summary = json_pack("{s:s, s:i, s:I, s:I, s:f}", "model", vd_embedder_model(e),
		    "dim", vd_embedder_dim(e), "embedded", (json_int_t)done, "total",
		    (json_int_t)total, "seconds", (double)(long)((vd_monotonic() - bar.start) * 1000) / 1000);
		if (vd_writer_put(w, summary))
			die(1, "%s", vd_errmsg());
		json_decref(summary);
	}
	vd_embedder_free(e);
	vd_db_close(db);
	cli_finish(w, status);
}
