/*
 * TLSH throughput and distance cost.  Prints numbers, never fails on time.
 * Each hashing figure is the median of several runs over a 10 MiB buffer;
 * "plain" is the textbook loop measured in the same run, so the ratio holds
 * even on a busy or throttled machine.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tlsh.h"
#include "tlsh_tables.h"

#define BUF_SIZE	(10 * 1024 * 1024)
#define RUNS		7
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
 * The textbook loop, as the reference's fast path does it: the window in
 * variables, T[salt] precomputed, three Pearson steps per bucket.
 */
#define T(x)	tlsh_pearson[(x)]
#define MAP3(ms, a, b, c)	T(T(T((ms) ^ (a)) ^ (b)) ^ (c))
static unsigned int
plain_update(const uint8_t *p, size_t n)
{
	static uint32_t	 b[256];
	unsigned int	 c0, c1 = p[3], c2 = p[2], c3 = p[1], c4 = p[0];
	unsigned int	 cs = 0;
	size_t		 i;

	memset(b, 0, sizeof(b));
	for (i = 4; i < n; i++) {
		c0 = p[i];
		cs = MAP3(1, c0, c1, cs);
		b[MAP3(49, c0, c1, c2)]++;
		b[MAP3(12, c0, c1, c3)]++;
		b[MAP3(178, c0, c2, c3)]++;
		b[MAP3(166, c0, c2, c4)]++;
		b[MAP3(84, c0, c1, c4)]++;
		b[MAP3(230, c0, c3, c4)]++;
		c4 = c3;
		c3 = c2;
		c2 = c1;
		c1 = c0;
	}
	return cs + b[0];
}

static void
bench_hash(const char *what, const uint8_t *buf, size_t n)
{
	double	 t[RUNS], start;
	char	 out[TLSH_STRING_SIZE];
	int	 r, fl;
	double	 mine[2], plain;

	for (fl = 0; fl <= 1; fl++) {
		for (r = 0; r < RUNS; r++) {
			start = now();
			tlsh_hash(buf, n, fl, 0, out);
			t[r] = now() - start;
		}
		mine[fl] = n / median(t, RUNS) / 1e6;
	}
	for (r = 0; r < RUNS; r++) {
		start = now();
		sink = plain_update(buf, n);
		t[r] = now() - start;
	}
	plain = n / median(t, RUNS) / 1e6;
	printf("tlsh %-6s 10 MiB: reference %6.1f MB/s, guardian %6.1f MB/s; "
	    "plain loop %6.1f MB/s (x%.2f)\n", what, mine[0], mine[1], plain,
	    mine[0] / plain);
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
	double			 t[RUNS], start, mine, table;
	unsigned int		 acc;
	int			 n = 0, i, r;
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
		t[r] = now() - start;
		sink = acc;
	}
	mine = median(t, RUNS) * 1e9 / DIFFS;
	for (r = 0; r < RUNS; r++) {
		acc = 0;
		start = now();
		for (i = 0; i < DIFFS; i++)
			acc += table_distance(&d[i % DIGESTS],
			    &d[(i + 1 + i / DIGESTS) % DIGESTS]);
		t[r] = now() - start;
		sink = acc;
	}
	table = median(t, RUNS) * 1e9 / DIFFS;
	printf("tlsh distance: %.1f ns per call (%d digests, %d calls, "
	    "rotating pairs); byte-pair table %.1f ns\n", mine, DIGESTS, DIFFS,
	    table);
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
