/* Checks of the chat messages in an exported line, shared by the
 * formats' validate functions (vd_export_fmt.c). Each returns 0, or -1
 * with a message naming path in err (len bytes). */
#ifndef VD_CHAT_CHECK_H
#define VD_CHAT_CHECK_H

#include <stddef.h>
#include <jansson.h>

/* A chat: an optional system message first, then user and assistant
 * taking turns from user, ending with last ("user" for a prompt that is
 * to be answered, "assistant" for a complete example); no empty content. */
int vd_chat_check(json_t *msgs, const char *path, const char *last, char *err, size_t len);

/* One answer: a list of exactly one assistant message. */
int vd_chat_check_answer(json_t *v, const char *path, char *err, size_t len);

/* TRL's prompt (prompt set) or answer: the conversational form or a
 * plain string. */
int vd_chat_check_trl(json_t *v, const char *path, int prompt, char *err, size_t len);

#endif
