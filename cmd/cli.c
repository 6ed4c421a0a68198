#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "vd_atomic.h"
#include "vd_db.h"
#include "vd_error.h"
#include "vd_profile.h"
#include "vd_text.h"

const char *argv0 = "vasdom";
static void signals(void);
static void input_warning(const char *msg);
static FILE *rejects;
static struct vd_profile *profile;
static int nrejected, rejects_started;

void
cli_init(const char *name, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	argv0 = name;
	signals();
	vd_input_on_warning(input_warning);
}

static void
vmsg(const char *prefix, const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "%s: %s", argv0, prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	exit(code);
}

void
error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void
warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

/* The first input line of the write batch open, 0 when none: the lines
 * before it are stored, it and the later ones not (cli_records). */
static volatile long batch_first;

/* Async-signal-safe: write(2) of "PROG: stopped at line N\n", no stdio:
 * the first line not stored. */
static void
say_stopped(void)
{
	char buf[256], num[24];
	size_t n = 0, k = 0;
	long line = batch_first > 0 ? batch_first : vd_input_line;
	const char *p;

	for (p = argv0; *p && n < 180; p++)
		buf[n++] = *p;
	for (p = ": stopped"; *p; p++)
		buf[n++] = *p;
	if (line > 0) {
		for (p = " at line "; *p; p++)
			buf[n++] = *p;
		do
			num[k++] = (char)('0' + line % 10);
		while ((line /= 10) && k < sizeof num);
		while (k)
			buf[n++] = num[--k];
	}
	buf[n++] = '\n';
	if (write(2, buf, n) < 0)
		return;
}

static void
on_signal(int sig)
{
	vd_atomic_unlink_all();
	if (sig != SIGPIPE)
		say_stopped();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	size_t i;
	struct sigaction sa;

	/* a signal ignored from the start (nohup, a background job's SIGINT)
	 * stays ignored */
	for (i = 0; i < sizeof sigs / sizeof *sigs; i++)
		if (sigaction(sigs[i], NULL, &sa) == 0 && sa.sa_handler != SIG_IGN)
			signal(sigs[i], on_signal);
	/* over a file size limit, a write error to report, not a kill */
	signal(SIGXFSZ, SIG_IGN);
}

int
cli_exit_status(int rc)
{
	switch (rc) {
	case VD_OK:
		return 0;
	case VD_EINPUT: case VD_ENOTFOUND: case VD_EREMOTE: case VD_EREAD: case VD_EWRITE:
		return 1;
	case VD_EUSAGE:
		return 2;
	default:            /* VD_EDB, VD_ENOMEM */
		return 3;
	}
}

void
cli_fail(int rc, const char *prefix)
{
	die(cli_exit_status(rc), "%s%s", prefix, vd_errmsg());
}

void
cli_config(struct vd_config *cfg)
{
	/* a malformed setting is a configuration error, like a bad rules file */
	if (vd_config_load(cfg))
		die(3, "%s", vd_errmsg());
}

void
cli_profile(struct vd_config *cfg)
{
	/* like a bad rules file: nothing can be said right without it */
	if (vd_profile_load(cfg->profile_path, &profile))
		die(3, "%s", vd_errmsg());
	cfg->profile = profile;
}

static sqlite3 *
open_db(const struct vd_config *cfg, int (*open)(const char *, int, sqlite3 **))
{
	char *path = NULL;
	sqlite3 *db;

	if (!cfg->db_path && !(path = vd_config_default_db()))
		die(3, "%s", vd_errmsg());
	if (open(cfg->db_path ? cfg->db_path : path, cfg->busy_timeout_ms, &db))
		die(3, "%s", vd_errmsg());
	free(path);
	return db;
}

sqlite3 *
cli_open_db(const struct vd_config *cfg)
{
	return open_db(cfg, vd_db_open);
}

sqlite3 *
cli_open_db_existing(const struct vd_config *cfg)
{
	return open_db(cfg, vd_db_open_existing);
}

static void
input_warning(const char *msg)
{
	warning("%s", msg);
}

void
cli_rejects_open(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || !(rejects = fdopen(fd, "w")))
		die(3, "%s: %s", path, strerror(errno));
}

void
cli_reject(const struct vd_record *rec, const char *msg)
{
	if (rec->line > 0)
		error("line %ld: %s", rec->line, msg);
	else
		error("arguments: %s", msg);
	nrejected++;
	/* CSV rows need their header to be read again (fixed and replayed) */
	if (rejects && rec->rawlen && !rejects_started) {
		size_t len;
		const char *h = vd_input_csv_header(&len);

		if (h && len)
			fwrite(h, 1, len, rejects);
		if (h && len && h[len - 1] != '\n')
			fputc('\n', rejects);
		rejects_started = 1;
	}
	if (rejects && rec->rawlen) {
		fwrite(rec->raw, 1, rec->rawlen, rejects);
		if (rec->raw[rec->rawlen - 1] != '\n')
			fputc('\n', rejects);
	}
}

int
cli_rejected(void)
{
	return nrejected;
}

/* The one place a reply is written. */
static void
reply(struct vd_writer *w, json_t *obj)
{
	if (vd_writer_put(w, obj))
		die(1, "%s", vd_errmsg());
}

/* The record of one argument; VD_EINPUT when it is not text. */
static int
arg_record(const struct cli_input *in, const char *arg, struct vd_record *rec)
{
	rec->line = 0;
	rec->raw = arg;
	rec->rawlen = strlen(arg);
	rec->obj = NULL;
	if (!vd_utf8_valid(arg, rec->rawlen))
		return vd_error(VD_EINPUT, "invalid UTF-8");
	if (!(rec->obj = json_pack("{s:s}", in->arg_field, arg)))
		die(3, "out of memory");
	return VD_OK;
}

/* The driver's write batch (cli_input.batch): the replies of the lines
 * in it are held (as bytes, vd_writer_hold) until it commits, so none is
 * printed for a line that a crash could still lose; with each, its line's
 * place in the batch and where its bytes end. */
static struct vd_batch batch;
static struct held {
	int line;
	long end;
} *held;
static size_t nheld, held_size;

static void
hold(struct vd_writer *w, json_t *out)
{
	if (nheld == 0 && vd_writer_hold(w))
		die(3, "%s", vd_errmsg());
	if (nheld == held_size) {
		held_size = held_size ? 2 * held_size : 1024;
		if (!(held = realloc(held, held_size * sizeof *held)))
			die(3, "out of memory");
	}
	reply(w, out);
	held[nheld].line = batch.lines - 1;   /* the line ended */
	held[nheld++].end = vd_writer_held(w);
}

/* Commit the batch, then write the replies it held: when it failed, those
 * of the lines it kept (before the one that failed) before stopping. */
static void
commit(const struct cli_input *in, struct vd_writer *w)
{
	size_t i;
	long end = 0;
	int rc;

	if (!in->batch)
		return;
	rc = vd_batch_commit(&batch, in->batch);
	batch_first = 0;
	for (i = 0; i < nheld && held[i].line < batch.kept; i++)
		end = held[i].end;
	if (nheld && vd_writer_release(w, end))
		die(1, "%s", vd_errmsg());
	nheld = 0;
	if (rc)
		cli_fail(VD_EDB, "");
}

static void
one(const struct cli_input *in, const struct vd_record *rec, int rc, cli_job_fn *job,
    void *arg, struct vd_writer *w)
{
	json_t *out = NULL;
	int line = rc == VD_OK && in->batch;

	if (line) {
		if (!batch_first && rec->line > 0)
			batch_first = rec->line;
		if (vd_batch_line(&batch, in->batch))
			cli_fail(VD_EDB, "");
	}
	if (rc == VD_OK)
		rc = job(rec, &out, arg);
	if (rc == VD_EDB || rc == VD_ENOMEM) {
		/* the lines before this one were good: stored and answered,
		 * as a transaction a line stored them, before this one stops
		 * the run (a failed commit stops it at the batch's first) */
		if (line) {
			char *msg = strdup(vd_errmsg());

			if (!vd_batch_line_end(&batch, in->batch, 0))
				commit(in, w);
			if (msg)
				vd_error(rc, "%s", msg);
			free(msg);
		}
		cli_fail(rc, "");
	}
	if (line && vd_batch_line_end(&batch, in->batch, rc == VD_OK))
		cli_fail(VD_EDB, "");
	if (rc != VD_OK)
		cli_reject(rec, vd_errmsg());
	else if (out && in->batch)
		hold(w, out);
	else if (out)
		reply(w, out);
	json_decref(out);
	if (vd_batch_due(&batch))
		commit(in, w);
}

/* Every record of standard input. */
static void
read_stdin(const struct cli_input *in, cli_job_fn *job, void *arg, struct vd_writer *w)
{
	struct vd_reader *r = vd_reader_new(stdin, in->format, in->text_fields);
	struct vd_record rec;
	int rc;

	if (!r)
		die(3, "out of memory");
	while ((rc = vd_reader_next(r, &rec)) != VD_EOF) {
		if (rc != VD_OK && rc != VD_EINPUT)
			cli_fail(rc, "standard input: ");
		one(in, &rec, rc, job, arg, w);
		/* nothing more to read yet: whoever writes may wait for
		 * these replies before writing more */
		if (vd_reader_idle(r)) {
			commit(in, w);
			if (in->idle)
				in->idle(arg);
		}
	}
	vd_reader_free(r);
}

int
cli_records(const struct cli_input *in, int argc, char **argv, cli_job_fn *job, void *arg,
    struct vd_writer *w)
{
	struct vd_record rec;
	int i;

	vd_writer_unbuffered(w);
	if (in->arg_record) {
		rec.obj = in->arg_record;
		rec.line = 0;
		rec.raw = "";
		rec.rawlen = 0;
		one(in, &rec, VD_OK, job, arg, w);
		json_decref(in->arg_record);
	} else if (argc == 0 || !in->arg_field)
		read_stdin(in, job, arg, w);
	for (i = 0; in->arg_field && i < argc; i++) {
		if (strcmp(argv[i], "-") == 0) {
			read_stdin(in, job, arg, w);
			continue;
		}
		one(in, &rec, arg_record(in, argv[i], &rec), job, arg, w);
		json_decref(rec.obj);
	}
	commit(in, w);
	free(held);
	held = NULL;
	held_size = 0;
	return nrejected;
}

long
cli_int(const char *opt, const char *val, long min, long max)
{
	long v;

	if (vd_parse_int(val, min, max, &v))
		die(2, "%s: expected a whole number from %ld to %ld, got '%s'", opt, min, max, val);
	return v;
}

double
cli_double(const char *opt, const char *val, double min, double max)
{
	double v;

	if (vd_parse_double(val, min, max, &v))
		die(2, "%s: expected a number from %g to %g, got '%s'", opt, min, max, val);
	return v;
}

int
cli_informat(const char *val)
{
	int f = vd_informat_parse(val);

	if (f < 0)
		die(2, "-i: unknown input format '%s' (auto, text, jsonl, csv)", val);
	return f;
}

int
cli_outformat(const char *val, int allow_text)
{
	int f = vd_outformat_parse(val, allow_text);

	if (f < 0)
		die(2, "-f: unknown output format '%s' (jsonl, csv%s)", val, allow_text ? ", text" : "");
	return f;
}

void
cli_finish(struct vd_writer *w, int status)
{
	if (vd_writer_close(w))
		die(1, "%s", vd_errmsg());
	if (rejects && fclose(rejects))
		die(1, "rejects file: %s", strerror(errno));
	if (fclose(stdout) && errno != EBADF)
		die(1, "write error: %s", strerror(errno));
	vd_profile_free(profile);
	exit(status);
}

void
cli_version(void)
{
	printf("%s %s\n", argv0, VD_VERSION);
	exit(0);
}

#define CLI_OPTS_MAX 48       /* options of one tool */
#define HELP_COLUMN 19        /* where an option's help begins */

/* getopt_long's arguments from the table, made once: a process parses
 * one tool's options. */
static void
build_getopt(const struct cli_opt *opts, char *shorts, struct option *longs)
{
	size_t i, n = 0, s = 0;

	for (i = 0; opts[i].key; i++) {
		if (i >= CLI_OPTS_MAX)
			die(3, "more than %d options", CLI_OPTS_MAX);
		if (opts[i].key < CLI_CSV_RAW) {
			shorts[s++] = (char)opts[i].key;
			if (opts[i].arg)
				shorts[s++] = ':';
		}
		if (opts[i].name)
			longs[n++] = (struct option){ opts[i].name,
			    opts[i].arg ? required_argument : no_argument, NULL, opts[i].key };
	}
	shorts[s] = '\0';
	longs[n] = (struct option){ 0 };
}

int
cli_getopt(int argc, char **argv, const struct cli_tool *t)
{
	static char shorts[2 * CLI_OPTS_MAX + 1];
	static struct option longs[CLI_OPTS_MAX + 1];
	static const struct cli_opt *built;
	int c;

	if (built != t->opts)
		build_getopt(t->opts, shorts, longs), built = t->opts;
	for (;;) {
		switch ((c = getopt_long(argc, argv, shorts, longs, NULL))) {
		case 'h': cli_help(0, t);
		case CLI_VERSION: cli_version();
		case '?': case ':': cli_help(2, t);
		case CLI_CSV_RAW: vd_csv_raw(1); break;
		case CLI_MAP:
			if (vd_input_map(optarg))
				die(2, "--map: %s", vd_errmsg());
			break;
		default: return c;
		}
	}
}

/* "  -x, --name arg" and the help lines from HELP_COLUMN on; on a line of
 * its own when there is no room for two blanks after it. */
static void
help_opt(FILE *f, const struct cli_opt *o)
{
	const char *p, *nl;
	int n;

	n = fprintf(f, "  ");
	if (o->key < CLI_CSV_RAW)
		n += fprintf(f, "-%c%s", o->key, o->name ? ", " : "");
	if (o->name)
		n += fprintf(f, "--%s", o->name);
	if (o->arg)
		n += fprintf(f, " %s", o->arg);
	if (n > HELP_COLUMN - 2)
		fputc('\n', f), n = 0;
	for (p = o->help; ; p = nl + 1, n = 0) {
		nl = strchrnul(p, '\n');
		fprintf(f, "%*s%.*s\n", HELP_COLUMN - n, "", (int)(nl - p), p);
		if (!*nl)
			break;
	}
}

void
cli_help(int code, const struct cli_tool *t)
{
	const struct cli_opt *o;

	fputs(t->usage, code ? stderr : stdout);
	if (code == 0) {
		fputs(t->about, stdout);
		for (o = t->opts; o->key; o++)
			if (o->help)
				help_opt(stdout, o);
		if (t->tail)
			fputs(t->tail, stdout);
		printf("See %s(1).\n", argv0);
	}
	exit(code);
}
