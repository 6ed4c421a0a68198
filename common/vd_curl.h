/* libcurl, loaded on first use: a tool that never calls a service (every
 * offline question) does not pay for relocating libcurl and its TLS, LDAP,
 * SSH and Kerberos dependencies at each start (README, "Speed"). */
#ifndef VD_CURL_H
#define VD_CURL_H

#include <curl/curl.h>

struct vd_curl {
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	CURLU *(*url)(void);
	CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
	CURLUcode (*url_get)(const CURLU *, CURLUPart, char **, unsigned int);
	void (*url_cleanup)(CURLU *);
	const char *(*url_strerror)(CURLUcode);
	void (*free)(void *);
};

/* The loaded and initialised library (once per process, thread-safe), or
 * NULL with vd_errmsg set (VD_EREMOTE) when it cannot be loaded. */
const struct vd_curl *vd_curl(void);

#endif
