/* vasdom-similar: the nearest past exchanges by meaning. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vd_db.h"
#include "vd_error.h"
#include "vd_record.h"
#include "vd_similar.h"

static const char usage_line[] =
    "usage: vasdom-similar [-n limit] [--min-score s] [--min-rating r] [-m model] [-d db]\n"
    "                      [-f jsonl|csv] [--csv-raw] [-i auto|text|jsonl|csv]\n"
    "                      [--map old=new[,...]] [-t text | log_id ...]\n";

static const char *const columns[] = {
	"query", "rank", "log_id", "score", "rating", "message", "response",
	"created_at", NULL
};
static const char *const text_fields[] = { "message", NULL };

enum { O_MIN_SCORE = CLI_LONG, O_MIN_RATING };

static const struct cli_opt opts[] = {
	{ 'n', NULL, "limit", "hits per query (default 5)" },
	{ O_MIN_SCORE, "min-score", "s", "least cosine score, -1 to 1 (default: any)" },
	{ O_MIN_RATING, "min-rating", "r", "only exchanges rated at least r (1-5)" },
	{ 't', NULL, "text", "query by this text" },
	CLI_OPT_MODEL,
	CLI_OPT_DB,
	CLI_OPT_FORMAT,
	CLI_OPT_CSV_RAW,
	CLI_OPT_INFORMAT,
	CLI_OPT_MAP,
	CLI_OPT_END
};

static const struct cli_tool tool = {
	usage_line,
	"Print the exchanges nearest by meaning to each query: log ids (arguments\n"
	"or lines), a text (-t), or JSON Lines/CSV records with log_id or message.\n",
	opts, NULL
};

/* Each hit as soon as its batch is searched. */
static int
put_hit(json_t *hit, void *arg)
{
	if (vd_writer_put(arg, hit))
		die(1, "%s", vd_errmsg());
	return VD_OK;
}

static void
flush(struct vd_similar_search *s)
{
	int rc;

	if ((rc = vd_similar_flush(s)))
		cli_fail(rc, "");
}

/* A record holds a log_id or a message; a plain line of digits is a log id. */
static int
record_query(struct vd_similar_search *s, const struct vd_record *rec)
{
	const char *text;
	long long id;
	int present, rc;

	if ((rc = vd_rec_int(rec, "log_id", &id, &present)))
		return rc;
	if (present)
		return vd_similar_add(s, id, NULL);
	if ((rc = vd_rec_str(rec, "message", &text)))
		return rc;
	if (!text || !*text)
		return vd_error(VD_EINPUT, "no log_id or message");
	if (text[strspn(text, "0123456789")] == 0 && strlen(text) < 19)
		return vd_similar_add(s, atoll(text), NULL);
	return vd_similar_add(s, 0, text);
}

/* One record of standard input: queued; its hits are written in order
 * with its batch's (flush). */
static int
similar_job(const struct vd_record *rec, json_t **out, void *arg)
{
	return record_query(arg, rec);
}

/* Standard input is idle: a coprocess waits for its hits. */
static void
idle_flush(void *arg)
{
	flush(arg);
}

int
main(int argc, char **argv)
{
	struct vd_config cfg;
	struct vd_similar_opts o = { .limit = 5, .min_score = -1 };
	struct vd_similar_search *s;
	struct vd_writer *w;
	sqlite3 *db;
	const char *model = NULL, *text = NULL;
	int ch, rc, informat = VD_IN_AUTO, outformat = VD_OUT_JSONL, status = 0, i;

	cli_init("vasdom-similar", argc, argv);
	cli_config(&cfg);
	while ((ch = cli_getopt(argc, argv, &tool)) != -1) {
		switch (ch) {
		case 'n': o.limit = cli_int("-n", optarg, 1, VD_SIMILAR_LIMIT_MAX); break;
		case O_MIN_SCORE: o.min_score = cli_double("--min-score", optarg, -1, 1); break;
		case O_MIN_RATING: o.min_rating = (int)cli_int("--min-rating", optarg, 1, 5); break;
		case 't': text = optarg; break;
		case 'm': model = optarg; break;
		case 'd': cfg.db_path = optarg; break;
		case 'f': outformat = cli_outformat(optarg, 0); break;
		case 'i': informat = cli_informat(optarg); break;
		}
	}
	if (text && optind < argc)
		die(2, "-t and log ids do not go together");
	if (text && !*text)
		die(2, "-t: empty text");
	for (i = optind; i < argc; i++)
		if (!argv[i][0] || argv[i][strspn(argv[i], "0123456789")] || strlen(argv[i]) > 18)
			die(2, "%s: not a log id", argv[i]);
	db = cli_open_db_existing(&cfg);
	w = vd_writer_new(stdout, outformat, columns);
	vd_writer_unbuffered(w);
	if ((rc = vd_similar_open(db, &cfg, model, &o, put_hit, w, &s)))
		cli_fail(rc, "");
	if (text || optind < argc) {
		for (i = optind; text ? i == optind : i < argc; i++)
			if ((rc = vd_similar_add(s, text ? 0 : atoll(argv[i]), text))) {
				if (rc == VD_EDB || rc == VD_ENOMEM)
					die(3, "%s", vd_errmsg());
				error("%s", vd_errmsg());
				status = 1;
			}
	} else
		cli_records(&(struct cli_input){ .format = informat,
		    .text_fields = text_fields, .idle = idle_flush },
		    0, NULL, similar_job, s, w);
	flush(s);
	if (vd_similar_missing(s))
		status = 1;
	vd_similar_free(s);
	vd_db_close(db);
	cli_finish(w, status || cli_rejected() ? 1 : 0);
}
