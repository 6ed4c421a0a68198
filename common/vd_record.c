/* Typed access to the fields of an input record, the same whatever the
 * record came from: JSON values, or the strings of CSV and plain lines. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vd_error.h"
#include "vd_input.h"
#include "vd_record.h"

int
vd_rec_str(const struct vd_record *rec, const char *field, const char **out)
{
	json_t *v = json_object_get(rec->obj, field);
	char buf[64];

	*out = NULL;
	if (!v || json_is_null(v))
		return VD_OK;
	if (json_is_string(v)) {
		*out = json_string_value(v);
		return VD_OK;
	}
	if (json_is_integer(v))
		snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
	else
		return vd_error(VD_EINPUT, "%s: expected a string", field);
	/* keep the text alive as long as the record */
	json_object_set_new(rec->obj, field, json_string(buf));
	*out = json_string_value(json_object_get(rec->obj, field));
	return VD_OK;
}

/* A JSON number as it was written in the record's input (5.0, 1e3), so
 * that a message quotes it as given: the token after "field": in the raw
 * line when it reads back as the same value, else jansson's rendering. */
static void
as_given(const struct vd_record *rec, const char *field, json_t *v, char *buf, size_t size)
{
	char key[80], *p, *end, *dump;
	size_t n;

	snprintf(buf, size, "?");
	if (snprintf(key, sizeof key, "\"%s\"", field) < (int)sizeof key && rec->raw &&
	    (p = memmem(rec->raw, rec->rawlen, key, strlen(key)))) {
		p += strlen(key);
		while (*p == ' ' || *p == '\t' || *p == ':')
			p++;
		n = strspn(p, "+-0123456789.eE");
		if (n && n < size && json_is_number(v) && strtod(p, &end) == json_number_value(v) &&
		    end == p + n) {
			snprintf(buf, size, "%.*s", (int)n, p);
			return;
		}
	}
	if ((dump = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT))) {
		snprintf(buf, size, "%s", dump);
		free(dump);
	}
}

/* The one rule for a whole number, whatever the format: a JSON integer, or
 * text of digits (a minus sign first, blanks around it allowed). 5.0, 1e3,
 * "2.0", "five" are not. *shown is the value as given, for messages
 * (text quoted unless it is the digits of a number). */
static int
whole(const struct vd_record *rec, const char *field, json_t *v, long long *out,
    char *shown, size_t size)
{
	const char *s = json_string_value(v), *b, *e;
	char *end;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		snprintf(shown, size, "%lld", *out);
		return VD_OK;
	}
	if (!s) {
		as_given(rec, field, v, shown, size);
		return VD_EINPUT;
	}
	snprintf(shown, size, "'%.40s'", s);
	for (b = s; *b == ' ' || *b == '\t'; b++)
		;
	for (e = b + strlen(b); e > b && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	if (e == b || strspn(b + (*b == '-'), "0123456789") != (size_t)(e - b - (*b == '-')) ||
	    e - b > 18)
		return VD_EINPUT;
	*out = strtoll(b, &end, 10);
	if (end != e)
		return VD_EINPUT;
	/* digits read as digits: shown as a number (out of range) */
	snprintf(shown, size, "%.*s", (int)(e - b), b);
	return VD_OK;
}

int
vd_rec_int(const struct vd_record *rec, const char *field, long long *out,
    int *present)
{
	json_t *v = json_object_get(rec->obj, field);
	char shown[64];

	*present = v && !json_is_null(v);
	if (!*present)
		return VD_OK;
	if (whole(rec, field, v, out, shown, sizeof shown))
		return vd_error(VD_EINPUT, "%s: expected a whole number, got %s", field, shown);
	return VD_OK;
}

int
vd_rec_rating(const struct vd_record *rec, long long *rating, int *present)
{
	json_t *v = json_object_get(rec->obj, "rating");
	const char *s = json_string_value(v);
	char shown[64];

	*present = v && !json_is_null(v) && !(s && !*s);
	if (!*present)
		return VD_OK;
	if (whole(rec, "rating", v, rating, shown, sizeof shown) || *rating < 1 || *rating > 5)
		return vd_error(VD_EINPUT, "rating: expected a whole number from 1 to 5, got %s", shown);
	return VD_OK;
}
