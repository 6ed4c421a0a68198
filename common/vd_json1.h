/* JSON objects read by SQLite's JSON1 rather than jansson's parser. */
#ifndef VD_JSON1_H
#define VD_JSON1_H

#include <jansson.h>

struct vd_json1;

/* A reader of objects: a private in-memory SQLite connection. NULL when
 * out of memory (or SQLite fails): then jansson parses every line. */
struct vd_json1 *vd_json1_new(void);
void vd_json1_free(struct vd_json1 *j);

/* The object of s[0..n), as jansson's json_loadb would make it: VD_OK and
 * *out, or 1 when it leaves the text to jansson (not an object of plain
 * values, not well-formed, or anything it might read otherwise), *out
 * NULL; VD_ENOMEM. s is valid UTF-8 without NUL bytes (vd_reader's
 * check). */
int vd_json1_object(struct vd_json1 *j, const char *s, size_t n, json_t **out);

#endif
