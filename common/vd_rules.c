#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcre2.h>

#include "vd_error.h"
#include "vd_rules.h"

#ifndef VD_DATADIR
#define VD_DATADIR "/usr/local/share/vasdom"
#endif

struct rule {
	char *name, *answer;
	pcre2_code **pats;
	size_t npats;
};

struct vd_rules {
	struct rule *v;
	size_t n;
	pcre2_match_data *md;
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
	free(r);
}

size_t
vd_rules_count(const struct vd_rules *r)
{
	return r ? r->n : 0;
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
		pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
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

int
vd_rules_parse(const char *text, size_t len, const char *name, struct vd_rules **out)
{
	struct vd_rules *r = calloc(1, sizeof *r);
	const char *p = text, *end = text + len, *nl;
	char *line = NULL;
	long lineno = 0;
	int rc = VD_OK;

	*out = NULL;
	if (!r)
		return vd_error(VD_ENOMEM, "out of memory");
	while (p < end && rc == VD_OK) {
		size_t n;

		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl ? nl : end) - p);
		lineno++;
		if (memchr(p, 0, n)) {
			rc = vd_error(VD_EUSAGE, "%s:%ld: NUL byte", name, lineno);
			break;
		}
		free(line);
		if (!(line = malloc(n + 1))) {
			rc = vd_error(VD_ENOMEM, "out of memory");
			break;
		}
		memcpy(line, p, n);
		line[n] = 0;
		while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
			line[--n] = 0;
		p = nl ? nl + 1 : end;
		if (line[strspn(line, " \t")] == '#' || line[strspn(line, " \t")] == 0)
			continue;
		rc = parse_line(r, line + strspn(line, " \t"), name, lineno);
	}
	free(line);
	if (rc == VD_OK && r->n && (!r->v[r->n - 1].npats || !r->v[r->n - 1].answer))
		rc = vd_error(VD_EUSAGE, "%s: intent %s needs a match and an answer",
		    name, r->v[r->n - 1].name);
	if (rc == VD_OK && !(r->md = pcre2_match_data_create(4, NULL)))
		rc = vd_error(VD_ENOMEM, "out of memory");
	if (rc != VD_OK) {
		vd_rules_free(r);
		return rc;
	}
	*out = r;
	return VD_OK;
}

/* The installed rules file: beside the running binary's installation
 * (BINDIR/../share/vasdom, so an installation moved with DESTDIR or built
 * for another PREFIX still finds its own), else the compiled-in DATADIR. */
static FILE *
open_installed(char *path, size_t size)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *slash;
	FILE *f;

	if (n > 0) {
		exe[n] = 0;
		if ((slash = strrchr(exe, '/')))
			*slash = 0;
		snprintf(path, size, "%s/../share/vasdom/intents.rules", exe);
		if ((f = fopen(path, "r")))
			return f;
	}
	snprintf(path, size, "%s/intents.rules", VD_DATADIR);
	return fopen(path, "r");
}

int
vd_rules_load(const char *path, struct vd_rules **out)
{
	char installed[4200];
	char *buf = NULL;
	size_t len = 0, cap = 0, k;
	FILE *f;
	int rc;

	if (!path) {
		if (!(f = open_installed(installed, sizeof installed)))
			return vd_rules_parse(vd_rules_default, strlen(vd_rules_default),
			    "built-in rules", out);
		path = installed;
	} else if (!(f = fopen(path, "r")))
		return vd_error(VD_EDB, "%s: %s", path, strerror(errno));
	do {
		if (len + 4096 > cap) {
			char *p;

			cap = cap ? cap * 2 : 8192;
			if (cap > (16u << 20) || !(p = realloc(buf, cap))) {
				free(buf);
				fclose(f);
				return vd_error(VD_EUSAGE, "%s: too large", path);
			}
			buf = p;
		}
		k = fread(buf + len, 1, cap - len, f);
		len += k;
	} while (k > 0);
	rc = ferror(f) ? vd_error(VD_EDB, "%s: read error", path) : VD_OK;
	fclose(f);
	if (rc == VD_OK)
		rc = vd_rules_parse(buf ? buf : "", len, path, out);
	free(buf);
	return rc;
}

const char *
vd_rules_match(const struct vd_rules *r, const char *msg, const char **intent)
{
	size_t i, j;

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
