/* vasdom-log: browse, search, forget and back up the logged exchanges. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "vd_backup.h"
#include "vd_date.h"
#include "vd_db.h"
#include "vd_error.h"
#include "vd_forget.h"
#include "vd_fts.h"
#include "vd_log.h"

#define DEFAULT_N 20
#define MAX_IDS 100000

static const char usage_line[] =
    "usage: vasdom-log [-d db] [-f jsonl|csv] [-n n] [-q text] [--since date]\n"
    "                  [--until date] [--session id] [--source source]\n"
    "                  [--rating n] [--min-rating n] [--unrated] [--corrected]\n"
    "                  [--id-gt id]\n"
    "       vasdom-log --transcript id [-d db] [-f jsonl|csv|text]\n"
    "       vasdom-log --forget [--log-id id] [--session id] [--before date]\n"
    "                  [--older-than days] [--keep-endorsed] [--dry-run] [-d db]\n"
    "                  [-f jsonl|csv]\n"
    "       vasdom-log --backup file [-d db] [-f jsonl|csv]\n";

enum {
	O_SINCE = CLI_LONG, O_UNTIL, O_SESSION, O_SOURCE, O_RATING, O_MIN_RATING,
	O_UNRATED, O_CORRECTED, O_ID_GT, O_TRANSCRIPT, O_FORGET, O_LOG_ID, O_BEFORE,
	O_OLDER_THAN, O_KEEP_ENDORSED, O_DRY_RUN, O_BACKUP
};

static const struct cli_opt opts[] = {
	{ 'n', NULL, "n", "at most n records (20; 0: all)" },
	{ 'q', "query", "text", "only the exchanges whose question, answer or correction\n"
	    "has every word of text, in any inflection (уборка finds\n"
	    "уборки, уборку), best match first, with rank and score" },
	{ O_SINCE, "since", "date", "only exchanges from date on: YYYY-MM-DD or\n"
	    "YYYY-MM-DDTHH:MM[:SS] (UTC)" },
	{ O_UNTIL, "until", "date", "only exchanges before date; a day alone includes that day" },
	{ O_SESSION, "session", "id", "only the exchanges of this session" },
	{ O_SOURCE, "source", "source", "only answers from llm, experience, intent, default or record" },
	{ O_RATING, "rating", "n", "only exchanges rated n (1-5)" },
	{ O_MIN_RATING, "min-rating", "n", "only exchanges rated n or more" },
	{ O_UNRATED, "unrated", NULL, "only exchanges without a rating" },
	{ O_CORRECTED, "corrected", NULL, "only exchanges with a corrected answer" },
	{ O_ID_GT, "id-gt", "id", "only log ids above id, oldest first: a cursor for\n"
	    "incremental readers" },
	{ O_TRANSCRIPT, "transcript", "id", "the conversation of session id in order, as text on a\n"
	    "terminal, else as records (-f)" },
	{ O_FORGET, "forget", NULL, "delete the exchanges chosen by --log-id, --session,\n"
	    "--before or --older-than (and the filters above), with\n"
	    "their rating history, vectors, change-log rows and search\n"
	    "index entries, overwriting the deleted text in the\n"
	    "database and its log; print one record: what was removed\n"
	    "and which recorded exports held them" },
	{ O_LOG_ID, "log-id", "id", "with --forget: this exchange (repeatable, or a\n"
	    "comma-separated list)" },
	{ O_BEFORE, "before", "date", "with --forget: exchanges logged before date" },
	{ O_OLDER_THAN, "older-than", "days", "with --forget: exchanges logged more than days days ago" },
	{ O_KEEP_ENDORSED, "keep-endorsed", NULL, "with --forget: keep exchanges rated at or above the\n"
	    "training threshold (VASDOM_MIN_RATING, 4) or corrected" },
	{ O_DRY_RUN, "dry-run", NULL, "with --forget: report, delete nothing" },
	{ O_BACKUP, "backup", "file", "write a consistent copy of the database to file (mode\n"
	    "0600) while others keep writing, check it with SQLite's\n"
	    "integrity check, and print one record about it" },
	CLI_OPT_DB,
	{ 'f', "format", "format", "output: jsonl (default), csv, or text (--transcript)" },
	CLI_OPT_END
};

static const struct cli_tool tool = {
	usage_line,
	"Print the logged exchanges, newest first, one record each with the fields\n"
	"of vasdom(7).\n",
	opts,
	"Exit status: 0 success; 1 nothing was found (or forgotten), or a write\n"
	"error; 2 usage error; 3 database or configuration error.\n"
};

enum mode { BROWSE, TRANSCRIPT, FORGET, BACKUP };

static struct {
	enum mode mode;
	struct vd_log_filter f;
	int outformat, format_given, dry_run;
	long long *ids;
	const char *query, *backup, *before, *since, *until;
	long older_than;
	long long limit;
	char since_iso[VD_DATE_LEN], until_iso[VD_DATE_LEN];
} opt = { .limit = DEFAULT_N };

static void
set_mode(enum mode m, const char *name)
{
	if (opt.mode != BROWSE && opt.mode != m)
		die(2, "%s: only one of --transcript, --forget and --backup", name);
	opt.mode = m;
}

static void
add_ids(const char *arg)
{
	char *copy = strdup(arg), *tok, *save;
	long long *p;

	if (!copy)
		die(3, "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (opt.f.nids >= MAX_IDS)
			die(2, "--log-id: at most %d ids", MAX_IDS);
		if (!(p = realloc(opt.ids, (opt.f.nids + 1) * sizeof *p)))
			die(3, "out of memory");
		opt.ids = p;
		opt.ids[opt.f.nids++] = cli_int("--log-id", tok, 1, 0x7fffffffffffffffL);
	}
	free(copy);
	opt.f.ids = opt.ids;
}

static void
parse_date(const char *name, const char *s, int end_of_day, char *out)
{
	if (vd_date_parse(s, end_of_day, out))
		die(2, "%s: expected a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS), got '%s'", name, s);
}

static const char *
source_arg(const char *s)
{
	static const char *const sources[] = { "llm", "experience", "intent", "default", "record" };
	size_t i;

	for (i = 0; i < sizeof sources / sizeof *sources; i++)
		if (strcmp(s, sources[i]) == 0)
			return s;
	die(2, "--source: expected llm, experience, intent, default or record, got '%s'", s);
}

/* The window of --since/--until (browse) or --before/--older-than
 * (forget): the later of the two ends given for "before". */
static void
dates(void)
{
	char older[VD_DATE_LEN];

	if (opt.since) {
		parse_date("--since", opt.since, 0, opt.since_iso);
		opt.f.since = opt.since_iso;
	}
	if (opt.until) {
		parse_date("--until", opt.until, 1, opt.until_iso);
		opt.f.until = opt.until_iso;
	}
	if (opt.before) {
		if (opt.until)
			die(2, "--before: not with --until (they say the same)");
		parse_date("--before", opt.before, 0, opt.until_iso);
		opt.f.until = opt.until_iso;
	}
	if (opt.older_than) {
		vd_date_days_ago(opt.older_than, older);
		if (!opt.f.until || strcmp(older, opt.f.until) < 0)
			strcpy(opt.until_iso, older);
		opt.f.until = opt.until_iso;
	}
	if (opt.f.since && opt.f.until && strcmp(opt.f.since, opt.f.until) >= 0)
		die(2, "--since '%s' is not before the end of the window", opt.since);
}

struct out {
	struct vd_writer *w;  /* NULL: text */
	long long n;
};

/* One exchange of a transcript, for a person to read. */
static int
put_text(json_t *rec)
{
	static const char *const fields[][2] = { { "message", "Q" }, { "response", "A" },
	    { "correction", "Correction" }, { "feedback_text", "Feedback" } };
	json_t *rating = json_object_get(rec, "rating");
	size_t i;

	printf("#%lld  %.19s  %s", (long long)json_integer_value(json_object_get(rec, "log_id")),
	    json_string_value(json_object_get(rec, "created_at")),
	    json_string_value(json_object_get(rec, "source")));
	/* the texts are the residents': none may steer the terminal */
	if (json_is_integer(rating))
		printf("  rated %lld", (long long)json_integer_value(rating));
	putchar('\n');
	for (i = 0; i < sizeof fields / sizeof *fields; i++) {
		const char *s = json_string_value(json_object_get(rec, fields[i][0]));

		if (s && *s && (printf("%s: ", fields[i][1]) < 0 ||
		    vd_put_terminal_text(stdout, s, strlen(s)) || putchar('\n') == EOF))
			return vd_error(VD_EWRITE, "write error");
	}
	return putchar('\n') == EOF ? vd_error(VD_EWRITE, "write error") : VD_OK;
}

static int
put(json_t *rec, void *arg)
{
	struct out *o = arg;

	o->n++;
	return o->w ? vd_writer_put(o->w, rec) : put_text(rec);
}

static void __attribute__((noreturn))
browse(sqlite3 *db)
{
	const char *const *cols = opt.query ? vd_log_search_columns : vd_log_columns;
	struct out o = { 0 };
	char *match = NULL;
	long long indexed;
	int rc;

	if (opt.query) {
		if ((rc = vd_fts_query(opt.query, &match)))
			cli_fail(rc, "-q: ");
		/* what was logged since the last search; a file we may only
		 * read is searched as it was indexed */
		if (vd_fts_sync(db, &indexed))
			warning("search index not brought up to date: %s", vd_errmsg());
		opt.f.match = match;
	}
	if (!(opt.mode == TRANSCRIPT && (opt.outformat == VD_OUT_TEXT ||
	    (!opt.format_given && isatty(1)))) &&
	    !(o.w = vd_writer_new(stdout, opt.outformat, cols)))
		die(3, "out of memory");
	if ((rc = vd_log_select(db, &opt.f, put, &o)))
		cli_fail(rc, "");
	free(match);
	vd_db_close(db);
	cli_finish(o.w, o.n ? 0 : 1);
}

/* Print the one record of --forget or --backup and exit with status. */
static void __attribute__((noreturn))
put_one(sqlite3 *db, const char *const *cols, json_t *rec, int status)
{
	struct vd_writer *w = vd_writer_new(stdout, opt.outformat, cols);

	if (!w)
		die(3, "out of memory");
	if (vd_writer_put(w, rec))
		die(1, "%s", vd_errmsg());
	json_decref(rec);
	vd_db_close(db);
	cli_finish(w, status);
}

static void __attribute__((noreturn))
forget(sqlite3 *db, const struct vd_config *cfg)
{
	static const char *const cols[] = { "dry_run", "exchanges", "log_ids", "ratings",
	    "embeddings", "vector_changes", "index_changes", "search_caches", "exports",
	    "wal_truncated", NULL };
	json_t *rec;
	long long n;

	if (!opt.f.nids && !opt.f.session && !opt.f.until)
		die(2, "--forget: say which exchanges: --log-id, --session, --before or --older-than");
	opt.f.endorsed = cfg->min_rating;
	if (vd_forget(db, &opt.f, opt.dry_run, &rec))
		die(3, "%s", vd_errmsg());
	n = json_integer_value(json_object_get(rec, "exchanges"));
	if (!opt.dry_run && n && !json_is_true(json_object_get(rec, "wal_truncated")))
		warning("another process is reading the database: the deleted text stays in its"
		    " -wal file until the next checkpoint");
	put_one(db, cols, rec, n ? 0 : 1);
}

static void __attribute__((noreturn))
backup(sqlite3 *db)
{
	static const char *const cols[] = { "backup", "bytes", "exchanges", "ratings",
	    "schema_version", "integrity", "created_at", NULL };
	json_t *rec;

	if (vd_backup(db, opt.backup, &rec))
		die(3, "%s", vd_errmsg());
	put_one(db, cols, rec, 0);
}

int
main(int argc, char **argv)
{
	struct vd_config cfg;
	sqlite3 *db;
	int c;

	cli_init("vasdom-log", argc, argv);
	cli_config(&cfg);
	while ((c = cli_getopt(argc, argv, &tool)) != -1) {
		switch (c) {
		case 'd': cfg.db_path = optarg; break;
		case 'f':
			opt.outformat = cli_outformat(optarg, 1);
			opt.format_given = 1;
			break;
		case 'n': opt.limit = cli_int("-n", optarg, 0, 0x7fffffffffffffffL); break;
		case 'q': opt.query = optarg; break;
		case O_SINCE: opt.since = optarg; break;
		case O_UNTIL: opt.until = optarg; break;
		case O_SESSION: opt.f.session = optarg; break;
		case O_SOURCE: opt.f.source = source_arg(optarg); break;
		case O_RATING: opt.f.rating = (int)cli_int("--rating", optarg, 1, 5); break;
		case O_MIN_RATING: opt.f.min_rating = (int)cli_int("--min-rating", optarg, 1, 5); break;
		case O_UNRATED: opt.f.unrated = 1; break;
		case O_CORRECTED: opt.f.corrected = 1; break;
		case O_ID_GT: opt.f.id_gt = cli_int("--id-gt", optarg, 0, 0x7fffffffffffffffL); break;
		case O_TRANSCRIPT:
			set_mode(TRANSCRIPT, "--transcript");
			opt.f.session = optarg;
			break;
		case O_FORGET: set_mode(FORGET, "--forget"); break;
		case O_LOG_ID: add_ids(optarg); break;
		case O_BEFORE: opt.before = optarg; break;
		case O_OLDER_THAN: opt.older_than = cli_int("--older-than", optarg, 0, 36500); break;
		case O_KEEP_ENDORSED: opt.f.keep_endorsed = 1; break;
		case O_DRY_RUN: opt.dry_run = 1; break;
		case O_BACKUP:
			set_mode(BACKUP, "--backup");
			opt.backup = optarg;
			break;
		}
	}
	if (optind < argc)
		cli_help(2, &tool);
	if (opt.mode != FORGET && (opt.f.nids || opt.before || opt.older_than ||
	    opt.f.keep_endorsed || opt.dry_run))
		die(2, "--log-id, --before, --older-than, --keep-endorsed and --dry-run go with --forget");
	if (opt.outformat == VD_OUT_TEXT && opt.mode != TRANSCRIPT)
		die(2, "-f text: only with --transcript");
	if (opt.mode == BACKUP && (opt.query || opt.since || opt.until || opt.f.session ||
	    opt.f.source || opt.f.rating || opt.f.min_rating || opt.f.unrated ||
	    opt.f.corrected || opt.f.id_gt))
		die(2, "--backup copies everything: no filters");
	if (opt.mode == FORGET && opt.query)
		die(2, "-q does not go with --forget: forget by --log-id or --session");
	if (opt.f.unrated && (opt.f.rating || opt.f.min_rating))
		die(2, "--unrated does not go with --rating or --min-rating");
	dates();
	/* a cursor reads forward; so does a conversation */
	opt.f.oldest_first = opt.f.id_gt > 0 || opt.mode == TRANSCRIPT;
	opt.f.limit = opt.mode == BROWSE ? opt.limit : 0;
	/* a log that is not there is not made: nothing to read or forget */
	db = cli_open_db_existing(&cfg);
	switch (opt.mode) {
	case TRANSCRIPT:
	case BROWSE: browse(db);
	case FORGET: forget(db, &cfg);
	case BACKUP: backup(db);
	}
	return 3;
}
