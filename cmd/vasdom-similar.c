/* vasdom-similar: the nearest past exchanges by meaning. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vd_db.h"
#include "vd_embedder.h"
#include "vd_error.h"
#include "vd_exchange.h"
#include "vd_index_search.h"
#include "vd_record.h"
#include "vd_vectors.h"

#define LIMIT_MAX 1000

static const char usage_line[] =
    "usage: vasdom-similar [-n limit] [--min-score s] [--min-rating r] [-m model] [-d db]\n"
    "                      [-f jsonl|csv] [--csv-raw] [-i auto|text|jsonl|csv]\n"
    "                      [--map old=new[,...]] [-t text | log_id ...]\n";

static const char *const columns[] = {
	"query", "rank", "log_id", "score", "rating", "message", "response",
	"created_at", NULL
};
static const char *const text_fields[] = { "message", NULL };

static struct {
	long limit;
	double min_score;
	long min_rating;
} opt = { 5, -1, 0 };

static const char help[] =
    "Print the exchanges nearest by meaning to each query: log ids (arguments\n"
    "or lines), a text (-t), or JSON Lines/CSV records with log_id or message.\n"
    "  -n limit         hits per query (default 5)\n"
    "  --min-score s    least cosine score, -1 to 1 (default: any)\n"
    "  --min-rating r   only exchanges rated at least r (1-5)\n"
    "  -t text          query by this text\n"
    "  -m model         embedding model (VASDOM_EMBED_MODEL; default builtin)\n"
    "  -d db            database (VASDOM_DB)\n"
    "  -f format        output: jsonl (default) or csv\n"
    "  --csv-raw        -f csv: cells as they are; by default a cell beginning\n"
    "                   with =, +, -, @, tab or CR gets a ' first, so that a\n"
    "                   spreadsheet shows it instead of running it as a formula\n"
    "  -i format        input: auto (default), text, jsonl or csv\n"
    "  --map old=new,...\n"
    "                   rename input fields (CSV columns, JSON keys), e.g. the old\n"
    "                   service's --map user_message=message,ai_response=response\n"
    "See vasdom-similar(1).\n";

static void __attribute__((noreturn))
usage(int code)
{
	cli_usage(code, usage_line, help);
}

#define BATCH 64    /* queries searched in one pass over the vectors */

struct ctx {
	sqlite3 *db;
	struct vd_embedder *emb;
	struct vd_index *ix;
	struct vd_writer *w;
	struct vd_exchange_reader *rows;
	/* the pending batch */
	size_t n;
	json_t *query[BATCH];
	long long exclude[BATCH];
	float *q;                     /* BATCH vectors */
	struct vd_hit *hits;          /* BATCH * limit */
	size_t found[BATCH];
	int missing;
};

/* The query vector of a log id is its stored one (its message embedded
 * when it has none yet); of a text, the text embedded. */
static int
query_vector(struct ctx *c, long long log_id, const char *text, float *out)
{
	struct vd_exchange x;
	const float *v;
	int rc, dim = vd_index_dim(c->ix);

	if (text)
		goto embed;
	if ((v = vd_index_vector(c->ix, log_id))) {
		memcpy(out, v, sizeof(float) * (size_t)dim);
		return VD_OK;
	}
	if ((rc = vd_exchange_read(c->rows, log_id, &x)))
		return rc == VD_ENOTFOUND ? VD_EINPUT : rc;
	text = x.message;
embed:
	rc = vd_embedder_embed(c->emb, &text, 1, out);
	if (rc == VD_OK && vd_embedder_dim(c->emb) != dim)
		rc = vd_error(VD_EINPUT, "%s now gives %d dimensions, the stored vectors have %d",
		    vd_embedder_model(c->emb), vd_embedder_dim(c->emb), dim);
	return rc;
}

static void
put_hit(struct ctx *c, json_t *query, int rank, const struct vd_hit *h)
{
	struct vd_exchange x;
	json_t *hit;

	if (vd_exchange_read(c->rows, h->log_id, &x) == VD_OK) {
		hit = json_pack("{s:O, s:i, s:I, s:f, s:o, s:s, s:s, s:s}", "query", query,
		    "rank", rank, "log_id", (json_int_t)h->log_id,
		    "score", (double)lrint(h->score * 1e6) / 1e6,
		    "rating", x.rating ? json_integer(x.rating) : json_null(),
		    "message", x.message, "response", x.response, "created_at", x.created_at);
		if (vd_writer_put(c->w, hit))
			die(1, "%s", vd_errmsg());
		json_decref(hit);
	}
}

/* Search the pending queries together and print their hits in order. */
static void
flush(struct ctx *c)
{
	size_t i, j;
	int rank;

	if (c->n == 0)
		return;
	if (vd_index_search_batch(c->ix, c->q, c->n, (size_t)opt.limit, c->exclude,
	    (int)opt.min_rating, c->hits, c->found))
		die(3, "%s", vd_errmsg());
	for (i = 0; i < c->n; i++) {
		rank = 0;
		for (j = 0; j < c->found[i]; j++) {
			const struct vd_hit *h = &c->hits[i * (size_t)opt.limit + j];

			if (h->score < opt.min_score)
				break;
			put_hit(c, c->query[i], ++rank, h);
		}
		if (rank == 0)
			c->missing = 1;
		json_decref(c->query[i]);
	}
	c->n = 0;
}

/* Queue a query by log id (text NULL) or by text. */
static int
add_query(struct ctx *c, long long log_id, const char *text)
{
	int rc;

	if ((rc = query_vector(c, log_id, text, c->q + c->n * (size_t)vd_index_dim(c->ix))))
		return rc;
	c->query[c->n] = text ? json_string(text) : json_integer(log_id);
	c->exclude[c->n] = text ? 0 : log_id;
	if (++c->n == BATCH)
		flush(c);
	return VD_OK;
}

/* A record holds a log_id or a message; a plain line of digits is a log id. */
static int
record_query(struct ctx *c, const struct vd_record *rec)
{
	const char *text;
	long long id;
	int present, rc;

	if ((rc = vd_rec_int(rec, "log_id", &id, &present)))
		return rc;
	if (present)
		return add_query(c, id, NULL);
	if ((rc = vd_rec_str(rec, "message", &text)))
		return rc;
	if (!text || !*text)
		return vd_error(VD_EINPUT, "no log_id or message");
	if (text[strspn(text, "0123456789")] == 0 && strlen(text) < 19)
		return add_query(c, atoll(text), NULL);
	return add_query(c, 0, text);
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
	static const struct option longopts[] = {
		{ "min-score", required_argument, NULL, 'S' },
		{ "min-rating", required_argument, NULL, 'R' },
		{ "csv-raw", no_argument, NULL, 'W' },
		{ "map", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct vd_config cfg;
	struct ctx c = { 0 };
	const char *model = NULL, *text = NULL;
	int ch, rc, informat = VD_IN_AUTO, outformat = VD_OUT_JSONL, status = 0, i;

	cli_init("vasdom-similar", argc, argv);
	cli_config(&cfg);
	while ((ch = getopt_long(argc, argv, "n:t:m:d:f:i:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n': opt.limit = cli_int("-n", optarg, 1, LIMIT_MAX); break;
		case 'S': opt.min_score = cli_double("--min-score", optarg, -1, 1); break;
		case 'R': opt.min_rating = cli_int("--min-rating", optarg, 1, 5); break;
		case 't': text = optarg; break;
		case 'm': model = optarg; break;
		case 'd': cfg.db_path = optarg; break;
		case 'f': outformat = cli_outformat(optarg, 0); break;
		case 'i': informat = cli_informat(optarg); break;
		case 'W': vd_csv_raw(1); break;
		case 'P':
			if (vd_input_map(optarg))
				die(2, "--map: %s", vd_errmsg());
			break;
		case 'V': cli_version();
		case 'h': usage(0);
		default: usage(2);
		}
	}
	if (text && optind < argc)
		die(2, "-t and log ids do not go together");
	if (text && !*text)
		die(2, "-t: empty text");
	for (i = optind; i < argc; i++)
		if (!argv[i][0] || argv[i][strspn(argv[i], "0123456789")] || strlen(argv[i]) > 18)
			die(2, "%s: not a log id", argv[i]);
	c.db = cli_open_db_existing(&cfg);
	if ((rc = vd_embedder_open(c.db, &cfg, model, &c.emb)))
		cli_fail(rc, "");
	if (vd_embedder_stale(c.emb))
		die(3, "the %s vectors were made by an older vasdom: run vasdom-embed",
		    vd_embedder_model(c.emb));
	if ((rc = vd_index_load(c.db, &cfg, vd_embedder_model(c.emb), vd_embedder_dim(c.emb),
	    VD_SCOPE_ALL, &c.ix)))
		die(3, "%s", vd_errmsg());
	if (vd_index_size(c.ix) == 0)
		die(1, "no %s vectors in %s: run vasdom-embed first", vd_embedder_model(c.emb),
		    cfg.db_path ? cfg.db_path : "the database");
	/* room for a remote model's reply of any size in the last slot */
	c.q = malloc(sizeof(float) * ((size_t)vd_index_dim(c.ix) * BATCH + VD_EMBED_MAX_DIM));
	c.hits = malloc(sizeof *c.hits * (size_t)opt.limit * BATCH);
	if (!c.q || !c.hits ||
	    vd_exchange_reader_new(c.db, &c.rows))
		die(3, "%s", vd_errmsg());
	c.w = vd_writer_new(stdout, outformat, columns);
	vd_writer_unbuffered(c.w);
	if (text || optind < argc) {
		for (i = optind; text ? i == optind : i < argc; i++)
			if ((rc = add_query(&c, text ? 0 : atoll(argv[i]), text))) {
				if (rc == VD_EDB || rc == VD_ENOMEM)
					die(3, "%s", vd_errmsg());
				error("%s", vd_errmsg());
				status = 1;
			}
	} else
		cli_records(&(struct cli_input){ .format = informat,
		    .text_fields = text_fields, .idle = idle_flush },
		    0, NULL, similar_job, &c, c.w);
	flush(&c);
	vd_exchange_reader_free(c.rows);
	free(c.q);
	free(c.hits);
	vd_index_free(c.ix);
	vd_embedder_free(c.emb);
	vd_db_close(c.db);
	cli_finish(c.w, status || c.missing || cli_rejected() ? 1 : 0);
}
