/* The export formats. Each is an encoder: JSON lines put the values the
 * row query quoted with SQLite's json_quote() into a fixed layout
 * (vd_jsonl_put), CSV goes through the one CSV writer (vd_csv_put_*). */
#include <stdio.h>
#include <string.h>

#include "vd_chat_check.h"
#include "vd_export_fmt.h"
#include "vd_output.h"

#define STR(x) ((struct vd_str){ (x), sizeof (x) - 1 })

/* A JSON number or boolean of a row, as a fragment; buf (len at least
 * 21) ends in a NUL. Digits by division, where snprintf() took 2% of an
 * export. */
static struct vd_str
number(char *buf, size_t len, long long n)
{
	char tmp[24], *p = tmp + sizeof tmp;
	unsigned long long u = n < 0 ? 0 - (unsigned long long)n : (unsigned long long)n;
	size_t k;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10));
	if (n < 0)
		*--p = '-';
	k = (size_t)(tmp + sizeof tmp - p);
	if (k >= len)
		k = 0;
	memcpy(buf, p, k);
	buf[k] = '\0';
	return (struct vd_str){ buf, k };
}

static struct vd_str
boolean(int b)
{
	return b ? STR("true") : STR("false");
}

/* openai: chat fine-tuning, with a metadata object unless --no-metadata */
static int
openai_row(FILE *f, const struct vd_export_row *r, const struct vd_export_opts *o)
{
	static const char plain[] = "{\"messages\":[\2{\"role\":\"user\",\"content\":\1},"
	    "{\"role\":\"assistant\",\"content\":\1}]}";
	static const char meta[] = "{\"messages\":[\2{\"role\":\"user\",\"content\":\1},"
	    "{\"role\":\"assistant\",\"content\":\1}],\"metadata\":{\"log_id\":\1,"
	    "\"rating\":\1,\"corrected\":\1,\"session_id\":\1,\"created_at\":\1,"
	    "\"model_used\":\1}}";
	char id[24], rating[24];

	if (!o->metadata)
		return vd_jsonl_put(f, plain, (struct vd_str[]){ r->system, r->message,
		    r->answer });
	return vd_jsonl_put(f, meta, (struct vd_str[]){ r->system, r->message, r->answer,
	    number(id, sizeof id, r->log_id), number(rating, sizeof rating, r->rating),
	    boolean(r->corrected), r->session_id, r->created_at, r->model_used });
}

static int
openai_validate(json_t *o, char *err, size_t len)
{
	return vd_chat_check(json_object_get(o, "messages"), "messages", "assistant", err, len);
}

/* csv: one exchange a row, with a header */
static const char *const csv_columns[] = { "log_id", "session_id", "created_at", "rating",
    "corrected", "message", "response", "model_used", "source", NULL };

static int
csv_header(FILE *f, const struct vd_export_opts *o)
{
	return vd_csv_put_header(f, ',', csv_columns);
}

/* The columns of csv_columns, separated by sep. */
static int
delimited_row(FILE *f, const struct vd_export_row *r, int sep)
{
	char id[24], rating[24];

	return vd_csv_put_plain(f, 0, number(id, sizeof id, r->log_id).s) ||
	    vd_csv_put_text(f, sep, r->session_id.s, r->session_id.len) ||
	    vd_csv_put_text(f, sep, r->created_at.s, r->created_at.len) ||
	    vd_csv_put_plain(f, sep, number(rating, sizeof rating, r->rating).s) ||
	    vd_csv_put_plain(f, sep, boolean(r->corrected).s) ||
	    vd_csv_put_text(f, sep, r->message.s, r->message.len) ||
	    vd_csv_put_text(f, sep, r->answer.s, r->answer.len) ||
	    vd_csv_put_text(f, sep, r->model_used.s, r->model_used.len) ||
	    vd_csv_put_text(f, sep, r->source.s, r->source.len) ||
	    putc('\n', f) == EOF ? -1 : 0;
}

static int
csv_row(FILE *f, const struct vd_export_row *r, const struct vd_export_opts *o)
{
	return delimited_row(f, r, ',');
}

/* tsv: the csv columns separated by tabs, texts quoted as in csv */
static int
tsv_header(FILE *f, const struct vd_export_opts *o)
{
	return vd_csv_put_header(f, '\t', csv_columns);
}

static int
tsv_row(FILE *f, const struct vd_export_row *r, const struct vd_export_opts *o)
{
	return delimited_row(f, r, '\t');
}

/* dpo: OpenAI preference fine-tuning */
static int
dpo_row(FILE *f, const struct vd_export_row *r, const struct vd_export_opts *o)
{
	static const char layout[] = "{\"input\":{\"messages\":[\2{\"role\":\"user\","
	    "\"content\":\1}],\"tools\":[],\"parallel_tool_calls\":true},"
	    "\"preferred_output\":[{\"role\":\"assistant\",\"content\":\1}],"
	    "\"non_preferred_output\":[{\"role\":\"assistant\",\"content\":\1}]}";

	return vd_jsonl_put(f, layout, (struct vd_str[]){ r->system, r->message, r->answer,
	    r->rejected });
}

static int
dpo_validate(json_t *o, char *err, size_t len)
{
	json_t *in = json_object_get(o, "input");

	if (!json_is_object(in))
		return snprintf(err, len, "input: missing or not an object"), -1;
	return vd_chat_check(json_object_get(in, "messages"), "input.messages", "user", err,
	    len) || vd_chat_check_answer(json_object_get(o, "preferred_output"),
	    "preferred_output", err, len) ||
	    vd_chat_check_answer(json_object_get(o, "non_preferred_output"),
	    "non_preferred_output", err, len) ? -1 : 0;
}

/* trl-dpo: TRL preference pairs, conversational */
static int
trl_dpo_row(FILE *f, const struct vd_export_row *r, const struct vd_export_opts *o)
{
	static const char layout[] = "{\"prompt\":[\2{\"role\":\"user\",\"content\":\1}],"
	    "\"chosen\":[{\"role\":\"assistant\",\"content\":\1}],"
	    "\"rejected\":[{\"role\":\"assistant\",\"content\":\1}]}";

	return vd_jsonl_put(f, layout, (struct vd_str[]){ r->system, r->message, r->answer,
	    r->rejected });
}

static int
trl_dpo_validate(json_t *o, char *err, size_t len)
{
	return vd_chat_check_trl(json_object_get(o, "prompt"), "prompt", 1, err, len) ||
	    vd_chat_check_trl(json_object_get(o, "chosen"), "chosen", 0, err, len) ||
	    vd_chat_check_trl(json_object_get(o, "rejected"), "rejected", 0, err, len) ? -1 : 0;
}

/* trl-kto: TRL unpaired preference, labelled */
static int
trl_kto_row(FILE *f, const struct vd_export_row *r, const struct vd_export_opts *o)
{
	static const char layout[] = "{\"prompt\":[\2{\"role\":\"user\",\"content\":\1}],"
	    "\"completion\":[{\"role\":\"assistant\",\"content\":\1}],\"label\":\1}";

	return vd_jsonl_put(f, layout, (struct vd_str[]){ r->system, r->message, r->answer,
	    boolean(r->label) });
}

static int
trl_kto_validate(json_t *o, char *err, size_t len)
{
	if (vd_chat_check_trl(json_object_get(o, "prompt"), "prompt", 1, err, len) ||
	    vd_chat_check_trl(json_object_get(o, "completion"), "completion", 0, err, len))
		return -1;
	if (!json_is_boolean(json_object_get(o, "label")))
		return snprintf(err, len, "label: missing or not true/false"), -1;
	return 0;
}

#define JSON_CHAT (VD_ENC_JSON | VD_ENC_SYSTEM)
#define ALL_FIELDS (VD_ROW_SESSION | VD_ROW_CREATED | VD_ROW_MODEL | VD_ROW_SOURCE)

static const struct vd_export_encoder encoders[] = {
	{ "openai", "jsonl", "jsonl",
	    "openai (default; also jsonl): OpenAI chat fine-tuning JSON\n"
	    "Lines, one exchange rated at least the threshold per line:\n"
	    "{\"messages\":[{\"role\":\"user\",...},{\"role\":\"assistant\",...}],\n"
	    "\"metadata\":{log_id, rating, corrected, session_id,\n"
	    "created_at, model_used}}\n",
	    VD_ROWS_GOOD, JSON_CHAT, 0, VD_ROW_SESSION | VD_ROW_CREATED | VD_ROW_MODEL,
	    NULL, openai_row, openai_validate, (const char *const[]){ "messages", NULL }, 10 },
	{ "csv", NULL, "csv",
	    "csv: the same exchanges, header log_id, session_id,\n"
	    "created_at, rating, corrected, message, response (the\n"
	    "answer used), model_used, source\n",
	    VD_ROWS_GOOD, 0, ALL_FIELDS, 0, csv_header, csv_row, NULL, NULL, 0 },
	{ "tsv", NULL, "tsv",
	    "tsv: the csv columns separated by tabs, texts quoted\n"
	    "as in csv (a tab or newline stays inside its quotes)\n",
	    VD_ROWS_GOOD, 0, ALL_FIELDS, 0, tsv_header, tsv_row, NULL, NULL, 0 },
	{ "dpo", NULL, "jsonl",
	    "dpo: OpenAI preference fine-tuning, {\"input\":{\"messages\",\n"
	    "\"tools\",\"parallel_tool_calls\"}, \"preferred_output\",\n"
	    "\"non_preferred_output\"}\n",
	    VD_ROWS_PAIRS, JSON_CHAT, 0, 0, NULL, dpo_row, dpo_validate,
	    (const char *const[]){ "input", "preferred_output", NULL }, 10 },
	{ "trl-dpo", NULL, "jsonl",
	    "trl-dpo: TRL preference pairs {\"prompt\", \"chosen\",\n"
	    "\"rejected\"}, conversational\n",
	    VD_ROWS_PAIRS, JSON_CHAT, 0, 0, NULL, trl_dpo_row, trl_dpo_validate,
	    (const char *const[]){ "chosen", "rejected", NULL }, 1 },
	{ "trl-kto", NULL, "jsonl",
	    "trl-kto: TRL {\"prompt\", \"completion\", \"label\"}: every\n"
	    "rated exchange, label true when rated at least the\n"
	    "threshold, and the original answer of a correction rated\n"
	    "1-2 as false\n",
	    VD_ROWS_KTO, JSON_CHAT, 0, 0, NULL, trl_kto_row, trl_kto_validate,
	    (const char *const[]){ "completion", "label", NULL }, 1 },
};

const struct vd_export_encoder *
vd_export_encoder_at(size_t i)
{
	return i < sizeof encoders / sizeof encoders[0] ? &encoders[i] : NULL;
}

const struct vd_export_encoder *
vd_export_encoder_find(const char *name)
{
	const struct vd_export_encoder *e;
	size_t i;

	for (i = 0; (e = vd_export_encoder_at(i)); i++)
		if (strcmp(name, e->name) == 0 || (e->alias && strcmp(name, e->alias) == 0))
			return e;
	return NULL;
}

const struct vd_export_encoder *
vd_export_encoder_guess(json_t *obj)
{
	const struct vd_export_encoder *e, *first = NULL;
	const char *const *k;
	size_t i;

	for (i = 0; (e = vd_export_encoder_at(i)); i++) {
		if (!e->validate)
			continue;
		if (!first)
			first = e;
		for (k = e->keys; k && *k; k++)
			if (json_object_get(obj, *k))
				return e;
	}
	return first;
}

int
vd_export_ext_known(const char *ext)
{
	const struct vd_export_encoder *e;
	size_t i;

	for (i = 0; (e = vd_export_encoder_at(i)); i++)
		if (strcmp(ext, e->ext) == 0)
			return 1;
	return 0;
}
