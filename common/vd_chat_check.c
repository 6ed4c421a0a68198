#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "vd_chat_check.h"
#include "vd_text.h"

/* Content must be text with something in it besides spaces. */
static int
empty_text(json_t *v)
{
	size_t n;

	if (!json_is_string(v))
		return 1;
	n = json_string_length(v);
	vd_text_trim(json_string_value(v), &n);
	return n == 0;
}

/* A chat: an optional system message first, then user and assistant
 * taking turns from user; it ends with last ("user" for a prompt that is
 * to be answered, "assistant" for a complete example). */
int
vd_chat_check(json_t *msgs, const char *path, const char *last, char *err, size_t len)
{
	const char *want = NULL;
	size_t i;
	json_t *m;

	if (!json_is_array(msgs))
		return snprintf(err, len, "%s: missing or not an array", path), -1;
	if (json_array_size(msgs) == 0)
		return snprintf(err, len, "%s: no messages", path), -1;
	json_array_foreach(msgs, i, m) {
		const char *role = json_string_value(json_object_get(m, "role"));

		if (!json_is_object(m))
			return snprintf(err, len, "%s[%zu]: not an object", path, i), -1;
		if (!role)
			return snprintf(err, len, "%s[%zu]: no role", path, i), -1;
		if (strcmp(role, "system") && strcmp(role, "user") && strcmp(role, "assistant"))
			return snprintf(err, len, "%s[%zu]: unknown role '%.40s'", path, i, role), -1;
		if (empty_text(json_object_get(m, "content")))
			return snprintf(err, len, "%s[%zu]: %s", path, i,
			    json_object_get(m, "content") ? "empty content" : "no content"), -1;
		if (i == 0 && strcmp(role, "system") == 0)
			continue;
		if (!want)
			want = "user";
		if (strcmp(role, want) != 0)
			return snprintf(err, len, "%s[%zu]: role '%s' where '%s' was expected",
			    path, i, role, want), -1;
		want = strcmp(want, "user") == 0 ? "assistant" : "user";
	}
	/* want is now the role that would come next */
	if (!want || strcmp(want, last) == 0)
		return snprintf(err, len, "%s: the last message must be the %s's", path, last), -1;
	return 0;
}

static int
check_chat_one(json_t *m, const char *path, char *err, size_t len)
{
	const char *role = json_string_value(json_object_get(m, "role"));

	if (!json_is_object(m))
		return snprintf(err, len, "%s[0]: not an object", path), -1;
	if (!role || strcmp(role, "assistant") != 0)
		return snprintf(err, len, "%s[0]: role '%.40s' where 'assistant' was expected",
		    path, role ? role : ""), -1;
	if (empty_text(json_object_get(m, "content")))
		return snprintf(err, len, "%s[0]: %s", path,
		    json_object_get(m, "content") ? "empty content" : "no content"), -1;
	return 0;
}

/* One answer: a list of exactly one assistant message. */
int
vd_chat_check_answer(json_t *v, const char *path, char *err, size_t len)
{
	if (!json_is_array(v) || json_array_size(v) != 1)
		return snprintf(err, len, "%s: expected a list of one assistant message", path), -1;
	return check_chat_one(json_array_get(v, 0), path, err, len);
}

/* TRL takes the conversational form or plain strings. */
int
vd_chat_check_trl(json_t *v, const char *path, int prompt, char *err, size_t len)
{
	if (json_is_string(v))
		return empty_text(v) ? (snprintf(err, len, "%s: empty", path), -1) : 0;
	if (!v)
		return snprintf(err, len, "%s: missing", path), -1;
	return prompt ? vd_chat_check(v, path, "user", err, len) :
	    vd_chat_check_answer(v, path, err, len);
}

