/* Typed access to the fields of an input record (vd_record.c), the same
 * whatever the record came from: JSON values, or the strings of CSV and
 * plain lines. */
#ifndef VD_RECORD_H
#define VD_RECORD_H

#include "vd_input.h"

/* Field access. A missing or null field gives *out NULL and VD_OK; a field
 * of the wrong type is VD_EINPUT with a message naming the field. Numbers
 * are accepted where a string is wanted and vice versa ("12"). */
int vd_rec_str(const struct vd_record *rec, const char *field, const char **out);
int vd_rec_int(const struct vd_record *rec, const char *field, long long *out,
    int *present);

/* The "rating" field: a whole number 1..5, as a JSON number or digits;
 * 4.5, "five" and 0 are refused with a message rather than guessed at. */
int vd_rec_rating(const struct vd_record *rec, long long *rating, int *present);

#endif
