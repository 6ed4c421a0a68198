/* vasdom-rate: rate exchanges 1-5, with feedback and corrected answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vd_db.h"
#include "vd_error.h"
#include "vd_exchange.h"
#include "vd_profile.h"
#include "vd_reply.h"

static const char usage_line[] =
    "usage: vasdom-rate [-d db] [-f jsonl|csv] [--csv-raw] [-i auto|text|jsonl|csv]\n"
    "                   [--map old=new[,...]] [--rejects file] [--skip-existing] [--profile file]\n"
    "                   [log_id rating [feedback]]\n";

static const char *const columns[] = {
	"success", "log_id", "rating", "message", "will_be_used_for_training", NULL
};
static const char *const text_fields[] = { "log_id", "rating", "feedback_text", NULL };

enum { O_SKIP_EXISTING = CLI_LONG, O_PROFILE };

static const struct cli_opt opts[] = {
	CLI_OPT_DB,
	CLI_OPT_FORMAT,
	CLI_OPT_CSV_RAW,
	CLI_OPT_INFORMAT,
	CLI_OPT_MAP,
	CLI_OPT_REJECTS,
	{ O_SKIP_EXISTING, "skip-existing", NULL, "skip records whose client_id was applied before" },
	{ O_PROFILE, "profile", "file", "the replies to a rating (VASDOM_PROFILE)" },
	CLI_OPT_END
};

static const struct cli_tool tool = {
	usage_line,
	"Rate exchanges: from the arguments, or one per line of standard input\n"
	"(\"log_id rating [feedback]\", JSON Lines or CSV with log_id, rating,\n"
	"feedback_text, correction).\n",
	opts, NULL
};

struct job {
	sqlite3 *db;
	const struct vd_config *cfg;
	int skip;
};

static int
rate_job(const struct vd_record *rec, json_t **out, void *arg)
{
	struct job *j = arg;

	return vd_reply_rate(j->db, j->cfg, rec, j->skip, out);
}

int
main(int argc, char **argv)
{
	struct vd_config cfg;
	struct vd_writer *w;
	struct job job;
	json_t *args = NULL;
	int c, informat = VD_IN_AUTO, outformat = VD_OUT_JSONL, skip = 0;
	sqlite3 *db;

	cli_init("vasdom-rate", argc, argv);
	cli_config(&cfg);
	while ((c = cli_getopt(argc, argv, &tool)) != -1) {
		switch (c) {
		case 'd': cfg.db_path = optarg; break;
		case 'f': outformat = cli_outformat(optarg, 0); break;
		case 'i': informat = cli_informat(optarg); break;
		case CLI_REJECTS: cli_rejects_open(optarg); break;
		case O_SKIP_EXISTING: skip = 1; break;
		case O_PROFILE: cfg.profile_path = optarg; break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 1 && strcmp(argv[0], "-") == 0)
		argc = 0;
	if (argc == 1 || argc > 3)
		cli_help(2, &tool);
	cli_profile(&cfg);
	/* one thread, one connection: without SQLite's mutexes */
	vd_db_unshared();
	db = cli_open_db(&cfg);
	w = vd_writer_new(stdout, outformat, columns);
	job.db = db;
	job.cfg = &cfg;
	job.skip = skip;
	/* the arguments are one record: log_id rating [feedback] */
	if (argc && !(args = json_pack("{s:s, s:s, s:s?}", "log_id", argv[0], "rating", argv[1],
	    "feedback_text", argc > 2 ? argv[2] : NULL)))
		die(3, "out of memory");
	cli_records(&(struct cli_input){ .format = informat,
	    .text_fields = text_fields, .arg_record = args, .batch = db }, 0, NULL, rate_job,
	    &job, w);
	vd_db_close(db);
	cli_finish(w, cli_rejected() ? 1 : 0);
}
