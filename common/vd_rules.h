/* Intent rules: PCRE2 patterns mapped to answers, from a rules file (see
 * vasdom.5) or the built-in copy of the default file. */
#ifndef VD_RULES_H
#define VD_RULES_H

#include <stddef.h>

struct vd_rules;

/* Load the rules at path; with path NULL, the installed default file when
 * present, else the built-in copy of it. *out is freed by vd_rules_free.
 * Errors name the file and line: VD_EUSAGE for a bad file, VD_EDB when it
 * cannot be read. */
int vd_rules_load(const char *path, struct vd_rules **out);

/* Parse rules from memory (name is used in messages). */
int vd_rules_parse(const char *text, size_t len, const char *name,
    struct vd_rules **out);
void vd_rules_free(struct vd_rules *r);

/* The answer of the first rule matching msg, or NULL; *intent (when not
 * NULL) gets the rule's name. Strings belong to the rules. */
const char *vd_rules_match(const struct vd_rules *r, const char *msg,
    const char **intent);

size_t vd_rules_count(const struct vd_rules *r);

/* Bytes of machine code the patterns are compiled to: 0 until they have
 * been tried a few hundred times (vd_rules.c, JIT_AFTER), or where PCRE2
 * has no JIT. */
size_t vd_rules_jit_size(const struct vd_rules *r);

/* The default rules file's text, built in (generated from data/). */
extern const char vd_rules_default[];

#endif
