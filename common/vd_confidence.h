/* Confidence of an experience answer: a logistic model over what the
 * neighbours of a question say about its winning answer (see vasdom.5 and
 * scripts/fit-confidence). Its weights are data: data/confidence.model,
 * built in, or another file with the same names. */
#ifndef VD_CONFIDENCE_H
#define VD_CONFIDENCE_H

#include <stddef.h>

/* The signals, each a number the answer policy computes from the candidate
 * answers (vd_answer.c says how). */
enum vd_signal {
	VD_SIG_SHARE,     /* the winner's share of all candidates' support */
	VD_SIG_MARGIN,    /* its nearest exchange's score minus any other answer's */
	VD_SIG_TOP,       /* its nearest exchange's score */
	VD_SIG_VOTES,     /* log(1 + exchanges endorsing it among the neighbours) */
	VD_SIG_LEARNED,   /* 1 when only asked-and-rated exchanges endorse it */
	VD_NSIGNALS
};

/* The names used in model files and in vasdom-ask --explain. */
extern const char *const vd_signal_names[VD_NSIGNALS];

struct vd_confidence {
	double bias, w[VD_NSIGNALS];
};

/* Load a model from path, or the built-in one when path is NULL. Errors
 * name the file and line: VD_EUSAGE for a malformed file, VD_EDB when it
 * cannot be read. */
int vd_confidence_load(const char *path, struct vd_confidence *m);

/* Parse a model from text (name is used in messages). */
int vd_confidence_parse(const char *text, const char *name, struct vd_confidence *m);

/* The probability, from 0 to 1, that the answer with these signals is right. */
double vd_confidence_of(const struct vd_confidence *m, const double *signals);

/* The built-in model's text (generated from data/confidence.model). */
extern const char vd_confidence_default[];

#endif
