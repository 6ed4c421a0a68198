/* Function words of Russian and English (vd_stopwords.c), left out of
 * the built-in embedder's word features. */
#ifndef VD_STOPWORDS_H
#define VD_STOPWORDS_H

/* Is the folded word a function word ("как", "the")? */
int vd_text_is_stopword(const char *word);

#endif
