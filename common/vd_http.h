/* HTTP for the language-model and embedding services: POST a JSON body
 * (or GET, for health probes), with a deadline, a cap on the response size
 * and one retry on 429/5xx. */
#ifndef VD_HTTP_H
#define VD_HTTP_H

#include <stddef.h>

struct vd_http_reply {
	long status;      /* HTTP status, 0 when no response */
	char *body;       /* NUL-terminated, malloc'd: the caller frees */
	size_t len;
};

/* POST body to url with "Authorization: Bearer key" when key is set. The
 * whole call, retry included, ends by timeout_s seconds; a response over
 * max_bytes is cut off and an error. Returns VD_OK for a 2xx response,
 * VD_EREMOTE otherwise (out->status and out->body still filled when a
 * response came). The key never appears in messages. */
int vd_http_post_json(const char *url, const char *key, const char *body,
    double timeout_s, size_t max_bytes, int insecure,
    struct vd_http_reply *out);

/* GET url (a health probe: no body, no retry), with the same key,
 * deadline, size cap and result as vd_http_post_json. */
int vd_http_get(const char *url, const char *key, double timeout_s,
    size_t max_bytes, int insecure, struct vd_http_reply *out);

void vd_http_reply_free(struct vd_http_reply *r);

/* base + "/" + path with no doubled slash; malloc'd, NULL on no memory. */
char *vd_url_join(const char *base, const char *path);

/* Is url a service URL: http or https, a host, and parsable? VD_EUSAGE
 * otherwise, the message naming the setting (name) and the URL with any
 * user name, password, query and fragment masked, as ***. */
int vd_url_check(const char *name, const char *url);

#endif
