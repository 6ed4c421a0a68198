/* vasdom-export: fine-tuning data from the rated exchanges, and checks of
 * exported files. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vd_atomic.h"
#include "vd_date.h"
#include "vd_db.h"
#include "vd_error.h"
#include "vd_export.h"
#include "vd_export_fmt.h"
#include "vd_lineage.h"
#include "vd_validate.h"

#define MAX_REPORTED 10       /* --validate: problems printed */

/* The format lists come from the export table: %1$s every format, %2$s
 * those --validate checks. */
static const char usage_line[] =
    "usage: vasdom-export [-f %1$s] [--csv-raw] [-o file]\n"
    "                     [--min-rating n] [--days n | --since date [--until date]]\n"
    "                     [--max n] [--dedup] [--redact] [--system text]\n"
    "                     [--no-metadata] [--similarity s] [--split share [--seed n]]\n"
    "                     [--name name] [--dry-run] [-d db]\n"
    "       vasdom-export --validate file [-f %2$s]\n";

static const char about[] =
    "Write fine-tuning data from the rated exchanges, newest first (by\n"
    "created_at). An exchange with a correction counts as rated 5, the corrected\n"
    "text as its answer. Rows stream from the database: any size, constant memory\n"
    "(pairs hold the vectors of the rated exchanges).\n";

/* -f's help: after the formats' own lines */
static const char pairs_help[] =
    "Pairs (dpo, trl-dpo): each answer rated 1-2 is rejected in\n"
    "favour of its correction, or else of the answer rated at\n"
    "least the threshold to the most similar question (built-in\n"
    "embedder, cosine at least --similarity) that differs from\n"
    "it; the prompt is the rejected exchange's question";

enum {
	O_MIN_RATING = CLI_LONG, O_DAYS, O_SINCE, O_UNTIL, O_MAX, O_DEDUP, O_REDACT,
	O_SYSTEM, O_NO_METADATA, O_SIMILARITY, O_SPLIT, O_SEED, O_NAME, O_DRY_RUN,
	O_VALIDATE
};

/* not const: -f's help comes from the export table (tool_init) */
static struct cli_opt opts[] = {
	{ 'f', "format", "format", NULL },
	CLI_OPT_CSV_RAW,
	{ 'o', "output", "file",
	    "write to file instead of stdout (-): atomically (a temporary\n"
	    "file renamed at the end; a device or FIFO is written\n"
	    "directly, the database is refused), mode 0600; then print\n"
	    "a JSON line dataset_id, name, format, path, sample_count,\n"
	    "min_rating, created_at" },
	{ O_MIN_RATING, "min-rating", "n", "the threshold, 1-5 (VASDOM_MIN_RATING or\n"
	    "MIN_RATING_THRESHOLD; default 4)" },
	{ O_DAYS, "days", "n", "only exchanges of the last n days" },
	{ O_SINCE, "since", "date", "only exchanges from date on: YYYY-MM-DD or\n"
	    "YYYY-MM-DDTHH:MM[:SS[.fff]][Z], UTC" },
	{ O_UNTIL, "until", "date", "only exchanges before date; a day alone includes that day" },
	{ O_MAX, "max", "n", "at most n records (the newest)" },
	{ O_DEDUP, "dedup", NULL, "one record per question and answer, the newest" },
	{ O_REDACT, "redact", NULL,
	    "mask phone numbers (+7, 7 or 8 and ten digits, 9 and nine,\n"
	    "+375 and other codes; blanks, brackets, dashes, dots),\n"
	    "e-mail addresses (also [at], (dot), mailto:), passports,\n"
	    "INN, SNILS, card-like numbers (13-19 digits) and longer\n"
	    "runs of digits as [phone], [email], [passport], [inn],\n"
	    "[snils], [card], [number]; session ids become s-HASH,\n"
	    "keyed at random for each run" },
	{ O_SYSTEM, "system", "text", "a system message first in every example" },
	{ O_NO_METADATA, "no-metadata", NULL, "openai: leave out the metadata object" },
	{ O_SIMILARITY, "similarity", "s", "pairs: least cosine similarity of the questions, 0-1\n"
	    "(default 0.5)" },
	{ O_SPLIT, "split", "share", "with -o prefix: write prefix.train.jsonl and\n"
	    "prefix.valid.jsonl (the format's extension), about share\n"
	    "(between 0 and 1) of the questions to train; one question\n"
	    "is never in both" },
	{ O_SEED, "seed", "n", "of the split (default 0): the same seed, the same split" },
	{ O_NAME, "name", "name", "the name recorded (default: the file name less a\n"
	    "format's extension, .train/.valid added with --split; on\n"
	    "stdout FORMAT-TIME)" },
	{ O_DRY_RUN, "dry-run", NULL, "count what would be exported and print format,\n"
	    "sample_count, train_count, valid_count, min_rating; write\n"
	    "and record nothing" },
	{ O_VALIDATE, "validate", "file",
	    "check an exported file (- for stdin) against the layout of\n"
	    "-f (else guessed from its first line): every line a JSON\n"
	    "object, roles in order (an optional system message, then\n"
	    "user and assistant in turn, ending with the assistant; for\n"
	    "pairs the prompt ends with the user), no empty content, and\n"
	    "for openai and dpo at least 10 examples; the first 10\n"
	    "problems go to stderr with line numbers, then a JSON line\n"
	    "file, format, valid, lines, examples, errors to stdout" },
	CLI_OPT_DB,
	CLI_OPT_END
};

static const char tail[] =
    "Each export (to a file or stdout, not --dry-run) is recorded in the\n"
    "training_datasets table: name, format, time, sample count, threshold, path.\n"
    "Exit status: 0 success (--validate: the file is valid); 1 nothing to export\n"
    "(then nothing is written), a write error, or with --validate an invalid\n"
    "file; 2 usage error, or a --validate file that cannot be read; 3 database or\n"
    "configuration error.\n";

/* The names of the formats (those with a validate function when
 * checkable), joined by '|', each followed by its alias. */
static void
format_list(FILE *f, int checkable)
{
	const struct vd_export_encoder *e;
	const char *sep = "";
	size_t i;

	for (i = 0; (e = vd_export_encoder_at(i)); i++) {
		if (checkable && !e->validate)
			continue;
		fprintf(f, "%s%s", sep, e->name);
		if (e->alias)
			fprintf(f, "|%s", e->alias);
		sep = "|";
	}
}

static struct cli_tool tool = { NULL, about, opts, tail };

/* The usage lines and -f's help from the export table. */
static void
tool_init(void)
{
	const struct vd_export_encoder *e;
	char *all = NULL, *checkable = NULL, *line = NULL, *help = NULL;
	size_t len, i;
	FILE *f;

	if ((f = open_memstream(&all, &len)))
		format_list(f, 0), fclose(f);
	if ((f = open_memstream(&checkable, &len)))
		format_list(f, 1), fclose(f);
	if ((f = open_memstream(&line, &len))) {
		fprintf(f, usage_line, all ? all : "", checkable ? checkable : "");
		fclose(f);
	}
	if ((f = open_memstream(&help, &len))) {
		for (i = 0; (e = vd_export_encoder_at(i)); i++)
			fputs(e->help, f);
		fputs(pairs_help, f);
		fclose(f);
	}
	if (!line || !help)
		die(3, "out of memory");
	free(all);
	free(checkable);
	tool.usage = line;
	opts[0].help = help;
}

/* The table's format names, for a message. */
static char *
format_names(void)
{
	const struct vd_export_encoder *e;
	char *s = NULL;
	size_t len, i;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		die(3, "out of memory");
	for (i = 0; (e = vd_export_encoder_at(i)); i++)
		fprintf(f, "%s%s", i ? ", " : "", e->name);
	fclose(f);
	return s;
}

static struct {
	struct vd_export_opts x;
	const struct vd_export_encoder *format;   /* -f, or NULL */
	int dry_run;
	long days;
	const char *output, *name, *validate, *since, *until;
	char since_iso[VD_DATE_LEN], until_iso[VD_DATE_LEN];
} opt;

static void
report_problem(long long line, const char *msg, void *arg)
{
	if (line > 0)
		error("%s: line %lld: %s", (const char *)arg, line, msg);
	else
		error("%s: %s", (const char *)arg, msg);
}

static void __attribute__((noreturn))
validate(const char *path)
{
	struct vd_validation v;
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	json_t *rec;

	if (!f)
		die(2, "--validate: %s: %s", path, strerror(errno));
	if (vd_validate_file(f, opt.format, MAX_REPORTED,
	    report_problem, (void *)path, &v))
		die(2, "--validate: %s: %s", path, vd_errmsg());
	if (f != stdin)
		fclose(f);
	rec = json_pack("{s:s, s:s, s:b, s:I, s:I, s:I}", "file", path,
	    "format", v.format->name, "valid", v.errors == 0,
	    "lines", (json_int_t)v.lines, "examples", (json_int_t)v.examples,
	    "errors", (json_int_t)v.errors);
	if (json_dumpf(rec, stdout, JSON_COMPACT) || putchar('\n') == EOF)
		die(1, "write error: %s", strerror(errno));
	json_decref(rec);
	cli_finish(NULL, v.errors ? 1 : 0);
}

/* The name recorded for a file: its base name without the extension. */
static char *
name_of(const char *path, const char *suffix)
{
	const char *base = strrchr(path, '/');
	char *s, *dot;

	if (opt.name)
		return asprintf(&s, "%s%s", opt.name, suffix) < 0 ? NULL : s;
	if (!(s = strdup(base ? base + 1 : path)))
		return NULL;
	if ((dot = strrchr(s, '.')) && dot != s && vd_export_ext_known(dot + 1))
		*dot = 0;
	return s;
}

static void
record(sqlite3 *db, const char *name, const char *path, int side, long long count)
{
	char *abs = path ? realpath(path, NULL) : NULL, now[32];
	long long id = 0;
	json_t *rec;

	/* a database this user may only read (another's, a read-only folder):
	 * the export is written, only not recorded */
	if (vd_db_readonly(db))
		warning("%s: not recorded in training_datasets: the database is read-only here",
		    path ? path : "standard output");
	else if (vd_export_record(db, name, opt.x.format, count, opt.x.min_rating,
	    abs ? abs : path, opt.x.lineage, side, &id))
		die(3, "%s", vd_errmsg());
	if (path) {
		rec = json_pack("{s:o, s:s, s:s, s:s, s:I, s:i, s:s}", "dataset_id",
		    id ? json_integer(id) : json_null(),
		    "name", name, "format", opt.x.format->name,
		    "path", abs ? abs : path, "sample_count", (json_int_t)count,
		    "min_rating", opt.x.min_rating, "created_at", vd_now_iso(now));
		if (json_dumpf(rec, stdout, JSON_COMPACT) || putchar('\n') == EOF)
			die(1, "write error: %s", strerror(errno));
		json_decref(rec);
	}
	free(abs);
}

static void
parse_dates(void)
{
	if (opt.days && (opt.since || opt.until))
		die(2, "--days does not go with --since or --until");
	if (opt.days)
		opt.x.since = vd_date_days_ago(opt.days, opt.since_iso);
	if (opt.since) {
		if (vd_date_parse(opt.since, 0, opt.since_iso))
			die(2, "--since: expected a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS), got '%s'",
			    opt.since);
		opt.x.since = opt.since_iso;
	}
	if (opt.until) {
		if (vd_date_parse(opt.until, 1, opt.until_iso))
			die(2, "--until: expected a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS), got '%s'",
			    opt.until);
		opt.x.until = opt.until_iso;
	}
	if (opt.x.since && opt.x.until && strcmp(opt.x.since, opt.x.until) >= 0)
		die(2, "--until: '%s' is not after --since '%s'", opt.until, opt.since);
}

static void
check_options(void)
{
	opt.x.format = opt.format ? opt.format : vd_export_encoder_at(0);
	if (opt.x.split > 0 && !opt.output)
		die(2, "--split needs -o prefix");
	if (opt.x.system && !(opt.x.format->flags & VD_ENC_SYSTEM))
		die(2, "--system does not go with -f %s", opt.x.format->name);
	if (opt.validate && (opt.output || opt.dry_run || opt.x.split > 0))
		die(2, "--validate does not go with -o, --split or --dry-run");
	if (opt.dry_run && (opt.output || opt.name))
		die(2, "--dry-run does not go with -o or --name");
	parse_dates();
}

static void
export(sqlite3 *db, const struct vd_config *cfg)
{
	struct vd_atomic *file[2] = { NULL, NULL };
	FILE *out[2] = { stdout, NULL };
	char *path[2] = { NULL, NULL }, *name[2] = { NULL, NULL };
	const char *ext = opt.x.format->ext;
	long long counts[2];
	int i, n = opt.x.split > 0 ? 2 : 1, rc;

	if (opt.dry_run && !(out[0] = fopen("/dev/null", "w")))
		die(3, "/dev/null: %s", strerror(errno));
	if (opt.dry_run && n == 2 && !(out[1] = fopen("/dev/null", "w")))
		die(3, "/dev/null: %s", strerror(errno));
	for (i = 0; opt.output && i < n; i++) {
		if (n == 2 ? asprintf(&path[i], "%s.%s.%s", opt.output, i ? "valid" : "train", ext) < 0
		    : !(path[i] = strdup(opt.output)))
			die(3, "out of memory");
		if (vd_atomic_open(path[i], vd_db_path(db), 0600, &file[i]))
			die(2, "-o: %s", vd_errmsg());
		out[i] = vd_atomic_file(file[i]);
	}
	if (!opt.dry_run && vd_lineage_new(&opt.x.lineage))
		die(3, "%s", vd_errmsg());
	if ((rc = vd_export_run(db, cfg, &opt.x, out[0], out[1], counts)))
		cli_fail(rc, "");
	if (counts[0] + counts[1] == 0) {
		for (i = 0; i < n; i++)
			vd_atomic_abort(file[i]);
		vd_export_nothing(&opt.x);
		die(1, "%s", vd_errmsg());
	}
	if (opt.dry_run) {
		json_t *rec = json_pack("{s:s, s:I, s:I, s:I, s:i}",
		    "format", opt.x.format->name,
		    "sample_count", (json_int_t)(counts[0] + counts[1]),
		    "train_count", (json_int_t)counts[0], "valid_count", (json_int_t)counts[1],
		    "min_rating", opt.x.min_rating);

		if (json_dumpf(rec, stdout, JSON_COMPACT) || putchar('\n') == EOF)
			die(1, "write error: %s", strerror(errno));
		json_decref(rec);
		return;
	}
	for (i = 0; i < n && file[i]; i++)
		if (vd_atomic_commit(file[i]))
			die(1, "-o: %s", vd_errmsg());
	if (n == 2 && (counts[0] == 0 || counts[1] == 0))
		warning("%s is empty: too few questions for a split", counts[0] ? path[1] : path[0]);
	for (i = 0; i < n; i++) {
		char stamp[VD_DATE_LEN];

		if (!path[i] && asprintf(&name[i], "%s-%s", opt.x.format->name,
		    vd_now_iso(stamp)) < 0)
			die(3, "out of memory");
		if (path[i] && !(name[i] = name_of(path[i], n == 2 ? (i ? ".valid" : ".train") : "")))
			die(3, "out of memory");
		record(db, name[i], path[i], i, counts[i]);
		free(name[i]);
		free(path[i]);
	}
	vd_lineage_free(opt.x.lineage);
}

int
main(int argc, char **argv)
{
	struct vd_config cfg;
	sqlite3 *db;
	int c;
	double d;

	cli_init("vasdom-export", argc, argv);
	tool_init();
	cli_config(&cfg);
	opt.x.min_rating = cfg.min_rating;
	opt.x.metadata = 1;
	opt.x.pair_similarity = 0.5;
	while ((c = cli_getopt(argc, argv, &tool)) != -1) {
		switch (c) {
		case 'd': cfg.db_path = optarg; break;
		case 'f':
			if (!(opt.format = vd_export_encoder_find(optarg)))
				die(2, "-f: unknown format '%s' (%s)", optarg, format_names());
			break;
		case 'o': opt.output = strcmp(optarg, "-") ? optarg : NULL; break;
		case O_MIN_RATING: opt.x.min_rating = (int)cli_int("--min-rating", optarg, 1, 5); break;
		case O_DAYS: opt.days = cli_int("--days", optarg, 1, 36500); break;
		case O_SINCE: opt.since = optarg; break;
		case O_UNTIL: opt.until = optarg; break;
		case O_MAX: opt.x.max = cli_int("--max", optarg, 1, LONG_MAX); break;
		case O_DEDUP: opt.x.dedup = 1; break;
		case O_REDACT: opt.x.redact = 1; break;
		case O_SYSTEM:
			if (!*optarg)
				die(2, "--system: empty message");
			opt.x.system = optarg;
			break;
		case O_NO_METADATA: opt.x.metadata = 0; break;
		case O_SIMILARITY: opt.x.pair_similarity = cli_double("--similarity", optarg, 0, 1); break;
		case O_SPLIT:
			if (vd_parse_double(optarg, 0, 1, &d) || d <= 0 || d >= 1)
				die(2, "--split: expected a number between 0 and 1, got '%s'", optarg);
			opt.x.split = d;
			break;
		case O_SEED: opt.x.seed = (unsigned long long)cli_int("--seed", optarg, 0, LONG_MAX); break;
		case O_NAME: opt.name = optarg; break;
		case O_DRY_RUN: opt.dry_run = 1; break;
		case O_VALIDATE: opt.validate = optarg; break;
		}
	}
	if (optind < argc)
		cli_help(2, &tool);
	check_options();
	if (opt.validate)
		validate(opt.validate);
	/* an interrupted export leaves no temporary file behind */
	atexit(vd_atomic_unlink_all);
	/* the two-thread export gives each thread its own connection */
	vd_db_unshared();
	db = cli_open_db_existing(&cfg);
	export(db, &cfg);
	vd_db_close(db);
	cli_finish(NULL, 0);
}
