#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vd_error.h"
#include "vd_http.h"
#include "vd_llm.h"
#include "vd_text.h"

const char vd_company_profile[] =
    "Ты - AI помощник VasDom для управления клининговой компанией в Калуге. "
    "Отвечай профессионально, кратко и по делу на русском языке. "
    "Компания специализируется на уборке подъездов многоквартирных домов: "
    "348 домов в обслуживании, 6 бригад по районам Калуги, 82 сотрудника, "
    "работа с УК и ТСЖ. Районы: Центральный (58 домов), Никитинский (62), "
    "Жилетово (45), Северный (71), Пригород (53), Окраины (59).";

static json_t *
message(const char *role, const char *content)
{
	return json_pack("{s:s, s:s}", "role", role, "content", content);
}

char *
vd_llm_request(const char *model, const char *question,
    const struct vd_example *ex, size_t n)
{
	size_t i, cap = sizeof vd_company_profile + 128, len;
	char *sys, *p, *out;
	json_t *req;

	for (i = 0; i < n; i++)
		cap += strlen(ex[i].message) + strlen(ex[i].response) + 96;
	if (!(sys = malloc(cap)))
		return NULL;
	len = (size_t)snprintf(sys, cap, "%s", vd_company_profile);
	if (n)
		len += (size_t)snprintf(sys + len, cap - len,
		    "\n\nОпыт прошлых диалогов, которые люди оценили высоко:");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(sys + len, cap - len,
		    "\n\nПример %zu (оценка: %d★):\nВопрос: %s\nОтвет: %s",
		    i + 1, ex[i].rating, ex[i].message, ex[i].response);
	p = sys;
	req = json_pack("{s:s, s:[o,o], s:i, s:f}", "model", model,
	    "messages", message("system", p), message("user", question),
	    "max_tokens", 1000, "temperature", 0.7);
	free(sys);
	if (!req)
		return NULL;
	out = json_dumps(req, JSON_COMPACT | JSON_REAL_PRECISION(6));
	json_decref(req);
	return out;
}

int
vd_llm_parse_reply(const char *body, size_t len, char **answer, char **model)
{
	json_t *root, *content, *name;
	json_error_t e;
	const char *s;
	size_t n;
	int rc = VD_OK;

	*answer = *model = NULL;
	if (!(root = json_loadb(body, len, 0, &e)))
		return vd_error(VD_EREMOTE, "malformed JSON from the model: %s", e.text);
	content = json_object_get(json_object_get(json_array_get(
	    json_object_get(root, "choices"), 0), "message"), "content");
	name = json_object_get(root, "model");
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
		else if (!(*answer = strndup(s, n)))
			rc = vd_error(VD_ENOMEM, "out of memory");
		else if (json_is_string(name) && !(*model = strdup(json_string_value(name))))
			rc = vd_error(VD_ENOMEM, "out of memory");
	}
	json_decref(root);
	if (rc) {
		free(*answer);
		*answer = NULL;
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
vd_llm_chat(const struct vd_config *cfg, const char *question,
    const struct vd_example *ex, size_t n, char **answer, char **model, size_t *cut)
{
	struct vd_http_reply reply;
	char *url, *body;
	int rc;

	*answer = *model = NULL;
	*cut = 0;
	if (!cfg->llm_url)
		return vd_error(VD_EREMOTE, "no language model configured");
	url = vd_url_join(cfg->llm_url, "chat/completions");
	body = vd_llm_request(cfg->llm_model, question, ex, n);
	if (!url || !body) {
		free(url);
		free(body);
		return vd_error(VD_ENOMEM, "out of memory");
	}
	rc = vd_http_post_json(url, cfg->llm_key, body, cfg->llm_timeout,
	    VD_LLM_MAX_REPLY, cfg->insecure, &reply);
	if (rc == VD_OK)
		rc = vd_llm_parse_reply(reply.body ? reply.body : "", reply.len, answer, model);
	if (rc == VD_OK)
		*cut = cut_answer(*answer, VD_ANSWER_MAX);
	if (rc == VD_OK && !*model && !(*model = strdup(cfg->llm_model)))
		rc = vd_error(VD_ENOMEM, "out of memory");
	vd_http_reply_free(&reply);
	free(url);
	free(body);
	return rc;
}
