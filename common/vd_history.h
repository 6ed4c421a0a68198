/* A conversation: the earlier exchanges of a session, sent to the language
 * model before a new question so that a follow-up ("а сколько это
 * стоит?") is understood. */
#ifndef VD_HISTORY_H
#define VD_HISTORY_H

#include <stddef.h>
#include <sqlite3.h>

/* Characters (message and answer together) of history sent at most: the
 * oldest turns are dropped first to stay within it. About 2,000 to 4,000
 * tokens, beside the system prompt and the question. */
#define VD_HISTORY_CHARS 8000

struct vd_turn {
	char *message, *response;
};

struct vd_history {
	struct vd_turn *v;      /* oldest first */
	size_t n;
};

/* The last max_turns exchanges of session, oldest first, as many of the
 * newest as hold at most max_chars characters together. *h is filled and
 * freed by the caller with vd_history_clear (also on failure). VD_EDB or
 * VD_ENOMEM on failure. */
int vd_history_load(sqlite3 *db, const char *session, int max_turns, size_t max_chars,
    struct vd_history *h);
void vd_history_clear(struct vd_history *h);

#endif
