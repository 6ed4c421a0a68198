/* What every binary does the same way: messages, dying, the database,
 * rejected input lines. Only cmd/ links this: the library never exits. */
#ifndef VD_CLI_H
#define VD_CLI_H

#include <getopt.h>      /* optarg, optind of cli_getopt */
#include <stdio.h>
#include <sqlite3.h>

#include "vd_config.h"
#include "vd_input.h"
#include "vd_output.h"

extern const char *argv0;

/* Name the program, and handle signals: SIGINT, SIGTERM and SIGHUP
 * remove the temporary files (exports, the search cache), say "stopped at
 * line N" (the last input line read: the lines before it are done) and
 * die of the signal; SIGPIPE the same, silently; SIGXFSZ is ignored (a
 * write error instead). */
void cli_init(const char *name, int argc, char **argv);

/* The exit status of a library status (enum vd_status), the table of
 * every man page: 0 VD_OK; 1 a record rejected, nothing found, a remote
 * service failed, a read or write error; 2 a usage error; 3 a database,
 * configuration or memory error. */
int cli_exit_status(int rc);

/* Die with the exit status of rc and vd_errmsg(), after prefix (a file
 * name and ": ", or ""). */
void cli_fail(int rc, const char *prefix) __attribute__((noreturn));
void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
void error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Load settings or die 3 (a malformed variable is a configuration error). */
void cli_config(struct vd_config *cfg);

/* Load the profile from --profile, VASDOM_PROFILE, the installed file or
 * the built-in copy into cfg->profile, or die 3 naming the file and line;
 * cli_finish frees it. */
void cli_profile(struct vd_config *cfg);

/* Open the database from -d, VASDOM_DB or the default, or die 3. */
sqlite3 *cli_open_db(const struct vd_config *cfg);

/* The same for the tools that only read: die 3 "no database at PATH"
 * rather than create one; read only where it cannot be written. */
sqlite3 *cli_open_db_existing(const struct vd_config *cfg);

/* Report a bad record: "prog: line N: msg", copy its input verbatim to the
 * --rejects file when one is open, and count it. */
void cli_reject(const struct vd_record *rec, const char *msg);
void cli_rejects_open(const char *path);
int cli_rejected(void);      /* how many so far */

/* The one record loop of the tools that read records (vasdom-ask,
 * vasdom-rate, vasdom-embed --text, vasdom-similar). */

/* What a tool does with one record: VD_OK and *reply, the record to
 * write (NULL: nothing to write now; the driver frees it), or another
 * status: VD_EDB and VD_ENOMEM are fatal (die 3), anything else rejects
 * the record with vd_errmsg(). */
typedef int cli_job_fn(const struct vd_record *rec, json_t **reply, void *arg);

struct cli_input {
	enum vd_informat format;          /* of standard input (-i) */
	const char *const *text_fields;   /* a plain text line's fields */
	/* the arguments: each one a record {arg_field: argument}, "-" reading
	 * standard input in its place; or, when arg_record is set, that one
	 * record (the driver frees it). Neither: no argument records. */
	const char *arg_field;
	json_t *arg_record;
	/* when standard input has no more to read yet (a coprocess waits for
	 * its reply): write what job holds back; NULL when it holds nothing */
	void (*idle)(void *arg);
	/* the database job writes to a line at a time (ask --record, rate):
	 * lines are stored in batches (vd_batch), each line a savepoint, the
	 * replies written once their batch is committed; NULL: no batches */
	sqlite3 *batch;
};

/* Records from the arguments argv[0..argc) as in, or with none from
 * standard input, each through job, replies written to w: bad records
 * reported "line N: ..." (or "arguments: ...") and copied to the
 * --rejects file; replies are unbuffered unless standard output is a
 * regular file; die 1 on a read or write error, 3 when job says VD_EDB
 * or VD_ENOMEM. Returns how many were rejected. */
int cli_records(const struct cli_input *in, int argc, char **argv, cli_job_fn *job,
    void *arg, struct vd_writer *w);

/* Parse option values or die 2 naming the option. */
long cli_int(const char *opt, const char *val, long min, long max);
double cli_double(const char *opt, const char *val, double min, double max);
int cli_informat(const char *val);
int cli_outformat(const char *val, int allow_text);

/* Close the writer and stdout, dying 1 on a write error (full disk, closed
 * pipe), then exit with status. */
void cli_finish(struct vd_writer *w, int status) __attribute__((noreturn));

/* Options, each described once: a tool's table gives getopt_long its
 * short and long options and cli_help its option list. */
struct cli_opt {
	int key;            /* the letter of -x; for a long-only option a key
	                     * from CLI_LONG on (or a shared one below), so
	                     * that it has no short form by accident */
	const char *name;   /* the long name (--name), or NULL */
	const char *arg;    /* the argument's name in help, or NULL: a flag */
	const char *help;   /* its lines in help, '\n' between them; NULL: not
	                     * listed (-h, --help, --version) */
};

/* The keys of the shared long-only options; a tool's own start at CLI_LONG. */
enum { CLI_CSV_RAW = 256, CLI_MAP, CLI_REJECTS, CLI_VERSION, CLI_LONG = 300 };

/* The shared options, their help written once. --csv-raw, --map, -h,
 * --help and --version are done by cli_getopt; the tool does the rest. */
#define CLI_OPT_DB { 'd', NULL, "db", "database (VASDOM_DB)" }
#define CLI_OPT_FORMAT { 'f', NULL, "format", "output: jsonl (default) or csv" }
#define CLI_OPT_INFORMAT { 'i', NULL, "format", "input: auto (default), text, jsonl or csv" }
#define CLI_OPT_MODEL { 'm', NULL, "model", "embedding model (VASDOM_EMBED_MODEL; default builtin)" }
#define CLI_OPT_CSV_RAW { CLI_CSV_RAW, "csv-raw", NULL, \
	"-f csv: cells as they are; by default a cell beginning\n" \
	"with =, +, -, @, tab or CR gets a ' first, so that a\n" \
	"spreadsheet shows it instead of running it as a formula" }
#define CLI_OPT_MAP { CLI_MAP, "map", "old=new,...", \
	"rename input fields (CSV columns, JSON keys), e.g. the old\n" \
	"service's --map user_message=message,ai_response=response" }
#define CLI_OPT_REJECTS { CLI_REJECTS, "rejects", "file", \
	"copy rejected input lines here, verbatim" }
/* the end of every table: -h, --help, --version and the zero entry */
#define CLI_OPT_END { 'h', "help", NULL, NULL }, { CLI_VERSION, "version", NULL, NULL }, { 0 }

/* A tool's command line: what -h prints is usage, about, the option list
 * of opts, tail and "See NAME(1)." */
struct cli_tool {
	const char *usage;          /* "usage: ..." lines, the man page's SYNOPSIS */
	const char *about;          /* what the tool does */
	const struct cli_opt *opts; /* ending with CLI_OPT_END */
	const char *tail;           /* after the options (exit status), or NULL */
};

/* getopt_long over the options of t: the next option's key (optarg set
 * for one with an argument), or -1 after the last. Does the shared ones
 * itself: -h prints the help and exits 0, --version the version, an
 * unknown option or a missing argument exits 2 after the usage lines,
 * --csv-raw and --map (dying 2 on a bad map) are applied. */
int cli_getopt(int argc, char **argv, const struct cli_tool *t);

/* Exit with code after the usage lines of t: on standard error for a
 * usage error, on standard output followed by the help for code 0. */
void cli_help(int code, const struct cli_tool *t) __attribute__((noreturn));

/* Print the version line and exit 0. */
void cli_version(void) __attribute__((noreturn));

#endif
