/* Memory-bandwidth reference for make bench: the time of one plain pass
 * over N bytes already in memory (best of 5), what any scan of that many
 * vector bytes costs at least. Usage: membw BYTES */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 0, i;
	double best = 1e9;
	uint64_t *p, sum = 0;
	int r;

	if (n < 8 || !(p = malloc(n)))
		return 2;
	memset(p, 1, n);
	for (r = 0; r < 5; r++) {
		struct timespec a, b;

		clock_gettime(CLOCK_MONOTONIC, &a);
		for (i = 0; i < n / 8; i++)
			sum += p[i];
		clock_gettime(CLOCK_MONOTONIC, &b);
		if ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9 < best)
			best = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	}
	printf("%.1f ms (%.1f GB/s)%s\n", best * 1e3, n / best / 1e9, sum == 42 ? " " : "");
	return 0;
}
