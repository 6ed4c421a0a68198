/* vasdom-ask: answer questions and log every exchange. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vd_answer.h"
#include "vd_db.h"
#include "vd_error.h"
#include "vd_exchange.h"
#include "vd_record.h"
#include "vd_reply.h"
#include "vd_text.h"

static const char usage_line[] =
    "usage: vasdom-ask [-r] [--record] [--skip-existing] [-s session] [-d db] [-f jsonl|csv]\n"
    "                  [--csv-raw] [-i auto|text|jsonl|csv] [--map old=new[,...]]\n"
    "                  [--rules file] [--profile file] [--rejects file]\n"
    "                  [--min-confidence p] [--explain] [message ...]\n";

static const char *const ask_columns[] = {
	"log_id", "session_id", "message", "response", "source", "model_used",
	"response_time", "similar_found", "learning_improved", "confidence",
	"handover", "answered_as", "similar", "model_error", "created_at", NULL
};
static const char *const record_columns[] = {
	"log_id", "session_id", "message", "response", "source", "rating",
	"created_at", "existed", NULL
};
static const char *const text_columns[] = { "response", NULL };
static const char *const text_fields[] = { "message", NULL };

static struct {
	int raw, record, skip_existing, explain;
	const char *session, *rules, *rejects;
	int informat, outformat;
} opt = { .informat = VD_IN_AUTO, .outformat = VD_OUT_JSONL };

enum { O_RECORD = CLI_LONG, O_SKIP_EXISTING, O_RULES, O_PROFILE, O_MIN_CONFIDENCE, O_EXPLAIN };

static const struct cli_opt opts[] = {
	{ 'r', NULL, NULL, "print only the answer text, one line per message (\\n,\n"
	    "\\\\, \\r and control characters \\xHH escaped)" },
	{ 's', NULL, "session", "session id (default: a new one for this run)" },
	{ O_RECORD, "record", NULL, "log given message/response pairs without answering" },
	{ O_SKIP_EXISTING, "skip-existing", NULL, "skip records whose client_id is stored (print them with\n"
	    "existed true); without it, such a record is an error" },
	CLI_OPT_DB,
	CLI_OPT_FORMAT,
	CLI_OPT_INFORMAT,
	CLI_OPT_MAP,
	CLI_OPT_CSV_RAW,
	{ O_RULES, "rules", "file", "intent rules (VASDOM_RULES)" },
	{ O_PROFILE, "profile", "file", "the company's texts and model settings (VASDOM_PROFILE)" },
	CLI_OPT_REJECTS,
	{ O_MIN_CONFIDENCE, "min-confidence", "p", "least confidence (0-1) of an answer from experience;\n"
	    "below it, the rules or the default answer and handover\n"
	    "(VASDOM_MIN_CONFIDENCE, default 0.5)" },
	{ O_EXPLAIN, "explain", NULL, "add the signals the confidence was computed from" },
	CLI_OPT_END
};

static const struct cli_tool tool = {
	usage_line,
	"Answer each message (arguments, or lines of standard input) and log it.\n",
	opts, NULL
};

static int
record_one(sqlite3 *db, const struct vd_record *rec, const char *session,
    char *msg, json_t **out)
{
	struct vd_exchange x = { 0 };
	long long rating = 0;
	int present, existed, rc;
	const char *sess = NULL;

	if ((rc = vd_rec_str(rec, "response", &x.response)) ||
	    (rc = vd_rec_str(rec, "session_id", &sess)) ||
	    (rc = vd_rec_str(rec, "feedback_text", &x.feedback_text)) ||
	    (rc = vd_rec_str(rec, "correction", &x.correction)) ||
	    (rc = vd_rec_str(rec, "created_at", &x.created_at)) ||
	    (rc = vd_rec_str(rec, "client_id", &x.client_id)) ||
	    (rc = vd_rec_rating(rec, &rating, &present)))
		return rc;
	if (!x.response || !*x.response)
		return vd_error(VD_EINPUT, "--record needs a response");
	x.session_id = sess && *sess ? sess : session;
	x.message = msg;
	x.source = "record";
	x.rating = (int)rating;
	if ((rc = vd_exchange_insert(db, &x, &existed)))
		return rc;
	if (existed && !opt.skip_existing)
		return vd_error(VD_EINPUT, "client_id %s is already stored as log %lld",
		    x.client_id, x.log_id);
	/* not by json_pack, which checks the UTF-8 of every text again (a
	 * tenth of a line's time): these are the parsed input's, the
	 * checked -s, or ours */
	if (!(*out = json_object()) ||
	    json_object_set_new_nocheck(*out, "log_id", json_integer(x.log_id)) ||
	    json_object_set_new_nocheck(*out, "session_id", json_string_nocheck(x.session_id)) ||
	    json_object_set_new_nocheck(*out, "message", json_string_nocheck(msg)) ||
	    json_object_set_new_nocheck(*out, "response", json_string_nocheck(x.response)) ||
	    json_object_set_new_nocheck(*out, "source", json_string_nocheck("record")) ||
	    json_object_set_new_nocheck(*out, "rating", rating ? json_integer(rating) : json_null()) ||
	    json_object_set_new_nocheck(*out, "created_at", json_string_nocheck(x.created)) ||
	    json_object_set_new_nocheck(*out, "existed", json_boolean(existed)))
		return vd_error(VD_ENOMEM, "out of memory");
	return VD_OK;
}

struct job {
	sqlite3 *db;
	struct vd_asker *asker;   /* NULL with --record */
	const char *session;      /* of records without one */
};

/* One record: asked (or with --record stored as it is). */
static int
ask_job(const struct vd_record *rec, json_t **out, void *arg)
{
	struct job *j = arg;
	char *msg = NULL;
	int rc;

	if ((rc = vd_reply_message(rec, &msg)) == VD_OK)
		rc = j->asker ? vd_reply_ask(j->db, j->asker, rec, j->session, msg,
		    (opt.explain ? VD_REPLY_EXPLAIN : 0) |
		    (opt.skip_existing ? VD_REPLY_SKIP_EXISTING : 0) |
		    (opt.session ? VD_REPLY_SESSION_NAMED : 0), out)
		    : record_one(j->db, rec, j->session, msg, out);
	free(msg);
	return rc;
}

int
main(int argc, char **argv)
{
	struct vd_config cfg;
	struct vd_writer *w;
	struct vd_asker *asker = NULL;
	struct job job;
	char session[33];
	sqlite3 *db;
	int c, rc;

	cli_init("vasdom-ask", argc, argv);
	cli_config(&cfg);
	while ((c = cli_getopt(argc, argv, &tool)) != -1) {
		switch (c) {
		case 'r': opt.raw = 1; break;
		case 's': opt.session = optarg; break;
		case 'd': cfg.db_path = optarg; break;
		case 'f': opt.outformat = cli_outformat(optarg, 0); break;
		case 'i': opt.informat = cli_informat(optarg); break;
		case O_RECORD: opt.record = 1; break;
		case O_SKIP_EXISTING: opt.skip_existing = 1; break;
		case O_RULES: opt.rules = optarg; break;
		case O_PROFILE: cfg.profile_path = optarg; break;
		case CLI_REJECTS: opt.rejects = optarg; break;
		case O_MIN_CONFIDENCE: cfg.min_confidence = cli_double("--min-confidence", optarg, 0, 1); break;
		case O_EXPLAIN: opt.explain = 1; break;
		}
	}
	if (opt.session) {
		size_t n = strlen(opt.session);

		if (!n || n > 200 || !vd_utf8_valid(opt.session, n))
			die(2, "-s: a session id is 1 to 200 characters of text");
	} else
		vd_session_new(session);
	if (!opt.record)
		cli_profile(&cfg);
	else
		/* one thread, one connection: without SQLite's mutexes, a
		 * lock and an unlock fewer in each of its calls (20 a line) */
		vd_db_unshared();
	db = cli_open_db(&cfg);
	/* an exchange's insert (8 b-trees through its triggers) inside its
	 * transaction keeps a sub-journal, which SQLite wrote to a temporary
	 * file it made and removed for each message: 0.3 of 0.7 ms; the
	 * neighbours' vectors and rows read through the map (vd_db.h) */
	if (!opt.record && (vd_db_temp_in_memory(db) || vd_db_map_reads(db)))
		die(3, "%s", vd_errmsg());
	if (!opt.record && (rc = vd_asker_open(db, &cfg, opt.rules, &asker)))
		die(3, "%s", vd_errmsg());
	if (opt.rejects)
		cli_rejects_open(opt.rejects);
	w = vd_writer_new(stdout, opt.raw ? VD_OUT_TEXT : opt.outformat,
	    opt.raw ? text_columns : opt.record ? record_columns : ask_columns);
	job.db = db;
	job.asker = asker;
	job.session = opt.session ? opt.session : session;
	cli_records(&(struct cli_input){ .format = opt.informat,
	    .text_fields = text_fields, .arg_field = "message",
	    .batch = opt.record ? db : NULL },
	    argc - optind, argv + optind, ask_job, &job, w);
	vd_asker_free(asker);
	vd_db_close(db);
	cli_finish(w, cli_rejected() ? 1 : 0);
}
