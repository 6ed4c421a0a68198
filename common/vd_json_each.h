/* JSON objects read by SQLite's JSON1 rather than jansson's parser. */
#ifndef VD_JSON_EACH_H
#define VD_JSON_EACH_H

#include <jansson.h>

struct vd_json_each;

/* A reader of objects: a private in-memory SQLite connection. NULL when
 * out of memory (or SQLite fails): then jansson parses every line. */
struct vd_json_each *vd_json_each_new(void);
void vd_json_each_free(struct vd_json_each *j);

/* The object of s[0..n), as jansson's json_loadb would make it: VD_OK and
 * *out, or 1 when it leaves the text to jansson (not an object of plain
 * values, not well-formed, or anything it might read otherwise), *out
 * NULL; VD_ENOMEM. s is valid UTF-8 without NUL bytes (vd_reader's
 * check). */
int vd_json_each_object(struct vd_json_each *j, const char *s, size_t n, json_t **out);

#endif
