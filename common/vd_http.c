#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vd_curl.h"
#include "vd_date.h"
#include "vd_error.h"
#include "vd_http.h"

struct sink {
	char *buf;
	size_t len, cap, max;
	int overflow;
};

static size_t
collect(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;

	if (s->len + n > s->max) {
		s->overflow = 1;
		return 0;
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		char *p;

		while (cap < s->len + n + 1)
			cap *= 2;
		if (!(p = realloc(s->buf, cap)))
			return 0;
		s->buf = p;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	s->buf[s->len] = 0;
	return n;
}

/* A query in base (Azure's ?api-version=...) stays at the end. */
char *
vd_url_join(const char *base, const char *path)
{
	const char *query = base + strcspn(base, "?#");
	size_t n = (size_t)(query - base);
	char *s;

	while (n && base[n - 1] == '/')
		n--;
	while (*path == '/')
		path++;
	if (!(s = malloc(n + strlen(path) + strlen(query) + 2)))
		return NULL;
	sprintf(s, "%.*s/%s%s", (int)n, base, path, query);
	return s;
}

void
vd_http_reply_free(struct vd_http_reply *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

/* url for a message about the URL itself, even one curl cannot parse:
 * what may carry a credential (user name and password, query, fragment)
 * replaced by ***. */
static void
url_masked(const char *url, char *buf, size_t n)
{
	const char *sep = strstr(url, "://"), *auth = sep ? sep + 3 : url;
	size_t alen = strcspn(auth, "/?#"), rest;
	const char *at = memrchr(auth, '@', alen), *host = at ? at + 1 : auth;

	rest = strcspn(host, "?#");
	snprintf(buf, n, "%.*s%s%.*s%s", (int)(auth - url), url, at ? "***@" : "",
	    (int)rest, host, host[rest] ? (host[rest] == '?' ? "?***" : "#***") : "");
}

int
vd_url_check(const char *name, const char *url)
{
	const struct vd_curl *C = vd_curl();
	CURLU *u;
	char shown[512], *scheme = NULL, *host = NULL;
	CURLUcode uc;
	int rc = VD_OK;

	if (!C)
		return VD_EDB;
	url_masked(url, shown, sizeof shown);
	if (!(u = C->url()))
		return vd_error(VD_ENOMEM, "out of memory");
	if (!strstr(url, "://"))
		rc = vd_error(VD_EUSAGE, "%s: '%s' has no http:// or https:// in front", name, shown);
	else if ((uc = C->url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME)))
		rc = vd_error(VD_EUSAGE, "%s: '%s' is not a URL: %s", name, shown,
		    C->url_strerror(uc));
	else if (C->url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    (strcmp(scheme, "http") && strcmp(scheme, "https")))
		rc = vd_error(VD_EUSAGE, "%s: '%s' is not an http or https URL", name, shown);
	else if (C->url_get(u, CURLUPART_HOST, &host, 0) || !*host)
		rc = vd_error(VD_EUSAGE, "%s: '%s' names no host", name, shown);
	C->free(scheme);
	C->free(host);
	C->url_cleanup(u);
	return rc;
}

/* The URL as messages show it: without user name, password, query or
 * fragment, any of which may carry a credential. */
static void
url_shown(const struct vd_curl *C, const char *url, char *buf, size_t n)
{
	CURLU *u = C->url();
	char *s = NULL;

	snprintf(buf, n, "the service");
	if (u && !C->url_set(u, CURLUPART_URL, url, 0) &&
	    !C->url_set(u, CURLUPART_USER, NULL, 0) &&
	    !C->url_set(u, CURLUPART_PASSWORD, NULL, 0) &&
	    !C->url_set(u, CURLUPART_OPTIONS, NULL, 0) &&
	    !C->url_set(u, CURLUPART_QUERY, NULL, 0) &&
	    !C->url_set(u, CURLUPART_FRAGMENT, NULL, 0) &&
	    !C->url_get(u, CURLUPART_URL, &s, 0))
		snprintf(buf, n, "%s", s);
	C->free(s);
	C->url_cleanup(u);
}

static int
attempt(const struct vd_curl *C, const char *url, struct curl_slist *hdr,
    const char *body, double left, size_t max, int insecure, struct vd_http_reply *out)
{
	struct sink s = { .max = max };
	CURL *c = C->easy_init();
	CURLcode cc;
	long ms = (long)(left * 1000);
	char shown[512];

	if (!c)
		return vd_error(VD_EREMOTE, "cannot start HTTP");
	C->easy_setopt(c, CURLOPT_URL, url);
	C->easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	if (body)
		C->easy_setopt(c, CURLOPT_POSTFIELDS, body);
	else
		C->easy_setopt(c, CURLOPT_HTTPGET, 1L);
	C->easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	C->easy_setopt(c, CURLOPT_WRITEDATA, &s);
	C->easy_setopt(c, CURLOPT_TIMEOUT_MS, ms > 0 ? ms : 1);
	C->easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ms > 0 ? ms : 1);
	C->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	C->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	C->easy_setopt(c, CURLOPT_USERAGENT, "vasdom/" VD_VERSION);
	C->easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	if (insecure) {
		C->easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		C->easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	cc = C->easy_perform(c);
	C->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	C->easy_cleanup(c);
	free(out->body);
	out->body = s.buf;
	out->len = s.len;
	url_shown(C, url, shown, sizeof shown);
	url = shown;
	if (s.overflow)
		return vd_error(VD_EREMOTE, "%s: response larger than %zu bytes", url, max);
	if (cc == CURLE_OPERATION_TIMEDOUT)
		return vd_error(VD_EREMOTE, "%s: timed out after %.3g s", url, left);
	if (cc != CURLE_OK)
		return vd_error(VD_EREMOTE, "%s: %s", url, C->easy_strerror(cc));
	if (out->status < 200 || out->status > 299)
		return vd_error(VD_EREMOTE, "%s: HTTP %ld", url, out->status);
	return VD_OK;
}

/* Headers for a JSON call, with the key when set; NULL-safe to free. */
static struct curl_slist *
json_headers(const struct vd_curl *C, const char *key, int post)
{
	struct curl_slist *hdr = NULL;

	if (post)
		hdr = C->slist_append(hdr, "Content-Type: application/json");
	hdr = C->slist_append(hdr, "Accept: application/json");
	if (key && *key) {
		char *auth = malloc(strlen(key) + 32);

		if (auth) {
			sprintf(auth, "Authorization: Bearer %s", key);
			hdr = C->slist_append(hdr, auth);
			/* the header copy is libcurl's; wipe ours */
			memset(auth, 0, strlen(auth));
			free(auth);
		}
	}
	return hdr;
}

int
vd_http_post_json(const char *url, const char *key, const char *body,
    double timeout_s, size_t max_bytes, int insecure, struct vd_http_reply *out)
{
	const struct vd_curl *C = vd_curl();
	struct curl_slist *hdr;
	double deadline = vd_monotonic() + timeout_s, left;
	int rc, tries;

	memset(out, 0, sizeof *out);
	if (!C)
		return VD_EREMOTE;
	hdr = json_headers(C, key, 1);
	for (tries = 0;; tries++) {
		rc = attempt(C, url, hdr, body, deadline - vd_monotonic(), max_bytes, insecure, out);
		if (rc == VD_OK || tries >= 1)
			break;
		if (out->status != 429 && out->status < 500)
			break;
		/* one retry after a short backoff, if the deadline allows */
		left = deadline - vd_monotonic();
		if (left < 0.6)
			break;
		{
			struct timespec ts = { 0, 500 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	C->slist_free_all(hdr);
	return rc;
}

int
vd_http_get(const char *url, const char *key, double timeout_s, size_t max_bytes,
    int insecure, struct vd_http_reply *out)
{
	const struct vd_curl *C = vd_curl();
	struct curl_slist *hdr;
	int rc;

	memset(out, 0, sizeof *out);
	if (!C)
		return VD_EREMOTE;
	hdr = json_headers(C, key, 0);
	rc = attempt(C, url, hdr, NULL, timeout_s, max_bytes, insecure, out);
	C->slist_free_all(hdr);
	return rc;
}
