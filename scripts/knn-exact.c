/* The exact nearest neighbours for the search bench's recall: every
 * stored float32 vector of MODEL scored against each query exchange's
 * (log ids on stdin, itself left out), by a plain scan in one pass.
 * Prints one line a query: its log id, the K-th best exact score, then
 * the K best log ids. Usage: knn-exact DB MODEL K <ids */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXQ 1000

struct top {
	long long id[64];
	float s[64];
	int n;
};

static void
keep(struct top *t, int k, long long id, float s)
{
	int j;

	if (t->n == k && !(s > t->s[k - 1] || (s == t->s[k - 1] && id < t->id[k - 1])))
		return;
	j = t->n < k ? t->n++ : k - 1;
	while (j > 0 && (s > t->s[j - 1] || (s == t->s[j - 1] && id < t->id[j - 1]))) {
		t->s[j] = t->s[j - 1];
		t->id[j] = t->id[j - 1];
		j--;
	}
	t->s[j] = s;
	t->id[j] = id;
}

int
main(int argc, char **argv)
{
	static long long qid[MAXQ];
	static struct top top[MAXQ];
	float *q = NULL;
	sqlite3 *db;
	sqlite3_stmt *st;
	int k, nq = 0, dim = 0, i, j, d;

	if (argc != 4 || (k = atoi(argv[3])) < 1 || k > 64)
		return fprintf(stderr, "usage: knn-exact DB MODEL K <ids\n"), 2;
	while (nq < MAXQ && scanf("%lld", &qid[nq]) == 1)
		nq++;
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return fprintf(stderr, "knn-exact: %s\n", sqlite3_errmsg(db)), 1;
	sqlite3_prepare_v2(db, "SELECT dim, vector FROM embeddings WHERE model = ?1 AND log_id = ?2",
	    -1, &st, NULL);
	for (i = 0; i < nq; i++) {
		sqlite3_bind_text(st, 1, argv[2], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, qid[i]);
		if (sqlite3_step(st) != SQLITE_ROW)
			return fprintf(stderr, "knn-exact: no vector for %lld\n", qid[i]), 1;
		if (!q) {
			dim = sqlite3_column_int(st, 0);
			q = malloc(sizeof *q * (size_t)dim * nq);
		}
		memcpy(q + (size_t)i * dim, sqlite3_column_blob(st, 1), sizeof *q * (size_t)dim);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	sqlite3_prepare_v2(db, "SELECT v.log_id, v.vector FROM embeddings v JOIN exchanges x"
	    " ON x.log_id = v.log_id WHERE v.model = ?1", -1, &st, NULL);
	sqlite3_bind_text(st, 1, argv[2], -1, SQLITE_STATIC);
	while (q && sqlite3_step(st) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(st, 0);
		const float *v = sqlite3_column_blob(st, 1);

		if (sqlite3_column_bytes(st, 1) != (int)sizeof *v * dim)
			continue;
		for (i = 0; i < nq; i++) {
			const float *y = q + (size_t)i * dim;
			double s = 0;

			if (id == qid[i])
				continue;
			for (d = 0; d < dim; d++)
				s += (double)y[d] * v[d];
			keep(&top[i], k, id, (float)s);
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	for (i = 0; i < nq; i++) {
		printf("%lld %.6f", qid[i], top[i].n ? top[i].s[top[i].n - 1] : -2.0);
		for (j = 0; j < top[i].n; j++)
			printf(" %lld", top[i].id[j]);
		printf("\n");
	}
	free(q);
	return 0;
}
