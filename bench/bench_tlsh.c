/*
 * TLSH throughput and distance cost.  Prints numbers, never fails on time.
 * Hashing runs over 10 MiB buffers, each contender several times,
 * interleaved with a transcription of the reference's loop, so the ratio
 * holds even on a busy or throttled machine; "best" is the fastest run and
 * the median is shown beside it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tlsh.h"
#include "tlsh_tables.h"

#define BUF_SIZE	(10 * 1024 * 1024)
#define RUNS		9
#define DIGESTS		300
#define DIFFS		1000000

static volatile unsigned int	 sink;

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static void
fill_random(uint8_t *p, size_t n, uint64_t seed)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(xorshift(&seed) >> 24);
}

static void
fill_text(uint8_t *p, size_t n, uint64_t seed)
{
	static const char	*words[] = { "the ", "of ", "and ", "to ",
				    "a ", "in ", "is ", "that ", "water ",
				    "people ", "number ", "London, ", "sound ",
				    "mountain ", "2024 ", "question. ", "\n\n",
				    "Please ", "confirm ", "account " };
	size_t			 i = 0;
	const char		*w;

	while (i < n) {
		w = words[xorshift(&seed) % (sizeof(words) / sizeof(words[0]))];
		while (*w != '\0' && i < n)
			p[i++] = (uint8_t)*w++;
	}
}

/*
 * The baseline: a straight transcription of the reference's per-byte loop
 * (raw_fast_update5 of TLSH 4.12.1, docs/tlsh.md and the format notes):
 * the window read back from the buffer at every position, and every bucket
 * index as three Pearson lookups from T[salt] (fast_b_mapping).  The
 * reference's final() and hex output are negligible at 10 MiB.
 */
#define T(x)	tlsh_pearson[(x)]

static unsigned int
fast_b_mapping(unsigned int ms, unsigned int i, unsigned int j,
    unsigned int k)
{
	return T(T(T(ms ^ i) ^ j) ^ k);
}

static unsigned int
reference_update(const uint8_t *data, size_t n)
{
	static uint32_t	 bucket[256];
	unsigned int	 a0, a1, a2, a3, a4, checksum = 0;
	size_t		 i;

	memset(bucket, 0, sizeof(bucket));
	for (i = 4; i < n; i++) {
		a0 = data[i];
		a1 = data[i - 1];
		a2 = data[i - 2];
		a3 = data[i - 3];
		a4 = data[i - 4];
		checksum = fast_b_mapping(1, a0, a1, checksum);
		bucket[fast_b_mapping(49, a0, a1, a2)]++;
		bucket[fast_b_mapping(12, a0, a1, a3)]++;
		bucket[fast_b_mapping(178, a0, a2, a3)]++;
		bucket[fast_b_mapping(166, a0, a2, a4)]++;
		bucket[fast_b_mapping(84, a0, a1, a4)]++;
		bucket[fast_b_mapping(230, a0, a3, a4)]++;
	}
	return checksum + bucket[0];
}

/*
 * The same loop with the window kept in variables, as an optimising
 * compiler cannot do for the reference (bucket stores may alias the data).
 */
static unsigned int
register_window_update(const uint8_t *data, size_t n)
{
	static uint32_t	 bucket[256];
	unsigned int	 a0, a1 = data[3], a2 = data[2], a3 = data[1];
	unsigned int	 a4 = data[0], checksum = 0;
	size_t		 i;

	memset(bucket, 0, sizeof(bucket));
	for (i = 4; i < n; i++) {
		a0 = data[i];
		checksum = fast_b_mapping(1, a0, a1, checksum);
		bucket[fast_b_mapping(49, a0, a1, a2)]++;
		bucket[fast_b_mapping(12, a0, a1, a3)]++;
		bucket[fast_b_mapping(178, a0, a2, a3)]++;
		bucket[fast_b_mapping(166, a0, a2, a4)]++;
		bucket[fast_b_mapping(84, a0, a1, a4)]++;
		bucket[fast_b_mapping(230, a0, a3, a4)]++;
		a4 = a3;
		a3 = a2;
		a2 = a1;
		a1 = a0;
	}
	return checksum + bucket[0];
}

/*
 * The contenders run interleaved, so that a burst of load from other
 * processes hits all of them alike; the fastest run is the least disturbed.
 */
static void
bench_hash(const char *what, const uint8_t *buf, size_t n)
{
	double	 t[4][RUNS], best[4], med[4], start;
	char	 out[TLSH_STRING_SIZE];
	int	 r, k;

	for (r = 0; r < RUNS; r++) {
		for (k = 0; k < 2; k++) {
			start = now();
			tlsh_hash(buf, n, k, 0, out);
			t[k][r] = now() - start;
		}
		start = now();
		sink = reference_update(buf, n);
		t[2][r] = now() - start;
		start = now();
		sink = register_window_update(buf, n);
		t[3][r] = now() - start;
	}
	for (k = 0; k < 4; k++) {
		med[k] = n / median(t[k], RUNS) / 1e6;
		best[k] = n / t[k][0] / 1e6;	/* sorted by median() */
	}
	printf("tlsh %s 10 MiB, MB/s best (median):\n"
	    "  ours: reference flavour %.0f (%.0f), guardian %.0f (%.0f)\n"
	    "  reference loop %.0f (%.0f): ours x%.2f (x%.2f)\n"
	    "  register-window loop %.0f (%.0f): ours x%.2f (x%.2f)\n",
	    what, best[0], med[0], best[1], med[1],
	    best[2], med[2], best[0] / best[2], med[0] / med[2],
	    best[3], med[3], best[0] / best[3], med[0] / med[3]);
}

/* Body distance through the 256x256 byte-pair table, for comparison. */
static uint8_t	 pair_table[256][256];

static void
build_pair_table(void)
{
	static const unsigned int	 score[4] = { 0, 1, 2, 6 };
	unsigned int			 a, b, k, x, y, s;

	for (a = 0; a < 256; a++)
		for (b = 0; b < 256; b++) {
			for (s = 0, k = 0; k < 8; k += 2) {
				x = (a >> k) & 3;
				y = (b >> k) & 3;
				s += score[x > y ? x - y : y - x];
			}
			pair_table[a][b] = (uint8_t)s;
		}
}

static int
mod_diff(int x, int y, int range)
{
	int	 d = x > y ? x - y : y - x;

	return d < range - d ? d : range - d;
}

static int
table_distance(const struct tlsh_digest *a, const struct tlsh_digest *b)
{
	int	 i, d, diff;

	d = mod_diff(a->lvalue, b->lvalue, 256);
	diff = d <= 1 ? d : d * 12;
	d = mod_diff(a->q1ratio, b->q1ratio, 16);
	diff += d <= 1 ? d : (d - 1) * 12;
	d = mod_diff(a->q2ratio, b->q2ratio, 16);
	diff += d <= 1 ? d : (d - 1) * 12;
	diff += a->checksum != b->checksum;
	for (i = 0; i < TLSH_BODY_BYTES; i++)
		diff += pair_table[a->body[i]][b->body[i]];
	return diff;
}

static void
bench_distance(void)
{
	struct tlsh_digest	*d;
	uint8_t			*buf;
	char			 s[TLSH_STRING_SIZE];
	double			 t[2][RUNS], best[2], med[2], start;
	unsigned int		 acc;
	int			 n = 0, i, r, k;
	uint64_t		 seed = 42;

	d = calloc(DIGESTS, sizeof(*d));
	buf = malloc(20000);
	if (d == NULL || buf == NULL)
		exit(1);
	/* Distinct digests of assorted random and text inputs. */
	while (n < DIGESTS) {
		size_t	 len = 200 + xorshift(&seed) % 19000;

		if (n % 2)
			fill_text(buf, len, seed);
		else
			fill_random(buf, len, seed);
		if (tlsh_hash(buf, len, TLSH_GUARDIAN, 0, s) == 0 &&
		    tlsh_parse(s, &d[n]) == 0)
			n++;
	}
	build_pair_table();
	for (r = 0; r < RUNS; r++) {
		acc = 0;
		start = now();
		for (i = 0; i < DIFFS; i++)
			acc += tlsh_distance(&d[i % DIGESTS],
			    &d[(i + 1 + i / DIGESTS) % DIGESTS], 1);
		t[0][r] = now() - start;
		start = now();
		for (i = 0; i < DIFFS; i++)
			acc += table_distance(&d[i % DIGESTS],
			    &d[(i + 1 + i / DIGESTS) % DIGESTS]);
		t[1][r] = now() - start;
		sink = acc;
	}
	for (k = 0; k < 2; k++) {
		med[k] = median(t[k], RUNS) * 1e9 / DIFFS;
		best[k] = t[k][0] * 1e9 / DIFFS;
	}
	printf("tlsh distance, ns per call best (median): %.1f (%.1f); "
	    "byte-pair table %.1f (%.1f) (%d digests, %d calls, rotating "
	    "pairs)\n", best[0], med[0], best[1], med[1], DIGESTS, DIFFS);
	free(buf);
	free(d);
}

int
main(void)
{
	uint8_t	*buf;

	if ((buf = malloc(BUF_SIZE)) == NULL)
		return 1;
	fill_random(buf, BUF_SIZE, 1);
	bench_hash("random", buf, BUF_SIZE);
	fill_text(buf, BUF_SIZE, 2);
	bench_hash("text", buf, BUF_SIZE);
	free(buf);
	bench_distance();
	return 0;
}
