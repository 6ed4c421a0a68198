#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vd_config.h"
#include "vd_datafile.h"
#include "vd_error.h"
#include "vd_profile.h"
#include "vd_text.h"

enum { K_SYSTEM, K_EXAMPLES, K_EXAMPLE, K_DEFAULT, K_GOOD, K_BAD,
	K_TEMPERATURE, K_MAX_TOKENS, K_HISTORY, NKEYS };

static const char *const key_names[NKEYS] = {
	"system", "examples", "example", "default", "rated_good", "rated_bad",
	"temperature", "max_tokens", "history_turns"
};
#define NTEXT K_TEMPERATURE   /* the keys before it are texts, all required */

void
vd_profile_free(struct vd_profile *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->system);
	free(p->examples);
	free(p->example);
	free(p->default_answer);
	free(p->rated_good);
	free(p->rated_bad);
	free(p);
}

static char **
text_slot(struct vd_profile *p, int k)
{
	switch (k) {
	case K_SYSTEM: return &p->system;
	case K_EXAMPLES: return &p->examples;
	case K_EXAMPLE: return &p->example;
	case K_DEFAULT: return &p->default_answer;
	case K_GOOD: return &p->rated_good;
	default: return &p->rated_bad;
	}
}

/* A number's value, checked against its range, when its key is complete. */
static int
set_number(struct vd_profile *p, int k, const char *val, const char *name, long lineno)
{
	long n;

	switch (k) {
	case K_TEMPERATURE:
		if (vd_parse_double(val, 0, 2, &p->temperature))
			return vd_error(VD_EUSAGE, "%s:%ld: temperature: expected a number from 0 to 2, got '%.40s'",
			    name, lineno, val);
		return VD_OK;
	case K_MAX_TOKENS:
		if (vd_parse_int(val, 1, 1000000, &n))
			return vd_error(VD_EUSAGE, "%s:%ld: max_tokens: expected a whole number from 1 to 1000000, got '%.40s'",
			    name, lineno, val);
		p->max_tokens = (int)n;
		return VD_OK;
	default:
		if (vd_parse_int(val, 0, 100, &n))
			return vd_error(VD_EUSAGE, "%s:%ld: history_turns: expected a whole number from 0 to 100, got '%.40s'",
			    name, lineno, val);
		p->history_turns = (int)n;
		return VD_OK;
	}
}

/* The parse: the profile, the keys seen, and the value being read (its
 * key, the line it started on, its text). */
struct pending {
	struct vd_profile *p;
	unsigned seen;
	int key;
	long lineno;
	char *val;
	size_t len;
};

static int
append(struct pending *v, const char *s, size_t n, int newline)
{
	char *p = realloc(v->val, v->len + n + 2);

	if (!p)
		return vd_error(VD_ENOMEM, "out of memory");
	v->val = p;
	if (newline)
		v->val[v->len++] = '\n';
	memcpy(v->val + v->len, s, n);
	v->len += n;
	v->val[v->len] = 0;
	return VD_OK;
}

/* The value read is complete: store it. */
static int
finish(struct pending *v, const char *name)
{
	struct vd_profile *p = v->p;
	int rc = VD_OK;

	if (v->key < 0)
		return VD_OK;
	if (v->key < NTEXT) {
		if (!v->len)
			rc = vd_error(VD_EUSAGE, "%s:%ld: %s: empty value", name, v->lineno,
			    key_names[v->key]);
		else {
			*text_slot(p, v->key) = v->val;
			v->val = NULL;
		}
	} else
		rc = set_number(p, v->key, v->val ? v->val : "", name, v->lineno);
	free(v->val);
	v->val = NULL;
	v->len = 0;
	v->key = -1;
	return rc;
}

/* One line "key: value", or the continuation of the value above. */
static int
parse_line(void *ctx, char *line, const char *name, long lineno)
{
	struct pending *v = ctx;
	size_t klen;
	int k, rc;

	if (*line == ' ' || *line == '\t') {
		line += strspn(line, " \t");
		if (v->key < 0)
			return vd_error(VD_EUSAGE, "%s:%ld: an indented line continues a value, but no key is above it",
			    name, lineno);
		if (v->key >= NTEXT)
			return vd_error(VD_EUSAGE, "%s:%ld: %s: a number takes one line",
			    name, lineno, key_names[v->key]);
		return append(v, line, strlen(line), v->len > 0);
	}
	if ((rc = finish(v, name)))
		return rc;
	klen = strcspn(line, ":");
	if (!line[klen])
		return vd_error(VD_EUSAGE, "%s:%ld: expected 'key: value'", name, lineno);
	for (k = 0; k < NKEYS; k++)
		if (strlen(key_names[k]) == klen && !strncmp(line, key_names[k], klen))
			break;
	if (k == NKEYS)
		return vd_error(VD_EUSAGE, "%s:%ld: unknown key '%.*s' (system, examples, example, default, rated_good, rated_bad, temperature, max_tokens or history_turns)",
		    name, lineno, (int)(klen > 40 ? 40 : klen), line);
	if (v->seen & (1u << k))
		return vd_error(VD_EUSAGE, "%s:%ld: %s given twice", name, lineno, key_names[k]);
	v->seen |= 1u << k;
	v->key = k;
	v->lineno = lineno;
	line += klen + 1;
	line += strspn(line, " \t");
	return append(v, line, strlen(line), 0);
}

int
vd_profile_parse(const char *text, size_t len, const char *name, struct vd_profile **out)
{
	struct vd_profile *p = calloc(1, sizeof *p);
	struct pending v = { p, 0, -1, 0, NULL, 0 };
	int k, rc = VD_OK;

	*out = NULL;
	if (!p || !(p->name = strdup(name))) {
		free(p);
		return vd_error(VD_ENOMEM, "out of memory");
	}
	p->temperature = 0.7;
	p->max_tokens = 1000;
	p->history_turns = 6;
	if (!vd_utf8_valid(text, len))
		rc = vd_error(VD_EUSAGE, "%s: invalid UTF-8", name);
	if (rc == VD_OK)
		rc = vd_datafile_lines(text, len, name, parse_line, &v);
	if (rc == VD_OK)
		rc = finish(&v, name);
	free(v.val);
	for (k = 0; rc == VD_OK && k < NTEXT; k++)
		if (!(v.seen & (1u << k)))
			rc = vd_error(VD_EUSAGE, "%s: missing key '%s'", name, key_names[k]);
	if (rc != VD_OK) {
		vd_profile_free(p);
		return rc;
	}
	*out = p;
	return VD_OK;
}

static int
parse_any(const char *text, size_t len, const char *name, void *out)
{
	return vd_profile_parse(text, len, name, out);
}

int
vd_profile_load(const char *path, struct vd_profile **out)
{
	*out = NULL;
	return vd_datafile_load(path, "profile", vd_profile_default, "built-in", parse_any, out);
}

/* Append n bytes of s to *out (length *len, room *cap), growing it. */
static int
put(char **out, size_t *len, size_t *cap, const char *s, size_t n)
{
	char *p;

	if (*len + n + 1 > *cap) {
		while (*len + n + 1 > *cap)
			*cap *= 2;
		if (!(p = realloc(*out, *cap)))
			return -1;
		*out = p;
	}
	memcpy(*out + *len, s, n);
	*len += n;
	(*out)[*len] = 0;
	return 0;
}

char *
vd_profile_fill(const char *tmpl, const char *const *keys, const char *const *vals,
    size_t n)
{
	size_t cap = strlen(tmpl) + 64, len = 0, i, kl = 0;
	const char *s = tmpl;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	*out = 0;
	while (*s) {
		size_t lit = strcspn(s + 1, "{") + 1;   /* up to the next brace */

		for (i = 0; *s == '{' && i < n; i++) {
			kl = strlen(keys[i]);
			if (!strncmp(s + 1, keys[i], kl) && s[1 + kl] == '}')
				break;
		}
		if (*s == '{' && i < n) {
			if (put(&out, &len, &cap, vals[i], strlen(vals[i])))
				goto oom;
			s += kl + 2;
		} else {
			if (put(&out, &len, &cap, s, lit))
				goto oom;
			s += lit;
		}
	}
	return out;
oom:
	free(out);
	return NULL;
}

char *
vd_profile_default_answer(const struct vd_profile *p, const char *question)
{
	static const char *const keys[] = { "question" };

	return vd_profile_fill(p->default_answer, keys, &question, 1);
}
