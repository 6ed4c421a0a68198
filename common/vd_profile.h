/* The profile: what the assistant says for the company that runs it (the
 * system prompt, the default answer, the rating replies, how rated
 * examples are framed) and how it asks the model. A data file (see
 * vasdom.5) an operator replaces; a built-in copy of data/profile
 * otherwise. No company text lives in C. */
#ifndef VD_PROFILE_H
#define VD_PROFILE_H

#include <stddef.h>

struct vd_profile {
	char *name;             /* the file read, or "built-in" */
	char *system;           /* system prompt */
	char *default_answer;   /* {question}: the question */
	char *rated_good, *rated_bad;
	char *examples;         /* heading of the rated examples */
	char *example;          /* {n}, {rating}, {question}, {answer} */
	double temperature;
	int max_tokens;
	int history_turns;      /* earlier exchanges of a session sent along */
};

/* Load the profile at path; with path NULL, the installed profile when
 * present, else the built-in copy. *out is freed by vd_profile_free.
 * Errors name the file, and the line where there is one: VD_EUSAGE for a
 * bad file, VD_EDB when it cannot be read. */
int vd_profile_load(const char *path, struct vd_profile **out);

/* Parse a profile from memory (name is used in messages and kept). */
int vd_profile_parse(const char *text, size_t len, const char *name,
    struct vd_profile **out);
void vd_profile_free(struct vd_profile *p);

/* tmpl with every "{key}" of keys[i] replaced by vals[i], literally (never
 * through printf: a question may hold any text); n pairs. A malloc'd
 * string the caller frees, NULL when out of memory. */
char *vd_profile_fill(const char *tmpl, const char *const *keys,
    const char *const *vals, size_t n);

/* The default answer to question, malloc'd for the caller (NULL: out of
 * memory). */
char *vd_profile_default_answer(const struct vd_profile *p, const char *question);

/* The default profile's text, built in (generated from data/profile). */
extern const char vd_profile_default[];

#endif
