/* vasdom-serve: the old service's HTTP API over the same database, for the
 * frontends that called it. HTTP is libmicrohttpd's; the bodies are
 * vd_serve.c's, made by the functions the other tools print from. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "cli.h"
#include "vd_date.h"
#include "vd_embedder.h"
#include "vd_error.h"
#include "vd_serve.h"
#include "vd_serve_export.h"

static const char usage_line[] =
    "usage: vasdom-serve [-l addr:port] [-t threads] [-c connections] [--timeout seconds]\n"
    "                    [--cors origin] [--rules file] [-d db]\n";

enum { O_TIMEOUT = CLI_LONG, O_CORS, O_RULES };

static const struct cli_opt opts[] = {
	{ 'l', NULL, "addr:port", "listen here (default 127.0.0.1:8000; port 0: any free\n"
	    "one); beyond the loopback only with VASDOM_SERVE_TOKEN set" },
	{ 't', NULL, "threads", "worker threads, each with its own connection (default 4)" },
	{ 'c', NULL, "connections", "most connections at once (default 512)" },
	{ O_TIMEOUT, "timeout", "seconds", "close a connection idle this long (default 30)" },
	{ O_CORS, "cors", "origin", "allow browsers from this origin (default: none)" },
	{ O_RULES, "rules", "file", "intent rules (VASDOM_RULES)" },
	CLI_OPT_DB,
	CLI_OPT_END
};

static const struct cli_tool tool = {
	usage_line,
	"Serve the old service's HTTP API (/api/voice/process, /api/voice/feedback,\n"
	"/api/learning/stats, /api/learning/export, /api/learning/similar/ID,\n"
	"/api/health, /metrics) over the database.\n",
	opts, NULL
};

static struct {
	const char *listen, *cors, *rules;
	long threads, conns, timeout;
} opt = { "127.0.0.1:8000", NULL, NULL, 4, 512, 30 };

static struct vd_config cfg;
static char *embed_model;

/* The workers' contexts: one per thread, taken for a request and given
 * back, so no SQLite connection is ever used by two threads at once. */
static struct vd_serve_ctx **pool;
static size_t nfree;
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cond = PTHREAD_COND_INITIALIZER;

static atomic_long inflight;   /* requests begun and not completed */
static atomic_int stopping;    /* SIGTERM came: each reply closes its connection */

struct req {
	char *body;
	size_t len;
	int too_big;
	int status;
	double t0;                  /* vd_monotonic() when it came */
	char method[8];
	char *path;
	const char *allow;      /* the path's methods, for 405 and OPTIONS */
};

static struct vd_serve_ctx *
ctx_take(void)
{
	struct vd_serve_ctx *c;

	pthread_mutex_lock(&pool_lock);
	while (nfree == 0)
		pthread_cond_wait(&pool_cond, &pool_lock);
	c = pool[--nfree];
	pthread_mutex_unlock(&pool_lock);
	return c;
}

static void
ctx_give(struct vd_serve_ctx *c)
{
	pthread_mutex_lock(&pool_lock);
	pool[nfree++] = c;
	pthread_cond_signal(&pool_cond);
	pthread_mutex_unlock(&pool_lock);
}

/* Queue resp with the headers every reply carries. */
static enum MHD_Result
queue(struct MHD_Connection *conn, struct req *q, int status, const char *type,
    struct MHD_Response *resp)
{
	enum MHD_Result ret;

	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (opt.cors) {
		MHD_add_response_header(resp, "Access-Control-Allow-Origin", opt.cors);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Origin");
	}
	if (status == 401)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	/* a keep-alive client would otherwise hold the drain up to the timeout */
	if (atomic_load(&stopping))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	if (q->allow) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, q->allow);
		if (opt.cors && status == 204) {
			MHD_add_response_header(resp, "Access-Control-Allow-Methods", q->allow);
			MHD_add_response_header(resp, "Access-Control-Allow-Headers",
			    "Authorization, Content-Type");
			MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
		}
	}
	q->status = status;
	ret = MHD_queue_response(conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Queue r, its body freed with the response. */
static enum MHD_Result
send_reply(struct MHD_Connection *conn, struct req *q, struct vd_serve_reply *r)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(r->body);
		return MHD_NO;
	}
	return queue(conn, q, r->status, r->type ? r->type : "application/json", resp);
}

static ssize_t
export_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	ssize_t n = vd_serve_stream_read(cls, buf, max);

	/* an export that failed is cut short, never ended as if whole */
	return n > 0 ? n : n == 0 ? MHD_CONTENT_READER_END_OF_STREAM
	    : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void
export_free(void *cls)
{
	vd_serve_stream_free(cls);
}

static enum MHD_Result
send_export(struct MHD_Connection *conn, struct req *q)
{
	struct vd_serve_export_query eq = {
		MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "format"),
		MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "days"),
		MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "min_rating"),
		MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "max"),
	};
	struct vd_serve_reply r = { 0 };
	struct vd_serve_stream *s;
	struct vd_serve_ctx *c = ctx_take();
	struct MHD_Response *resp;
	const char *type = NULL;

	vd_serve_export_start(c, &eq, &s, &type, &r);
	ctx_give(c);
	if (!s)
		return send_reply(conn, q, &r);
	if (!(resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024,
	    export_read, s, export_free))) {
		vd_serve_stream_free(s);
		return MHD_NO;
	}
	return queue(conn, q, 200, type, resp);
}

static enum MHD_Result
send_error(struct MHD_Connection *conn, struct req *q, int status, const char *msg)
{
	struct vd_serve_reply r;

	vd_serve_error(&r, status, msg);
	return send_reply(conn, q, &r);
}

/* The token, compared in time that does not depend on where it differs. */
static int
authorized(struct MHD_Connection *conn)
{
	const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	size_t n = strlen(cfg.serve_token), i;
	unsigned char diff = 0;

	if (!h || strncasecmp(h, "Bearer ", 7) != 0 || strlen(h + 7) != n)
		return 0;
	for (i = 0, h += 7; i < n; i++)
		diff |= (unsigned char)(h[i] ^ cfg.serve_token[i]);
	return diff == 0;
}

enum route {
	R_NONE, R_ROOT, R_HEALTH, R_PROCESS, R_FEEDBACK, R_STATS, R_METRICS, R_EXPORT,
	R_SIMILAR
};

#define SIMILAR "/api/learning/similar/"   /* and a log id */

static enum route
route_of(const char *url, int *post)
{
	static const struct { const char *path; enum route r; int post; } routes[] = {
		{ "/", R_ROOT, 0 }, { "/api/health", R_HEALTH, 0 },
		{ "/api/voice/process", R_PROCESS, 1 }, { "/api/voice/feedback", R_FEEDBACK, 1 },
		{ "/api/learning/stats", R_STATS, 0 }, { "/metrics", R_METRICS, 0 },
		{ "/api/learning/export", R_EXPORT, 0 },
	};
	size_t i;

	if (strncmp(url, SIMILAR, strlen(SIMILAR)) == 0 && !strchr(url + strlen(SIMILAR), '/')) {
		*post = 0;
		return R_SIMILAR;
	}
	for (i = 0; i < sizeof routes / sizeof *routes; i++)
		if (strcmp(url, routes[i].path) == 0) {
			*post = routes[i].post;
			return routes[i].r;
		}
	return R_NONE;
}

static void
dispatch(struct MHD_Connection *conn, const char *url, enum route rt, struct req *q,
    struct vd_serve_reply *r)
{
	struct vd_serve_similar_query sq = {
		rt == R_SIMILAR ? url + strlen(SIMILAR) : NULL,
		MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "limit"),
		MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "min_score"),
		MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "min_rating"),
	};
	struct vd_serve_ctx *c;

	switch (rt) {
	case R_ROOT:
		vd_serve_json(r, json_pack("{s:s, s:s}", "name", "vasdom-serve",
		    "version", VD_VERSION));
		return;
	case R_HEALTH:
		vd_serve_health(&cfg, r);
		return;
	default:
		break;
	}
	c = ctx_take();
	switch (rt) {
	case R_PROCESS: vd_serve_process(c, q->body, q->len, r); break;
	case R_FEEDBACK: vd_serve_feedback(c, q->body, q->len, r); break;
	case R_STATS: vd_serve_stats(c, r); break;
	case R_SIMILAR: vd_serve_similar(c, &sq, r); break;
	default: vd_serve_metrics(c, r); break;
	}
	ctx_give(c);
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct req *q = *con_cls;
	struct vd_serve_reply r = { 0 };
	const char *cl;
	enum route rt;
	int post = 0, get;

	if (!q) {
		if (!(q = calloc(1, sizeof *q)))
			return MHD_NO;
		q->t0 = vd_monotonic();
		snprintf(q->method, sizeof q->method, "%s", method);
		q->path = strndup(url, 200);
		atomic_fetch_add(&inflight, 1);
		*con_cls = q;
		/* refused before the body is read: no token, or a body too big */
		if (cfg.serve_token && strcmp(url, "/api/health") != 0 &&
		    strcmp(method, "OPTIONS") != 0 && !authorized(conn))
			return send_error(conn, q, 401, "missing or wrong bearer token");
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > VD_SERVE_BODY_MAX)
			return send_error(conn, q, 413, "request body over 65536 bytes");
		return MHD_YES;
	}
	if (*upload_size) {
		if (!q->too_big && q->len + *upload_size <= VD_SERVE_BODY_MAX) {
			char *b = realloc(q->body, q->len + *upload_size + 1);

			if (!b)
				return MHD_NO;
			memcpy(b + q->len, upload, *upload_size);
			q->body = b;
			q->len += *upload_size;
		} else
			q->too_big = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	if (q->status)   /* already answered on the first call */
		return MHD_YES;
	if (q->too_big)
		return send_error(conn, q, 413, "request body over 65536 bytes");
	rt = route_of(url, &post);
	if (rt == R_NONE)
		return send_error(conn, q, 404, "no such path");
	get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	if (!strcmp(method, "OPTIONS") && opt.cors) {
		q->allow = post ? "POST, OPTIONS" : "GET, HEAD, OPTIONS";
		r.status = 204;
		r.type = "text/plain";
		return send_reply(conn, q, &r);
	}
	if (post ? strcmp(method, "POST") != 0 : !get) {
		q->allow = post ? "POST, OPTIONS" : "GET, HEAD, OPTIONS";
		vd_serve_error(&r, 405, "method not allowed");
		return send_reply(conn, q, &r);
	}
	if (rt == R_EXPORT)
		return send_export(conn, q);
	dispatch(conn, url, rt, q, &r);
	return send_reply(conn, q, &r);
}

/* The access log: one line a request, with no message text, body or key. */
static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req *q = *con_cls;
	const union MHD_ConnectionInfo *ci;
	char addr[INET6_ADDRSTRLEN] = "-";

	if (!q)
		return;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)ci->client_addr)->sin_addr, addr, sizeof addr);
	else if (ci && ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ci->client_addr)->sin6_addr, addr, sizeof addr);
	fprintf(stderr, "%s: %s \"%s %s\" %d %.1fms%s\n", argv0, addr, q->method,
	    q->path ? q->path : "-", q->status,
	    (vd_monotonic() - q->t0) * 1e3,
	    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (not completed)");
	free(q->body);
	free(q->path);
	free(q);
	*con_cls = NULL;
	atomic_fetch_sub(&inflight, 1);
}

/* -l addr:port: an IPv4 address or [IPv6], and a port. */
static void
parse_listen(const char *spec, struct sockaddr_storage *ss, int *loopback)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	const char *colon = strrchr(spec, ':');
	char host[64];
	size_t n;
	long port;

	if (!colon || (n = (size_t)(colon - spec)) == 0 || n >= sizeof host ||
	    vd_parse_int(colon + 1, 0, 65535, &port))
		die(2, "-l: expected addr:port, got '%s'", spec);
	memcpy(host, spec, n);
	host[n] = 0;
	memset(ss, 0, sizeof *ss);
	if (host[0] == '[' && host[n - 1] == ']') {
		host[n - 1] = 0;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) != 1)
			die(2, "-l: not an IPv6 address: '%s'", host + 1);
		*loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	} else {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &in4->sin_addr) != 1)
			die(2, "-l: not an IPv4 address: '%s'", host);
		*loopback = (ntohl(in4->sin_addr.s_addr) >> 24) == 127;
	}
}

/* The embedding model the statistics count coverage for, by the
 * embedder's own rule (as vasdom-stats). */
static char *
stats_model(void)
{
	struct vd_embedder *e;
	char *name;

	if (vd_embedder_open(NULL, &cfg, NULL, &e))
		die(2, "%s", vd_errmsg());
	if (!(name = strdup(vd_embedder_model(e))))
		die(3, "out of memory");
	vd_embedder_free(e);
	return name;
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", argv0);
	vfprintf(stderr, fmt, ap);
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct MHD_Daemon *d;
	double t0;
	sigset_t sigs;
	char *path = NULL;
	const union MHD_DaemonInfo *info;
	MHD_socket lfd;
	int c, sig, loopback = 0;
	long i;

	cli_init("vasdom-serve", argc, argv);
	cli_config(&cfg);
	while ((c = cli_getopt(argc, argv, &tool)) != -1) {
		switch (c) {
		case 'l': opt.listen = optarg; break;
		case 't': opt.threads = cli_int("-t", optarg, 1, 256); break;
		case 'c': opt.conns = cli_int("-c", optarg, 1, 100000); break;
		case O_TIMEOUT: opt.timeout = cli_int("--timeout", optarg, 1, 86400); break;
		case O_CORS:
			if (!*optarg || strpbrk(optarg, "\r\n"))
				die(2, "--cors: expected an origin such as https://example.org");
			opt.cors = optarg;
			break;
		case O_RULES: opt.rules = optarg; break;
		case 'd': cfg.db_path = optarg; break;
		}
	}
	if (optind < argc)
		cli_help(2, &tool);
	parse_listen(opt.listen, &ss, &loopback);
	if (!loopback && !cfg.serve_token)
		die(2, "-l %s: beyond the loopback only with VASDOM_SERVE_TOKEN set", opt.listen);
	if (!cfg.db_path && !(cfg.db_path = path = vd_config_default_db()))
		die(3, "%s", vd_errmsg());
	cli_profile(&cfg);      /* the rating replies, the default answer */
	embed_model = stats_model();
	if (!(pool = calloc((size_t)opt.threads, sizeof *pool)))
		die(3, "out of memory");
	for (i = 0; i < opt.threads; i++)
		if (vd_serve_ctx_open(&cfg, opt.rules, embed_model, &pool[nfree++]))
			die(3, "%s", vd_errmsg());

	/* the signals are waited for here, not delivered to the workers;
	 * a client gone mid-reply is a failed write, not a SIGPIPE */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
	    (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0), 0, NULL, NULL, handle, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)opt.threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)opt.conns,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)opt.timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)128 * 1024,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_END);
	if (!d)
		die(3, "-l %s: cannot listen (in use, or not an address of this machine)",
		    opt.listen);
	/* port 0: one the system picks, said here for whoever started us */
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	fprintf(stderr, "%s: listening on %.*s:%u\n", argv0,
	    (int)(strrchr(opt.listen, ':') - opt.listen), opt.listen,
	    info ? (unsigned)info->port : 0);
	if (sigwait(&sigs, &sig))
		die(3, "sigwait failed");

	/* stop taking connections, let the requests in flight finish (within
	 * the connection timeout), then close the idle ones */
	fprintf(stderr, "%s: %s: finishing %ld requests\n", argv0, strsignal(sig),
	    atomic_load(&inflight));
	atomic_store(&stopping, 1);
	if ((lfd = MHD_quiesce_daemon(d)) != MHD_INVALID_SOCKET)
		close(lfd);
	t0 = vd_monotonic();
	do {
		struct timespec pause = { 0, 10 * 1000 * 1000 };

		if (atomic_load(&inflight) == 0)
			break;
		nanosleep(&pause, NULL);
	} while (vd_monotonic() - t0 < opt.timeout);
	MHD_stop_daemon(d);
	for (i = 0; i < opt.threads; i++)
		vd_serve_ctx_free(pool[i]);
	free(pool);
	free(embed_model);
	free(path);
	fprintf(stderr, "%s: stopped\n", argv0);
	return 0;
}
