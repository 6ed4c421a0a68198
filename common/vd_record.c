/* Typed access to the fields of an input record, the same whatever the
 * record came from: JSON values, or the strings of CSV and plain lines. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vd_error.h"
#include "vd_input.h"

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

int
vd_rec_int(const struct vd_record *rec, const char *field, long long *out,
    int *present)
{
	json_t *v = json_object_get(rec->obj, field);
	const char *s;
	char *end;
	double d;

	*present = v && !json_is_null(v);
	if (!*present)
		return VD_OK;
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return VD_OK;
	}
	if (json_is_real(v)) {
		d = json_real_value(v);
		if (d != floor(d) || fabs(d) > 9e15)
			return vd_error(VD_EINPUT, "%s: expected a whole number, got %g", field, d);
		*out = (long long)d;
		return VD_OK;
	}
	if (!json_is_string(v))
		return vd_error(VD_EINPUT, "%s: expected a whole number", field);
	s = json_string_value(v);
	errno = 0;
	*out = strtoll(s, &end, 10);
	while (*end == ' ')
		end++;
	if (!*s || errno || *end || end == s)
		return vd_error(VD_EINPUT, "%s: expected a whole number, got '%.40s'", field, s);
	return VD_OK;
}

int
vd_rec_rating(const struct vd_record *rec, long long *rating, int *present)
{
	json_t *v = json_object_get(rec->obj, "rating");
	const char *s = json_string_value(v);

	*present = v && !json_is_null(v) && !(s && !*s);
	if (!*present)
		return VD_OK;
	if (json_is_integer(v))
		*rating = json_integer_value(v);
	else if (s && strlen(s) < 4 && strspn(s, "0123456789") == strlen(s))
		*rating = atoll(s);
	else if (s)
		return vd_error(VD_EINPUT, "rating: expected a whole number from 1 to 5, got '%.20s'", s);
	else if (json_is_real(v))
		return vd_error(VD_EINPUT, "rating: expected a whole number from 1 to 5, got %g",
		    json_real_value(v));
	else
		return vd_error(VD_EINPUT, "rating: expected a whole number from 1 to 5");
	if (*rating < 1 || *rating > 5)
		return vd_error(VD_EINPUT, "rating: expected a whole number from 1 to 5, got %lld", *rating);
	return VD_OK;
}
