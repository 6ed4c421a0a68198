/* What kind of answer a question asks for, from its interrogative words
 * (vd_question_kind.c): "как" asks for a way, "почему" for a reason,
 * "можно ли" for a yes or no. */
#ifndef VD_QUESTION_KIND_H
#define VD_QUESTION_KIND_H

/* The kind of the folded word as one bit (VD_KIND_*), 0 for a word that
 * asks for nothing; a question's kinds are its words' bits or'ed. */
enum {
	VD_KIND_HOW = 1 << 0, VD_KIND_WHY = 1 << 1, VD_KIND_CAN = 1 << 2,
	VD_KIND_YES_NO = 1 << 3, VD_KIND_WHAT = 1 << 4, VD_KIND_WHO = 1 << 5,
	VD_KIND_WHERE = 1 << 6, VD_KIND_WHEN = 1 << 7, VD_KIND_HOW_MUCH = 1 << 8,
	VD_KIND_WHICH = 1 << 9
};

unsigned vd_question_kind(const char *word);

/* How far apart two questions' kinds are: 1 - |a & b| / |a | b| (0 the
 * same kinds, 1 none shared), 0 when either asks nothing known. */
double vd_question_kind_mismatch(unsigned a, unsigned b);

#endif
