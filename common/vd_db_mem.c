/* SQLite's memory, through the system allocator as before, but for one
 * size of block kept for reuse. A savepoint's sub-journal in memory (a
 * line of a write batch, a statement with triggers: temp_store = MEMORY)
 * is a list of 1 KB chunks, some 17 a 16 KB page it copies, all freed
 * when the savepoint ends: 150 mallocs and as many frees a line of
 * vasdom-ask --record, where glibc's malloc and free took a sixth of the
 * time. Freed chunks wait on a list for the next line. */
#include <pthread.h>
#include <sqlite3.h>

#include "vd_db.h"

/* memjournal.c's MEMJOURNAL_DFLT_FILECHUNKSIZE: what it asks for */
#define CHUNK 1024
/* at most this many kept (2 MB): a line's journal is some 150 */
#define KEEP 2048

static sqlite3_mem_methods sys;
static int chunk_size;            /* sys.xSize of a CHUNK block */
static void *kept[KEEP];
static int nkept;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void *
mem_malloc(int n)
{
	void *p = NULL;

	if (n == CHUNK) {
		pthread_mutex_lock(&lock);
		if (nkept > 0)
			p = kept[--nkept];
		pthread_mutex_unlock(&lock);
		if (p)
			return p;
	}
	return sys.xMalloc(n);
}

static void
mem_free(void *p)
{
	if (p && sys.xSize(p) == chunk_size) {
		pthread_mutex_lock(&lock);
		if (nkept < KEEP) {
			kept[nkept++] = p;
			p = NULL;
		}
		pthread_mutex_unlock(&lock);
	}
	if (p)
		sys.xFree(p);
}

static void *
mem_realloc(void *p, int n)
{
	return sys.xRealloc(p, n);
}

static int
mem_size(void *p)
{
	return sys.xSize(p);
}

static int
mem_roundup(int n)
{
	return sys.xRoundup(n);
}

static int
mem_init(void *arg)
{
	void *p;
	int rc = sys.xInit(arg);

	if (rc == SQLITE_OK && (p = sys.xMalloc(CHUNK))) {
		chunk_size = sys.xSize(p);
		sys.xFree(p);
	}
	return rc;
}

static void
mem_shutdown(void *arg)
{
	pthread_mutex_lock(&lock);
	while (nkept > 0)
		sys.xFree(kept[--nkept]);
	pthread_mutex_unlock(&lock);
	sys.xShutdown(arg);
}

static void
install(void)
{
	static const sqlite3_mem_methods mine = {
		mem_malloc, mem_free, mem_realloc, mem_size, mem_roundup,
		mem_init, mem_shutdown, NULL
	};

	/* only before SQLite's first use; later, nothing changes */
	if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sys) == SQLITE_OK && sys.xMalloc)
		sqlite3_config(SQLITE_CONFIG_MALLOC, &mine);
}

void
vd_db_mem_init(void)
{
	pthread_once(&once, install);
}
