#define PCRE2_CODE_UNIT_WIDTH 8
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "vd_datafile.h"
#include "vd_error.h"
#include "vd_rules.h"

struct rule {
	char *name, *answer;
	pcre2_code **pats;
	size_t npats;
};

/* Compiling the default rules' patterns to machine code (PCRE2's JIT)
 * cost an offline vasdom-ask of one message 0.4 ms of CPU (0.55 -> 0.13
 * ms to load them), more than it saves on the 31 matches of one message
 * (its own and each neighbour's for other_topic: 0.1 ms); a run of many
 * messages still gets it, once the rules have been tried this many times. */
#define JIT_AFTER 256

/* What matching changes: the rules (const to their readers) are one
 * thread's, as their match data. */
struct use {
	size_t tries;           /* vd_rules_match calls, up to JIT_AFTER */
};

struct vd_rules {
	struct rule *v;
	size_t n;
	pcre2_match_data *md;
	struct use *use;
};

void
vd_rules_free(struct vd_rules *r)
{
	size_t i, j;

	if (!r)
		return;
	for (i = 0; i < r->n; i++) {
		for (j = 0; j < r->v[i].npats; j++)
			pcre2_code_free(r->v[i].pats[j]);
		free(r->v[i].pats);
		free(r->v[i].name);
		free(r->v[i].answer);
	}
	free(r->v);
	pcre2_match_data_free(r->md);
	free(r->use);
	free(r);
}

size_t
vd_rules_count(const struct vd_rules *r)
{
	return r ? r->n : 0;
}

size_t
vd_rules_jit_size(const struct vd_rules *r)
{
	size_t i, j, size, total = 0;

	for (i = 0; r && i < r->n; i++)
		for (j = 0; j < r->v[i].npats; j++)
			if (pcre2_pattern_info(r->v[i].pats[j], PCRE2_INFO_JITSIZE, &size) == 0)
				total += size;
	return total;
}

static int
valid_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && *s != '_' && *s != '-')
			return 0;
	return 1;
}

/* One line of the file: "keyword value". */
static int
parse_line(struct vd_rules *r, char *line, const char *name, long lineno)
{
	struct rule *cur = r->n ? &r->v[r->n - 1] : NULL;
	char *val = line + strcspn(line, " \t");
	size_t kwlen = (size_t)(val - line);
	void *p;

	val += strspn(val, " \t");
	if (kwlen == 6 && !strncmp(line, "intent", 6)) {
		if (!valid_name(val))
			return vd_error(VD_EUSAGE, "%s:%ld: intent name must be letters, digits, _ or -", name, lineno);
		if (cur && (!cur->npats || !cur->answer))
			return vd_error(VD_EUSAGE, "%s:%ld: intent %s needs a match and an answer before the next rule",
			    name, lineno, cur->name);
		if (!(p = realloc(r->v, (r->n + 1) * sizeof *r->v)))
			return vd_error(VD_ENOMEM, "out of memory");
		r->v = p;
		cur = &r->v[r->n++];
		memset(cur, 0, sizeof *cur);
		if (!(cur->name = strdup(val)))
			return vd_error(VD_ENOMEM, "out of memory");
		return VD_OK;
	}
	if (!cur)
		return vd_error(VD_EUSAGE, "%s:%ld: expected 'intent NAME' first", name, lineno);
	if (kwlen == 5 && !strncmp(line, "match", 5)) {
		int err;
		PCRE2_SIZE off;
		pcre2_code *re;

		if (!*val)
			return vd_error(VD_EUSAGE, "%s:%ld: empty pattern", name, lineno);
		re = pcre2_compile((PCRE2_SPTR)val, PCRE2_ZERO_TERMINATED,
		    PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &err, &off, NULL);
		if (!re) {
			PCRE2_UCHAR msg[256];

			pcre2_get_error_message(err, msg, sizeof msg);
			return vd_error(VD_EUSAGE, "%s:%ld: pattern at offset %zu: %s",
			    name, lineno, (size_t)off, (char *)msg);
		}
		if (!(p = realloc(cur->pats, (cur->npats + 1) * sizeof *cur->pats))) {
			pcre2_code_free(re);
			return vd_error(VD_ENOMEM, "out of memory");
		}
		cur->pats = p;
		cur->pats[cur->npats++] = re;
		return VD_OK;
	}
	if (kwlen == 6 && !strncmp(line, "answer", 6)) {
		if (!*val)
			return vd_error(VD_EUSAGE, "%s:%ld: empty answer", name, lineno);
		if (cur->answer)
			return vd_error(VD_EUSAGE, "%s:%ld: intent %s has two answers", name, lineno, cur->name);
		if (!(cur->answer = strdup(val)))
			return vd_error(VD_ENOMEM, "out of memory");
		return VD_OK;
	}
	return vd_error(VD_EUSAGE, "%s:%ld: unknown keyword '%.*s' (intent, match or answer)",
	    name, lineno, (int)(kwlen > 40 ? 40 : kwlen), line);
}

static int
rules_line(void *r, char *line, const char *name, long lineno)
{
	return parse_line(r, line + strspn(line, " \t"), name, lineno);
}

int
vd_rules_parse(const char *text, size_t len, const char *name, struct vd_rules **out)
{
	struct vd_rules *r = calloc(1, sizeof *r);
	int rc;

	*out = NULL;
	if (!r)
		return vd_error(VD_ENOMEM, "out of memory");
	rc = vd_datafile_lines(text, len, name, rules_line, r);
	if (rc == VD_OK && r->n && (!r->v[r->n - 1].npats || !r->v[r->n - 1].answer))
		rc = vd_error(VD_EUSAGE, "%s: intent %s needs a match and an answer",
		    name, r->v[r->n - 1].name);
	if (rc == VD_OK && (!(r->md = pcre2_match_data_create(4, NULL)) ||
	    !(r->use = calloc(1, sizeof *r->use))))
		rc = vd_error(VD_ENOMEM, "out of memory");
	if (rc != VD_OK) {
		vd_rules_free(r);
		return rc;
	}
	*out = r;
	return VD_OK;
}

static int
parse_any(const char *text, size_t len, const char *name, void *out)
{
	return vd_rules_parse(text, len, name, out);
}

int
vd_rules_load(const char *path, struct vd_rules **out)
{
	*out = NULL;
	return vd_datafile_load(path, "intents.rules", vd_rules_default, "built-in rules",
	    parse_any, out);
}

/* Compile every pattern to machine code (where PCRE2 cannot, it matches
 * as before). */
static void
jit(const struct vd_rules *r)
{
	size_t i, j;

	for (i = 0; i < r->n; i++)
		for (j = 0; j < r->v[i].npats; j++)
			pcre2_jit_compile(r->v[i].pats[j], PCRE2_JIT_COMPLETE);
}

const char *
vd_rules_match(const struct vd_rules *r, const char *msg, const char **intent)
{
	size_t i, j;

	if (r && r->use->tries < JIT_AFTER && ++r->use->tries == JIT_AFTER)
		jit(r);
	for (i = 0; r && i < r->n; i++)
		for (j = 0; j < r->v[i].npats; j++)
			if (pcre2_match(r->v[i].pats[j], (PCRE2_SPTR)msg, PCRE2_ZERO_TERMINATED,
			    0, 0, r->md, NULL) >= 0) {
				if (intent)
					*intent = r->v[i].name;
				return r->v[i].answer;
			}
	return NULL;
}
