#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vd_error.h"
#include "vd_http.h"
#include "vd_llm.h"
#include "vd_profile.h"
#include "vd_text.h"

static json_t *
message(const char *role, const char *content)
{
	return json_pack("{s:s, s:s}", "role", role, "content", content);
}

/* sys, a blank line, then par: a new string; sys and par are freed.
 * NULL when either is NULL or when out of memory. */
static char *
add_paragraph(char *sys, char *par)
{
	char *out = NULL;

	if (sys && par && (out = malloc(strlen(sys) + strlen(par) + 3)))
		sprintf(out, "%s\n\n%s", sys, par);
	free(sys);
	free(par);
	return out;
}

/* The profile's system prompt, then its heading and each example framed
 * by its template. Malloc'd; NULL when out of memory. */
static char *
system_prompt(const struct vd_llm_prompt *p)
{
	static const char *const keys[] = { "n", "rating", "question", "answer" };
	const struct vd_profile *prof = p->profile;
	char *sys = strdup(prof->system), num[2][24];
	const char *vals[4] = { num[0], num[1], NULL, NULL };
	size_t i;

	if (p->nex)
		sys = add_paragraph(sys, strdup(prof->examples));
	for (i = 0; sys && i < p->nex; i++) {
		snprintf(num[0], sizeof num[0], "%zu", i + 1);
		snprintf(num[1], sizeof num[1], "%d", p->ex[i].rating);
		vals[2] = p->ex[i].message;
		vals[3] = p->ex[i].response;
		sys = add_paragraph(sys, vd_profile_fill(prof->example, keys, vals, 4));
	}
	return sys;
}

char *
vd_llm_request(const char *model, const struct vd_llm_prompt *p)
{
	json_t *req, *msgs = json_array();
	char *sys, *out;
	size_t i;
	int bad;

	if (!msgs || !(sys = system_prompt(p))) {
		json_decref(msgs);
		return NULL;
	}
	bad = json_array_append_new(msgs, message("system", sys));
	free(sys);
	for (i = 0; i < p->nhistory; i++)
		bad |= json_array_append_new(msgs, message("user", p->history[i].message)) |
		    json_array_append_new(msgs, message("assistant", p->history[i].response));
	bad |= json_array_append_new(msgs, message("user", p->question));
	req = bad ? NULL : json_pack("{s:s, s:O, s:i, s:f}", "model", model, "messages", msgs,
	    "max_tokens", p->profile->max_tokens, "temperature", p->profile->temperature);
	json_decref(msgs);
	if (!req)
		return NULL;
	out = json_dumps(req, JSON_COMPACT | JSON_REAL_PRECISION(6));
	json_decref(req);
	return out;
}

/* A token count of usage, or -1 when absent or not a count. */
static long long
tokens(json_t *usage, const char *key)
{
	json_t *v = json_object_get(usage, key);

	return json_is_integer(v) && json_integer_value(v) >= 0 ? json_integer_value(v) : -1;
}

int
vd_llm_parse_reply(const char *body, size_t len, struct vd_llm_reply *r)
{
	json_t *root, *content, *name, *usage;
	json_error_t e;
	const char *s;
	size_t n;
	int rc = VD_OK;

	r->answer = r->model = NULL;
	r->prompt_tokens = r->completion_tokens = -1;
	if (!(root = json_loadb(body, len, 0, &e)))
		return vd_error(VD_EREMOTE, "malformed JSON from the model: %s", e.text);
	content = json_object_get(json_object_get(json_array_get(
	    json_object_get(root, "choices"), 0), "message"), "content");
	name = json_object_get(root, "model");
	usage = json_object_get(root, "usage");
	if (!json_is_string(content))
		rc = vd_error(VD_EREMOTE, "model reply has no choices[0].message.content");
	else {
		s = json_string_value(content);
		n = json_string_length(content);
		s = vd_text_trim(s, &n);
		if (n == 0)
			rc = vd_error(VD_EREMOTE, "model reply is empty");
		else if (memchr(s, 0, n))
			rc = vd_error(VD_EREMOTE, "model reply holds a NUL character");
		else if (!(r->answer = strndup(s, n)))
			rc = vd_error(VD_ENOMEM, "out of memory");
		else if (json_is_string(name) && !(r->model = strdup(json_string_value(name))))
			rc = vd_error(VD_ENOMEM, "out of memory");
	}
	r->prompt_tokens = tokens(usage, "prompt_tokens");
	r->completion_tokens = tokens(usage, "completion_tokens");
	json_decref(root);
	if (rc) {
		free(r->answer);
		r->answer = NULL;
	}
	return rc;
}

/* Cut s to at most max characters (on a character boundary); returns its
 * length in characters when cut, else 0. */
static size_t
cut_answer(char *s, size_t max)
{
	size_t len = strlen(s), chars = vd_utf8_len(s, len), i, k = 0;

	if (chars <= max)
		return 0;
	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80 && k++ == max)
			break;
	s[i] = 0;
	return chars;
}

int
vd_llm_chat(const struct vd_config *cfg, const struct vd_llm_prompt *p,
    struct vd_llm_reply *r, size_t *cut)
{
	struct vd_http_reply reply;
	char *url, *body;
	int rc;

	r->answer = r->model = NULL;
	*cut = 0;
	if (!cfg->llm_url)
		return vd_error(VD_EREMOTE, "no language model configured");
	url = vd_url_join(cfg->llm_url, "chat/completions");
	body = vd_llm_request(cfg->llm_model, p);
	if (!url || !body) {
		free(url);
		free(body);
		return vd_error(VD_ENOMEM, "out of memory");
	}
	rc = vd_http_post_json(url, cfg->llm_key, body, cfg->llm_timeout,
	    VD_LLM_MAX_REPLY, cfg->insecure, &reply);
	if (rc == VD_OK)
		rc = vd_llm_parse_reply(reply.body ? reply.body : "", reply.len, r);
	if (rc == VD_OK)
		*cut = cut_answer(r->answer, VD_ANSWER_MAX);
	if (rc == VD_OK && !r->model && !(r->model = strdup(cfg->llm_model)))
		rc = vd_error(VD_ENOMEM, "out of memory");
	if (rc) {
		free(r->answer);
		free(r->model);
		r->answer = r->model = NULL;
	}
	vd_http_reply_free(&reply);
	free(url);
	free(body);
	return rc;
}
