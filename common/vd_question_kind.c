/* Interrogative words of Russian and English and the kind of answer each
 * asks for. Language data, as the function words of vd_stopwords.c:
 * folded forms (ё written е), sorted for bsearch. */
#include <stdlib.h>
#include <string.h>

#include "vd_question_kind.h"

static const struct kind {
	const char *word;
	unsigned kind;
} kinds[] = {
	{ "can", VD_KIND_CAN }, { "could", VD_KIND_CAN }, { "how", VD_KIND_HOW },
	{ "what", VD_KIND_WHAT }, { "when", VD_KIND_WHEN }, { "where", VD_KIND_WHERE },
	{ "which", VD_KIND_WHICH }, { "who", VD_KIND_WHO }, { "whom", VD_KIND_WHO },
	{ "whose", VD_KIND_WHO }, { "why", VD_KIND_WHY }, { "где", VD_KIND_WHERE },
	{ "зачем", VD_KIND_WHY }, { "как", VD_KIND_HOW }, { "какая", VD_KIND_WHICH },
	{ "какие", VD_KIND_WHICH }, { "каким", VD_KIND_HOW },
	{ "каких", VD_KIND_WHICH }, { "какое", VD_KIND_WHICH },
	{ "какой", VD_KIND_WHICH }, { "каком", VD_KIND_WHICH },
	{ "какую", VD_KIND_WHICH }, { "когда", VD_KIND_WHEN }, { "кого", VD_KIND_WHO },
	{ "кому", VD_KIND_WHO }, { "кто", VD_KIND_WHO }, { "куда", VD_KIND_WHERE },
	{ "ли", VD_KIND_YES_NO }, { "могу", VD_KIND_CAN }, { "могут", VD_KIND_CAN },
	{ "можем", VD_KIND_CAN }, { "может", VD_KIND_CAN }, { "можно", VD_KIND_CAN },
	{ "откуда", VD_KIND_WHERE }, { "отчего", VD_KIND_WHY },
	{ "почему", VD_KIND_WHY }, { "сколько", VD_KIND_HOW_MUCH },
	{ "чего", VD_KIND_WHAT }, { "чей", VD_KIND_WHO }, { "чем", VD_KIND_WHAT },
	{ "что", VD_KIND_WHAT }, { "чье", VD_KIND_WHO }, { "чьи", VD_KIND_WHO },
	{ "чья", VD_KIND_WHO },
};

static int
cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct kind *)elem)->word);
}

unsigned
vd_question_kind(const char *word)
{
	const struct kind *k = bsearch(word, kinds, sizeof kinds / sizeof *kinds,
	    sizeof *kinds, cmp);

	return k ? k->kind : 0;
}

double
vd_question_kind_mismatch(unsigned a, unsigned b)
{
	if (!a || !b)
		return 0;
	return 1 - (double)__builtin_popcount(a & b) / __builtin_popcount(a | b);
}
