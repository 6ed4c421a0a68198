/* vasdom-rate: rate exchanges 1-5, with feedback and corrected answers. */
#include <getopt.h>
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

static const char help[] =
    "Rate exchanges: from the arguments, or one per line of standard input\n"
    "(\"log_id rating [feedback]\", JSON Lines or CSV with log_id, rating,\n"
    "feedback_text, correction).\n"
    "  -d db            database (VASDOM_DB)\n"
    "  -f format        output: jsonl (default) or csv\n"
    "  --csv-raw        -f csv: cells as they are; by default a cell beginning\n"
    "                   with =, +, -, @, tab or CR gets a ' first, so that a\n"
    "                   spreadsheet shows it instead of running it as a formula\n"
    "  -i format        input: auto (default), text, jsonl or csv\n"
    "  --map old=new,...\n"
    "                   rename input fields (CSV columns, JSON keys), e.g. the old\n"
    "                   service's --map user_message=message,ai_response=response\n"
    "  --rejects file   copy rejected input lines here, verbatim\n"
    "  --skip-existing  skip records whose client_id was applied before\n"
    "  --profile file   the replies to a rating (VASDOM_PROFILE)\n"
    "See vasdom-rate(1).\n";

static void __attribute__((noreturn))
usage(int code)
{
	cli_usage(code, usage_line, help);
}

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
	static const struct option longopts[] = {
		{ "rejects", required_argument, NULL, 'J' },
		{ "skip-existing", no_argument, NULL, 'K' },
		{ "csv-raw", no_argument, NULL, 'W' },
		{ "map", required_argument, NULL, 'P' },
		{ "profile", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct vd_config cfg;
	struct vd_writer *w;
	struct job job;
	json_t *args = NULL;
	int c, informat = VD_IN_AUTO, outformat = VD_OUT_JSONL, skip = 0;
	sqlite3 *db;

	cli_init("vasdom-rate", argc, argv);
	cli_config(&cfg);
	while ((c = getopt_long(argc, argv, "d:f:i:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': cfg.db_path = optarg; break;
		case 'f': outformat = cli_outformat(optarg, 0); break;
		case 'i': informat = cli_informat(optarg); break;
		case 'J': cli_rejects_open(optarg); break;
		case 'K': skip = 1; break;
		case 'W': vd_csv_raw(1); break;
		case 'P':
			if (vd_input_map(optarg))
				die(2, "--map: %s", vd_errmsg());
			break;
		case 'F': cfg.profile_path = optarg; break;
		case 'V': cli_version();
		case 'h': usage(0);
		default: usage(2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 1 && strcmp(argv[0], "-") == 0)
		argc = 0;
	if (argc == 1 || argc > 3)
		usage(2);
	cli_profile(&cfg);
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
	    .text_fields = text_fields, .arg_record = args }, 0, NULL, rate_job,
	    &job, w);
	vd_db_close(db);
	cli_finish(w, cli_rejected() ? 1 : 0);
}
