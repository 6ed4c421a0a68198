/* The language-model source: an OpenAI-compatible chat completions call
 * (OpenAI, llama.cpp server, Ollama's /v1) with the company profile and
 * rated examples in the system prompt. */
#ifndef VD_LLM_H
#define VD_LLM_H

#include <stddef.h>

#include "vd_config.h"
#include "vd_history.h"

#define VD_LLM_MAX_REPLY (8u << 20)  /* bytes read from the service at most */

struct vd_example {
	const char *message, *response;
	int rating;
};

/* What is sent: the profile's system prompt with the examples framed
 * as the profile says, then the earlier turns of the conversation as user
 * and assistant messages, oldest first, then the question. */
struct vd_llm_prompt {
	const struct vd_profile *profile;
	const struct vd_example *ex;
	size_t nex;
	const struct vd_turn *history;
	size_t nhistory;
	const char *question;
};

/* The request body; malloc'd JSON the caller frees, NULL when out of
 * memory. */
char *vd_llm_request(const char *model, const struct vd_llm_prompt *p);

/* What the model said: its answer, its name, and the tokens it counted
 * for the prompt and the answer (its "usage"; -1 when it did not say). */
struct vd_llm_reply {
	char *answer, *model;       /* malloc'd for the caller */
	long long prompt_tokens, completion_tokens;
};

/* Parse a chat completions response into *r. VD_EREMOTE with a message
 * when the body is not what the wire format promises, r->answer and
 * r->model then NULL. A missing or malformed usage is no error. */
int vd_llm_parse_reply(const char *body, size_t len, struct vd_llm_reply *r);

/* A stored answer has at most this many characters, like the 2,000 of a
 * question: a longer one would not fit the next tool's input line, nor a
 * prompt as a worked example. */
#define VD_ANSWER_MAX 8000

/* Ask the configured service. VD_EREMOTE on any failure, with vd_errmsg
 * saying what (it never holds the key). An answer longer than
 * VD_ANSWER_MAX characters is cut there; *cut is then its length in
 * characters, else 0. */
int vd_llm_chat(const struct vd_config *cfg, const struct vd_llm_prompt *p,
    struct vd_llm_reply *r, size_t *cut);

#endif
