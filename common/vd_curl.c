#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

#include "vd_curl.h"
#include "vd_error.h"

/* The soname of Debian's libcurl4 (libcurl4-openssl-dev links the same). */
#define LIBCURL "libcurl.so.4"

static struct vd_curl lib;
static const char *failed;       /* why loading failed, or NULL */
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
load(void)
{
	static const struct { const char *name; size_t off; } syms[] = {
#define SYM(f, name) { name, offsetof(struct vd_curl, f) }
		SYM(easy_init, "curl_easy_init"),
		SYM(easy_setopt, "curl_easy_setopt"),
		SYM(easy_perform, "curl_easy_perform"),
		SYM(easy_getinfo, "curl_easy_getinfo"),
		SYM(easy_cleanup, "curl_easy_cleanup"),
		SYM(easy_strerror, "curl_easy_strerror"),
		SYM(slist_append, "curl_slist_append"),
		SYM(slist_free_all, "curl_slist_free_all"),
		SYM(url, "curl_url"),
		SYM(url_set, "curl_url_set"),
		SYM(url_get, "curl_url_get"),
		SYM(url_cleanup, "curl_url_cleanup"),
		SYM(url_strerror, "curl_url_strerror"),
		SYM(free, "curl_free"),
#undef SYM
	};
	CURLcode (*global_init)(long);
	void *h = dlopen(LIBCURL, RTLD_NOW | RTLD_LOCAL);
	size_t i;

	if (!h) {
		failed = dlerror();
		return;
	}
	for (i = 0; i < sizeof syms / sizeof *syms; i++) {
		void *p = dlsym(h, syms[i].name);

		if (!p) {
			failed = syms[i].name;
			return;
		}
		/* a data pointer converted to a function pointer: POSIX allows it */
		*(void **)((char *)&lib + syms[i].off) = p;
	}
	if (!(*(void **)&global_init = dlsym(h, "curl_global_init")) ||
	    global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		failed = "curl_global_init";
}

const struct vd_curl *
vd_curl(void)
{
	pthread_once(&once, load);
	if (failed) {
		vd_error(VD_EREMOTE, "cannot load %s: %s", LIBCURL, failed);
		return NULL;
	}
	return &lib;
}
