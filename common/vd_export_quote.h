#ifndef VD_EXPORT_QUOTE_H
#define VD_EXPORT_QUOTE_H

#include <sqlite3.h>

#include "vd_output.h"

/* A row's texts as JSON values for the export's encoders. SQLite's
 * json_quote() stays the one escaper: a text in which it would escape
 * nothing (no quote, backslash or control character) is put between
 * quotes as it is, and every other value (one that needs escaping, a
 * number, a blob) goes through json_quote(). Called in the query for
 * every text, json_quote() cost a quarter of a one-core export, most of
 * it copying byte by byte texts that need no escape. */

#define VD_QUOTE_FIELDS 6   /* texts of one row at most */

struct vd_quoter;

/* A quoter for db's values. VD_EDB, VD_ENOMEM. */
int vd_quoter_new(sqlite3 *db, struct vd_quoter **out);

/* v as JSON into *out, valid until the next call with the same field
 * (0 to VD_QUOTE_FIELDS - 1); NULL stays out->s NULL ("null"). VD_EDB,
 * VD_ENOMEM. */
int vd_quoter_put(struct vd_quoter *q, int field, sqlite3_value *v, struct vd_str *out);

void vd_quoter_free(struct vd_quoter *q);

#endif
