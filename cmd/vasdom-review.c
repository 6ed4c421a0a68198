/* vasdom-review: where to teach next (gaps, queue, conflicts, replay). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vd_date.h"
#include "vd_db.h"
#include "vd_error.h"
#include "vd_review.h"

static const char usage_line[] =
    "usage: vasdom-review --conflicts [--days n] [-n limit] [--similarity s] [-d db]\n"
    "                     [-f jsonl|csv]\n";

static const char help[] =
    "Show where teaching the assistant would help most.\n"
    "  --conflicts      groups of near-identical questions whose endorsed answers\n"
    "                   (rated at or above VASDOM_MIN_RATING, or corrected) differ\n"
    "  --days n         only the exchanges of the last n days\n"
    "  -n limit         print at most limit records\n"
    "  --similarity s   least cosine similarity of two questions in a group\n"
    "                   (--conflicts: 0.9)\n"
    "  -d db            database (VASDOM_DB)\n"
    "  -f format        output: jsonl (default) or csv\n"
    "Exit status: 0 success; 1 nothing found, or a write error; 2 usage error;\n"
    "3 database or configuration error.\n"
    "See vasdom-review(1).\n";

static const char *const conflict_columns[] = {
	"group", "size", "answers", "similarity", "log_ids", "exchanges", NULL
};

enum mode { NONE, CONFLICTS };

static void __attribute__((noreturn))
usage(int code)
{
	cli_usage(code, usage_line, help);
}

struct out {
	struct vd_writer *w;
	long n;
};

static int
put(json_t *rec, void *arg)
{
	struct out *o = arg;

	o->n++;
	return vd_writer_put(o->w, rec);
}

static void
set_mode(enum mode *m, enum mode to)
{
	if (*m != NONE && *m != to)
		die(2, "only one of --conflicts, --gaps, --queue and --replay");
	*m = to;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "conflicts", no_argument, NULL, 'C' },
		{ "days", required_argument, NULL, 'D' },
		{ "similarity", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct vd_review_opts o = { .similarity = -1 };
	struct vd_config cfg;
	struct out out = { 0 };
	char since[VD_DATE_LEN];
	enum mode mode = NONE;
	int c, rc, outformat = VD_OUT_JSONL;
	sqlite3 *db;

	cli_init("vasdom-review", argc, argv);
	cli_config(&cfg);
	while ((c = getopt_long(argc, argv, "n:d:f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'C': set_mode(&mode, CONFLICTS); break;
		case 'D': o.since = vd_date_days_ago(cli_int("--days", optarg, 1, 36500), since); break;
		case 'S': o.similarity = cli_double("--similarity", optarg, -1, 1); break;
		case 'n': o.limit = cli_int("-n", optarg, 1, 1000000); break;
		case 'd': cfg.db_path = optarg; break;
		case 'f': outformat = cli_outformat(optarg, 0); break;
		case 'V': cli_version();
		case 'h': usage(0);
		default: usage(2);
		}
	}
	if (optind < argc || mode == NONE)
		usage(2);
	db = cli_open_db(&cfg);
	if (!(out.w = vd_writer_new(stdout, outformat, conflict_columns)))
		die(3, "out of memory");
	rc = vd_review_conflicts(db, &cfg, &o, put, &out);
	if (rc == VD_EUSAGE && out.n)
		die(1, "%s", vd_errmsg());
	if (rc)
		die(rc == VD_EUSAGE ? 2 : 3, "%s", vd_errmsg());
	vd_db_close(db);
	cli_finish(out.w, out.n ? 0 : 1);
}
