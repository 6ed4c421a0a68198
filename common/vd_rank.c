#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vd_error.h"
#include "vd_hash.h"
#include "vd_question_kind.h"
#include "vd_rank.h"
#include "vd_stopwords.h"
#include "vd_text.h"

/* The weights of the evidence added to a neighbour's vector score, chosen
 * on one half of the rutube questions (split by FAQ entry) and confirmed
 * on the other, each over 4 hash seeds (README, "Ranking"): BM25 over the
 * stems of question and answer, scaled by the best neighbour's, adds
 * 0.022 to accuracy@1 on both halves; the exact TF-IDF cosine of the
 * character 2-4-grams and stems another 0.004. */
#define BM25_WEIGHT 0.1
#define COSINE_WEIGHT 0.3
#define BM25_K1 1.2
#define BM25_B 0.75
#define NGRAM_MIN 2
#define NGRAM_MAX 4
/* A learned exchange pairs a user's question with an answer; users'
 * questions resemble one another by their manner ("Здравствуйте,
 * подскажите, почему у меня...") as much as by their topic, so one about
 * topic X outscored the curated entry of topic Y for a question about Y.
 * A learned exchange counts LEARNED_DISCOUNT less than a curated one, and
 * gets back LEARNED_QUESTION_WEIGHT times the cosine of the words its
 * question shares with the new one, each weighed by how rare it is among
 * the neighbours' questions (question_cosine): another phrasing of the
 * same topic shares the topic's words, another topic in the same manner
 * shares words every question has, which weigh nothing. Over hash seeds
 * 0-3, learning one half of the rutube FAQ entries cost the other half
 * 0.005 and 0.010 (a fixed 0.05 discount: 0.013 and 0.023) for a round-2
 * gain of +0.082 (+0.088); the figures are flat for discounts 0.11-0.125
 * and weights 0.15-0.2 (README, "Ranking and safe learning"). */
#define LEARNED_DISCOUNT 0.12
#define LEARNED_QUESTION_WEIGHT 0.2
/* A curated question says what its answer answers by its interrogative
 * words: "Как удалить канал?" is answered by a way, "Можно ли удалить
 * канал?" by a yes or no, "Почему удалили канал?" by a reason. A curated
 * neighbour whose question asks for another kind of answer than the new
 * one (vd_question_kind.h) loses KIND_WEIGHT times the share of kinds
 * they do not share; a question without an interrogative word loses
 * nothing. Learned exchanges are left alone: a user's question is as
 * often put one way as another, and question_cosine (function words
 * included) already judges it. Over hash seeds 0-3 of rutube: accuracy
 * +0.011 (each half of the FAQ entries gained, at 0.03-0.1 alike),
 * round-2 gain unchanged, the second cross-topic drop 0.010 -> 0.017
 * (answers learning used to add, the kinds now give without it);
 * banking77 unchanged (README, "Ranking"). */
#define KIND_WEIGHT 0.045
/* A neighbour near many of the other neighbours (vd_crowding.h: the mean
 * cosine with the 5 nearest of them) is near the question partly because
 * it is near everything there, the way a "hub" is in nearest-neighbour
 * search (Radovanovic et al., 2010; the CSLS correction of Conneau et
 * al., 2018, with the neighbours as the neighbourhood): a user's question
 * put in the manner every user asks in, a generic FAQ entry. Each loses
 * CROWDING_WEIGHT times its crowding. Over hash seeds 0-3 of rutube the
 * cross-topic drops went 0.006 / 0.017 -> 0.003 / 0.007 and round 2
 * +0.082 -> +0.086, for accuracy 0.466 -> 0.462; on four other random
 * splits of the FAQ questions the mean drop halved (0.0072 -> 0.0039;
 * README, "Ranking and safe learning"). */
#define CROWDING_WEIGHT 0.1

/* A text's features as sorted (key, count) runs: every feature (stems and
 * n-grams) for the cosine, the stems alone for BM25. */
struct bag {
	uint64_t *key;
	unsigned *cnt;
	size_t n, cap;
};

struct doc {
	struct bag all, stems;
	struct bag words;       /* every word's stem, function words too
	                         * (questions only: question_cosine) */
	size_t nstems;          /* words, for BM25's length */
	unsigned kinds;         /* what its interrogative words ask for */
};

struct vd_ranker {
	struct vd_text *text;
	struct doc *cur;        /* the document being filled */
	int words;              /* fill its words bag too; 2: that bag alone */
	int oom;
};

/* A feature's key: its kind ('w' stem, 'c' n-gram) and its text. */
static uint64_t
feature_key(char kind, const char *s, size_t n)
{
	return vd_fnv1a(vd_fnv1a(VD_FNV_OFFSET, &kind, 1), s, n);
}

int
vd_ranker_new(struct vd_ranker **out)
{
	struct vd_ranker *r = calloc(1, sizeof *r);

	*out = NULL;
	if (!r || !(r->text = vd_text_new())) {
		free(r);
		return vd_error(VD_ENOMEM, "out of memory");
	}
	*out = r;
	return VD_OK;
}

void
vd_ranker_free(struct vd_ranker *r)
{
	if (!r)
		return;
	vd_text_free(r->text);
	free(r);
}

static void
bag_free(struct bag *b)
{
	free(b->key);
	free(b->cnt);
	memset(b, 0, sizeof *b);
}

static int
bag_add(struct bag *b, uint64_t key)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		uint64_t *k = realloc(b->key, cap * sizeof *k);

		if (!k)
			return -1;
		b->key = k;
		b->cap = cap;
	}
	b->key[b->n++] = key;
	return 0;
}

/* Sift a[i] down the max-heap a[0..n). */
static void
sift(uint64_t *a, size_t i, size_t n)
{
	uint64_t v = a[i];
	size_t c;

	while ((c = 2 * i + 1) < n) {
		if (c + 1 < n && a[c + 1] > a[c])
			c++;
		if (a[c] <= v)
			break;
		a[i] = a[c];
		i = c;
	}
	a[i] = v;
}

/* Sort the keys ascending: plain integers, so compared inline (qsort's
 * call a comparison was a quarter of the ranking's instructions): by
 * insertion when few, else a heap sort. Any order of equal keys is the
 * same bag, so the scores do not depend on it. */
static void
sort_keys(uint64_t *a, size_t n)
{
	size_t i, j;
	uint64_t v;

	if (n <= 16) {
		for (i = 1; i < n; i++) {
			for (v = a[i], j = i; j > 0 && a[j - 1] > v; j--)
				a[j] = a[j - 1];
			a[j] = v;
		}
		return;
	}
	for (i = n / 2; i-- > 0;)
		sift(a, i, n);
	for (i = n; --i > 0;) {
		v = a[0];
		a[0] = a[i];
		a[i] = v;
		sift(a, 0, i);
	}
}

/* Sort the keys and count repeats: the bag becomes its distinct keys. */
static int
bag_runs(struct bag *b)
{
	size_t i, m = 0;

	if (b->n == 0)
		return 0;
	if (!(b->cnt = malloc(b->n * sizeof *b->cnt)))
		return -1;
	sort_keys(b->key, b->n);
	for (i = 0; i < b->n; i++) {
		if (m > 0 && b->key[m - 1] == b->key[i]) {
			b->cnt[m - 1]++;
			continue;
		}
		b->key[m] = b->key[i];
		b->cnt[m++] = 1;
	}
	b->n = m;
	return 0;
}

static unsigned
bag_count(const struct bag *b, uint64_t key)
{
	size_t lo = 0, hi = b->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (b->key[mid] < key)
			lo = mid + 1;
		else if (b->key[mid] > key)
			hi = mid;
		else
			return b->cnt[mid];
	}
	return 0;
}

static void
gram_feature(const char *gram, size_t n, void *arg)
{
	struct vd_ranker *r = arg;

	if (bag_add(&r->cur->all, feature_key('c', gram, n)))
		r->oom = 1;
}

/* A word's features: its stem, and the character 2- to 4-grams of the
 * folded word with boundary marks; function words have none. */
static void
word_features(const char *stem, size_t stemlen, const char *word, size_t wordlen,
    void *arg)
{
	struct vd_ranker *r = arg;
	struct doc *d = r->cur;
	uint64_t h = feature_key('w', stem, stemlen);

	/* the query's and the questions' alone, as their words bag: an
	 * answer's kinds are never read */
	if (r->words) {
		d->kinds |= vd_question_kind(word);
		if (bag_add(&d->words, h))
			r->oom = 1;
	}
	if (r->words == 2 || vd_text_is_stopword(word))
		return;
	d->nstems++;
	if (bag_add(&d->all, h) || bag_add(&d->stems, h))
		r->oom = 1;
	else
		vd_text_ngrams(word, wordlen, NGRAM_MIN, NGRAM_MAX, gram_feature, r);
}

static int
doc_fill(struct vd_ranker *r, struct doc *d, const char *text, int words)
{
	r->cur = d;
	r->words = words;
	vd_text_words(r->text, text, word_features, r);
	if (r->oom || bag_runs(&d->all) || bag_runs(&d->stems) || bag_runs(&d->words))
		return -1;
	return 0;
}

static void
doc_free(struct doc *d)
{
	bag_free(&d->all);
	bag_free(&d->stems);
	bag_free(&d->words);
}

/* Document frequencies among the neighbours' texts: an open-addressing
 * table of the distinct keys of every document. */
struct dftab {
	uint64_t *key;
	unsigned *df;
	size_t mask;
};

static int
df_init(struct dftab *t, size_t nkeys)
{
	size_t size = 64;

	while (size < 2 * nkeys)
		size *= 2;
	t->mask = size - 1;
	t->key = calloc(size, sizeof *t->key);
	t->df = calloc(size, sizeof *t->df);
	return t->key && t->df ? 0 : -1;
}

/* The slot of key (key 0 marks an empty slot: FNV-1a of a kind and a text is never 0 in practice). */
static size_t
df_slot(const struct dftab *t, uint64_t key)
{
	size_t i = (size_t)(key ^ key >> 29) & t->mask;

	while (t->key[i] && t->key[i] != key)
		i = (i + 1) & t->mask;
	return i;
}

static void
df_add(struct dftab *t, const struct bag *b)
{
	size_t i, s;

	for (i = 0; i < b->n; i++) {
		s = df_slot(t, b->key[i]);
		t->key[s] = b->key[i];
		t->df[s]++;
	}
}

static unsigned
df_of(const struct dftab *t, uint64_t key)
{
	return t->df[df_slot(t, key)];
}

static double
idf(const struct dftab *t, uint64_t key, double ndocs)
{
	/* smoothed, as scikit-learn's TfidfVectorizer */
	return log((ndocs + 1) / (df_of(t, key) + 1.0)) + 1;
}

static double
tfidf(unsigned count, const struct dftab *t, uint64_t key, double ndocs)
{
	return (1 + log((double)count)) * idf(t, key, ndocs);
}

/* The cosine between the query and a neighbour's question and answer
 * taken as one text. */
static double
cosine(const struct doc *q, const struct doc *qd, const struct doc *ad,
    const struct dftab *t, double ndocs, double qnorm)
{
	const struct bag *x = &qd->all, *y = &ad->all;
	double dot = 0, norm = 0, w;
	size_t i = 0, j = 0;

	/* merge the two sorted bags: each key once, with both counts */
	while (i < x->n || j < y->n) {
		uint64_t key;
		unsigned c = 0;

		if (j == y->n || (i < x->n && x->key[i] <= y->key[j]))
			key = x->key[i];
		else
			key = y->key[j];
		if (i < x->n && x->key[i] == key)
			c += x->cnt[i++];
		if (j < y->n && y->key[j] == key)
			c += y->cnt[j++];
		w = tfidf(c, t, key, ndocs);
		norm += w * w;
		if ((c = bag_count(&q->all, key)))
			dot += w * tfidf(c, t, key, ndocs);
	}
	return norm > 0 && qnorm > 0 ? dot / sqrt(norm) / qnorm : 0;
}

/* A word's weight in question_cosine: sublinear count times the
 * unsmoothed rarity among the n questions. */
static double
question_weight(unsigned count, const struct dftab *t, uint64_t key, double ndocs)
{
	return (1 + log((double)count)) * log((ndocs + 1) / (df_of(t, key) + 1.0));
}

/* The cosine between the words of the query and of a neighbour's
 * question (stems, function words too: "как", "когда", "почему" say what
 * kind of question it is), each weighed by how rare it is among the
 * neighbours' questions, unsmoothed: what every question says
 * ("подскажите, у меня") weighs nothing, the topic's words are left. */
static double
question_cosine(const struct doc *q, const struct doc *qd, const struct dftab *t, double ndocs,
    double qnorm)
{
	double dot = 0, norm = 0, w;
	size_t i;
	unsigned c;

	for (i = 0; i < qd->words.n; i++) {
		w = question_weight(qd->words.cnt[i], t, qd->words.key[i], ndocs);
		norm += w * w;
		if ((c = bag_count(&q->words, qd->words.key[i])))
			dot += w * question_weight(c, t, qd->words.key[i], ndocs);
	}
	return norm > 0 && qnorm > 0 ? dot / sqrt(norm) / qnorm : 0;
}

/* Okapi BM25 of the query's stems over a neighbour's question and answer,
 * with the statistics of the neighbours alone. */
static double
bm25(const struct doc *q, const struct doc *qd, const struct doc *ad,
    const struct dftab *sdf, double n, double avglen)
{
	double s = 0, len = (double)(qd->nstems + ad->nstems);
	size_t i;

	for (i = 0; i < q->stems.n; i++) {
		uint64_t key = q->stems.key[i];
		double tf = bag_count(&qd->stems, key) + bag_count(&ad->stems, key), df;

		if (tf == 0)
			continue;
		df = df_of(sdf, key);
		s += log(1 + (n - df + 0.5) / (df + 0.5)) * tf * (BM25_K1 + 1) /
		    (tf + BM25_K1 * (1 - BM25_B + BM25_B * len / avglen));
	}
	return s;
}

int
vd_ranker_rank(struct vd_ranker *r, const char *query, struct vd_similar *sim, size_t n)
{
	struct doc *d;
	struct dftab df = { 0 }, sdf = { 0 }, qdf = { 0 };
	double *bm = NULL, best = 0, qnorm = 0, qwnorm = 0, avglen = 0;
	size_t i, nkeys = 0, nstems = 0, nwords = 0;
	int rc = VD_OK;

	for (i = 0; i < n; i++)
		sim[i].rank = sim[i].score - (sim[i].learned ? LEARNED_DISCOUNT : 0);
	if (n == 0)
		return VD_OK;
	/* d[0] the query, then each neighbour's question and answer */
	r->oom = 0;
	if (!(d = calloc(2 * n + 1, sizeof *d)) || !(bm = malloc(n * sizeof *bm)) ||
	    doc_fill(r, &d[0], query, 1)) {
		rc = vd_error(VD_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (doc_fill(r, &d[2 * i + 1], sim[i].message, 1) ||
		    doc_fill(r, &d[2 * i + 2], sim[i].answer, 0)) {
			rc = vd_error(VD_ENOMEM, "out of memory");
			goto out;
		}
		nkeys += d[2 * i + 1].all.n + d[2 * i + 2].all.n;
		nstems += d[2 * i + 1].stems.n + d[2 * i + 2].stems.n;
		nwords += d[2 * i + 1].words.n;
		avglen += (double)(d[2 * i + 1].nstems + d[2 * i + 2].nstems) / (double)n;
	}
	if (df_init(&df, nkeys) || df_init(&sdf, nstems) || df_init(&qdf, nwords + d[0].words.n)) {
		rc = vd_error(VD_ENOMEM, "out of memory");
		goto out;
	}
	/* how rare a feature is among these texts (questions and answers
	 * apart): what every neighbour shares tells them apart no more than
	 * the vector score already did */
	for (i = 1; i <= 2 * n; i++)
		df_add(&df, &d[i].all);
	/* the questions alone, the query's among them, for the learned
	 * exchanges' question cosine */
	for (i = 0; i <= n; i++)
		df_add(&qdf, &d[i ? 2 * i - 1 : 0].words);
	/* BM25's documents are the neighbours, question and answer as one */
	for (i = 0; i < n; i++) {
		struct bag *x = &d[2 * i + 1].stems, *y = &d[2 * i + 2].stems;
		size_t j, s;

		df_add(&sdf, x);
		for (j = 0; j < y->n; j++)
			if (!bag_count(x, y->key[j])) {
				s = df_slot(&sdf, y->key[j]);
				sdf.key[s] = y->key[j];
				sdf.df[s]++;
			}
	}
	for (i = 0; i < d[0].all.n; i++) {
		double w = tfidf(d[0].all.cnt[i], &df, d[0].all.key[i], 2.0 * (double)n);

		qnorm += w * w;
	}
	qnorm = sqrt(qnorm);
	/* the query's norm for question_cosine, once */
	for (i = 0; i < d[0].words.n; i++) {
		double w = question_weight(d[0].words.cnt[i], &qdf, d[0].words.key[i],
		    (double)n + 1);

		qwnorm += w * w;
	}
	qwnorm = sqrt(qwnorm);
	for (i = 0; i < n; i++) {
		bm[i] = avglen > 0 ? bm25(&d[0], &d[2 * i + 1], &d[2 * i + 2], &sdf, (double)n,
		    avglen) : 0;
		if (bm[i] > best)
			best = bm[i];
	}
	for (i = 0; i < n; i++) {
		double *lex = sim[i].lex;

		lex[VD_LEX_COSINE] = cosine(&d[0], &d[2 * i + 1], &d[2 * i + 2], &df,
		    2.0 * (double)n, qnorm);
		lex[VD_LEX_BM25] = best > 0 ? bm[i] / best : 0;
		lex[VD_LEX_QCOSINE] = question_cosine(&d[0], &d[2 * i + 1], &qdf, (double)n + 1,
		    qwnorm);
		lex[VD_LEX_KIND] = vd_question_kind_mismatch(d[0].kinds, d[2 * i + 1].kinds);
		sim[i].rank += COSINE_WEIGHT * lex[VD_LEX_COSINE] + BM25_WEIGHT * lex[VD_LEX_BM25] -
		    CROWDING_WEIGHT * sim[i].crowding;
		if (sim[i].learned)
			sim[i].rank += LEARNED_QUESTION_WEIGHT * lex[VD_LEX_QCOSINE];
		else
			sim[i].rank -= KIND_WEIGHT * lex[VD_LEX_KIND];
	}
out:
	if (d)
		for (i = 0; i < 2 * n + 1; i++)
			doc_free(&d[i]);
	free(d);
	free(bm);
	free(df.key);
	free(df.df);
	free(sdf.key);
	free(sdf.df);
	free(qdf.key);
	free(qdf.df);
	return rc;
}

struct vd_question_words {
	struct doc *d;
	size_t n;
	struct dftab df;
	double *norm;
};

void
vd_question_words_free(struct vd_question_words *w)
{
	size_t i;

	if (!w)
		return;
	if (w->d)
		for (i = 0; i < w->n; i++)
			doc_free(&w->d[i]);
	free(w->d);
	free(w->df.key);
	free(w->df.df);
	free(w->norm);
	free(w);
}

int
vd_question_words_new(struct vd_ranker *r, const char *const *texts, size_t n,
    struct vd_question_words **out)
{
	struct vd_question_words *w = calloc(1, sizeof *w);
	size_t i, j, nwords = 0;

	*out = NULL;
	r->oom = 0;
	if (!w || !(w->d = calloc(n ? n : 1, sizeof *w->d)) ||
	    !(w->norm = calloc(n ? n : 1, sizeof *w->norm)))
		goto oom;
	w->n = n;
	for (i = 0; i < n; i++) {
		if (doc_fill(r, &w->d[i], texts[i], 2))
			goto oom;
		nwords += w->d[i].words.n;
	}
	if (df_init(&w->df, nwords))
		goto oom;
	for (i = 0; i < n; i++)
		df_add(&w->df, &w->d[i].words);
	for (i = 0; i < n; i++) {
		for (j = 0; j < w->d[i].words.n; j++) {
			double x = question_weight(w->d[i].words.cnt[j], &w->df,
			    w->d[i].words.key[j], (double)n);

			w->norm[i] += x * x;
		}
		w->norm[i] = sqrt(w->norm[i]);
	}
	*out = w;
	return VD_OK;
oom:
	vd_question_words_free(w);
	return vd_error(VD_ENOMEM, "out of memory");
}

double
vd_question_words_cosine(const struct vd_question_words *w, size_t i, size_t j)
{
	return question_cosine(&w->d[i], &w->d[j], &w->df, (double)w->n, w->norm[i]);
}
