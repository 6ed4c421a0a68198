/* Function words of Russian and English: they say how a question is put,
 * not what it is about, so the built-in embedder gives them little weight.
 * Folded forms (ё written е), sorted for bsearch. */
#include <stdlib.h>
#include <string.h>

#include "vd_stopwords.h"
#include "vd_text.h"

static const char *const words[] = {
	"a", "about", "all", "am", "an", "and", "any", "are", "as", "at",
	"be", "been", "but", "by", "can", "could", "did", "do", "does",
	"for", "from", "had", "has", "have", "he", "her", "his", "i", "if",
	"in", "into", "is", "it", "its", "just", "me", "my", "of", "on",
	"or", "our", "please", "she", "so", "than", "that", "the", "their",
	"them", "then", "there", "these", "they", "this", "to", "too",
	"us", "was", "we", "were", "will", "with", "would", "you", "your",
	"а", "без", "бы", "был", "была", "были", "было", "быть", "в",
	"вам", "вас", "ваш", "ваша", "ваше", "ваши", "во", "вот", "все",
	"вы", "да", "для", "до", "его", "ее", "если", "есть", "еще",
	"же", "за", "здравствуйте", "и", "из", "или", "им", "их",
	"к", "как",
	 "ко", "когда", "кто", "ли", "либо", "меня", "мне",
	 "мой", "мы", "на", "над", "нас", "не", "нет",
	"ни", "но", "ну", "о", "об", "он", "она", "они", "оно",
	"от", "по", "под", "подскажите", "пожалуйста",
	"при", "про", "с", "со", "так", "также", "то", "тоже",
	"только", "у", "уже", "чем", "что", "чтобы", "эта", "эти", "это",
	"этот", "я",
};

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
vd_text_is_stopword(const char *word)
{
	return bsearch(&word, words, sizeof words / sizeof *words, sizeof *words, cmp) != NULL;
}
