#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vd_error.h"
#include "vd_export.h"
#include "vd_text.h"
#include "vd_validate.h"

#define ERRLEN 256

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
static int
check_chat(json_t *msgs, const char *path, const char *last, char *err)
{
	const char *want = NULL;
	size_t i;
	json_t *m;

	if (!json_is_array(msgs))
		return snprintf(err, ERRLEN, "%s: missing or not an array", path), -1;
	if (json_array_size(msgs) == 0)
		return snprintf(err, ERRLEN, "%s: no messages", path), -1;
	json_array_foreach(msgs, i, m) {
		const char *role = json_string_value(json_object_get(m, "role"));

		if (!json_is_object(m))
			return snprintf(err, ERRLEN, "%s[%zu]: not an object", path, i), -1;
		if (!role)
			return snprintf(err, ERRLEN, "%s[%zu]: no role", path, i), -1;
		if (strcmp(role, "system") && strcmp(role, "user") && strcmp(role, "assistant"))
			return snprintf(err, ERRLEN, "%s[%zu]: unknown role '%.40s'", path, i, role), -1;
		if (empty_text(json_object_get(m, "content")))
			return snprintf(err, ERRLEN, "%s[%zu]: %s", path, i,
			    json_object_get(m, "content") ? "empty content" : "no content"), -1;
		if (i == 0 && strcmp(role, "system") == 0)
			continue;
		if (!want)
			want = "user";
		if (strcmp(role, want) != 0)
			return snprintf(err, ERRLEN, "%s[%zu]: role '%s' where '%s' was expected",
			    path, i, role, want), -1;
		want = strcmp(want, "user") == 0 ? "assistant" : "user";
	}
	/* want is now the role that would come next */
	if (!want || strcmp(want, last) == 0)
		return snprintf(err, ERRLEN, "%s: the last message must be the %s's", path, last), -1;
	return 0;
}

static int
check_chat_one(json_t *m, const char *path, char *err)
{
	const char *role = json_string_value(json_object_get(m, "role"));

	if (!json_is_object(m))
		return snprintf(err, ERRLEN, "%s[0]: not an object", path), -1;
	if (!role || strcmp(role, "assistant") != 0)
		return snprintf(err, ERRLEN, "%s[0]: role '%.40s' where 'assistant' was expected",
		    path, role ? role : ""), -1;
	if (empty_text(json_object_get(m, "content")))
		return snprintf(err, ERRLEN, "%s[0]: %s", path,
		    json_object_get(m, "content") ? "empty content" : "no content"), -1;
	return 0;
}

/* One answer: a list of exactly one assistant message. */
static int
check_answer(json_t *v, const char *path, char *err)
{
	if (!json_is_array(v) || json_array_size(v) != 1)
		return snprintf(err, ERRLEN, "%s: expected a list of one assistant message", path), -1;
	return check_chat_one(json_array_get(v, 0), path, err);
}

/* TRL takes the conversational form or plain strings. */
static int
check_trl(json_t *v, const char *path, int prompt, char *err)
{
	if (json_is_string(v))
		return empty_text(v) ? (snprintf(err, ERRLEN, "%s: empty", path), -1) : 0;
	if (!v)
		return snprintf(err, ERRLEN, "%s: missing", path), -1;
	return prompt ? check_chat(v, path, "user", err) : check_answer(v, path, err);
}

static int
check_line(json_t *o, int format, char *err)
{
	json_t *in;

	switch (format) {
	case VD_EXPORT_DPO:
		in = json_object_get(o, "input");
		if (!json_is_object(in))
			return snprintf(err, ERRLEN, "input: missing or not an object"), -1;
		return check_chat(json_object_get(in, "messages"), "input.messages", "user", err) ||
		    check_answer(json_object_get(o, "preferred_output"), "preferred_output", err) ||
		    check_answer(json_object_get(o, "non_preferred_output"), "non_preferred_output", err)
		    ? -1 : 0;
	case VD_EXPORT_TRL_DPO:
		return check_trl(json_object_get(o, "prompt"), "prompt", 1, err) ||
		    check_trl(json_object_get(o, "chosen"), "chosen", 0, err) ||
		    check_trl(json_object_get(o, "rejected"), "rejected", 0, err) ? -1 : 0;
	case VD_EXPORT_TRL_KTO:
		if (check_trl(json_object_get(o, "prompt"), "prompt", 1, err) ||
		    check_trl(json_object_get(o, "completion"), "completion", 0, err))
			return -1;
		if (!json_is_boolean(json_object_get(o, "label")))
			return snprintf(err, ERRLEN, "label: missing or not true/false"), -1;
		return 0;
	default:
		return check_chat(json_object_get(o, "messages"), "messages", "assistant", err);
	}
}

static int
guess_format(json_t *o)
{
	if (json_object_get(o, "messages"))
		return VD_EXPORT_OPENAI;
	if (json_object_get(o, "input") || json_object_get(o, "preferred_output"))
		return VD_EXPORT_DPO;
	if (json_object_get(o, "chosen") || json_object_get(o, "rejected"))
		return VD_EXPORT_TRL_DPO;
	if (json_object_get(o, "completion") || json_object_get(o, "label"))
		return VD_EXPORT_TRL_KTO;
	return VD_EXPORT_OPENAI;
}

int
vd_validate_file(FILE *f, int format, long long max_report, vd_problem_fn *fn,
    void *arg, struct vd_validation *out)
{
	char *line = NULL, err[ERRLEN];
	size_t cap = 0;
	ssize_t n;

	memset(out, 0, sizeof *out);
	if (format == VD_EXPORT_CSV)
		return vd_error(VD_EUSAGE, "only JSON Lines formats can be validated");
	out->format = format;
	while ((n = getline(&line, &cap, f)) >= 0) {
		json_error_t je;
		json_t *o;
		int bad = 0;

		out->lines++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = 0;
		if (n == 0) {
			snprintf(err, sizeof err, "empty line");
			bad = 1;
		} else if (!(o = json_loadb(line, (size_t)n, JSON_REJECT_DUPLICATES, &je))) {
			snprintf(err, sizeof err, "not JSON: %s (column %d)", je.text, je.column);
			bad = 1;
		} else {
			if (!json_is_object(o)) {
				snprintf(err, sizeof err, "not a JSON object");
				bad = 1;
			} else {
				if (out->format < 0)
					out->format = guess_format(o);
				bad = check_line(o, out->format, err) != 0;
			}
			json_decref(o);
		}
		if (bad && out->errors++ < max_report)
			fn(out->lines, err, arg);
		else if (!bad)
			out->examples++;
	}
	free(line);
	if (ferror(f))
		return vd_error(VD_EUSAGE, "read error: %s", strerror(errno));
	if (out->format < 0)
		out->format = VD_EXPORT_OPENAI;
	if ((out->format == VD_EXPORT_OPENAI || out->format == VD_EXPORT_DPO) &&
	    out->examples < VD_OPENAI_MIN_EXAMPLES) {
		snprintf(err, sizeof err, "%lld valid examples, OpenAI requires at least %d",
		    out->examples, VD_OPENAI_MIN_EXAMPLES);
		if (out->errors++ < max_report)
			fn(0, err, arg);
	} else if (out->examples == 0) {
		snprintf(err, sizeof err, "no examples");
		if (out->errors++ < max_report)
			fn(0, err, arg);
	}
	return VD_OK;
}
