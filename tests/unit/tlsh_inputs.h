#ifndef TLSH_INPUTS_H
#define TLSH_INPUTS_H
/*
 * Rebuilds inputs of the public TLSH vector set (tests/data/tlsh/) without
 * Python: the generator draws its random bytes from SHAKE-256 and, for the
 * Lvalue boundary files, from Python's Mersenne Twister, so both are
 * re-implemented here from their specifications.  Included by test_tlsh.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VECTOR_SEED	"tlsh-public-vectors-seed-20241108"

/* Keccak-f[1600]; round constants and rotations derived, not tabulated. */
static uint64_t
rotl64(uint64_t x, unsigned int n)
{
	n &= 63;
	return n == 0 ? x : (x << n) | (x >> (64 - n));
}

static int
keccak_rc_bit(unsigned int t)
{
	unsigned int	 r = 1, i;

	for (i = 0; i < t % 255; i++) {
		r <<= 1;
		if (r & 0x100)
			r ^= 0x171;	/* x^8 + x^6 + x^5 + x^4 + 1 */
	}
	return r & 1;
}

static void
keccak_f1600(uint64_t a[25])
{
	static uint64_t		 rc[24];
	static unsigned int	 rot[25];
	static int		 ready;
	uint64_t		 c[5], d, b[25];
	unsigned int		 round, x, y, t, j, nx;

	if (!ready) {
		for (round = 0; round < 24; round++)
			for (j = 0; j <= 6; j++)
				if (keccak_rc_bit(j + 7 * round))
					rc[round] |= 1ULL << ((1U << j) - 1);
		x = 1;
		y = 0;
		for (t = 0; t < 24; t++) {
			rot[x + 5 * y] = ((t + 1) * (t + 2) / 2) % 64;
			nx = y;
			y = (2 * x + 3 * y) % 5;
			x = nx;
		}
		ready = 1;
	}
	for (round = 0; round < 24; round++) {
		for (x = 0; x < 5; x++)
			c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
		for (x = 0; x < 5; x++) {
			d = c[(x + 4) % 5] ^ rotl64(c[(x + 1) % 5], 1);
			for (y = 0; y < 5; y++)
				a[x + 5 * y] ^= d;
		}
		for (x = 0; x < 5; x++)
			for (y = 0; y < 5; y++)
				b[y + 5 * ((2 * x + 3 * y) % 5)] =
				    rotl64(a[x + 5 * y], rot[x + 5 * y]);
		for (x = 0; x < 5; x++)
			for (y = 0; y < 5; y++)
				a[x + 5 * y] = b[x + 5 * y] ^
				    (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
		a[0] ^= rc[round];
	}
}

/* SHAKE-256(msg), n output bytes (little-endian lanes). */
static void
shake256(const void *msg, size_t len, uint8_t *out, size_t n)
{
	const size_t	 rate = 136;
	uint8_t		 block[136];
	uint64_t	 a[25], lane;
	const uint8_t	*m = msg;
	size_t		 i, take;

	memset(a, 0, sizeof(a));
	for (;;) {
		take = len < rate ? len : rate;
		memset(block, 0, rate);
		memcpy(block, m, take);
		if (take < rate) {
			block[take] ^= 0x1f;
			block[rate - 1] ^= 0x80;
		}
		for (i = 0; i < rate / 8; i++) {
			memcpy(&lane, block + 8 * i, 8);
			a[i] ^= lane;
		}
		keccak_f1600(a);
		if (take < rate)
			break;
		m += take;
		len -= take;
	}
	while (n > 0) {
		take = n < rate ? n : rate;
		for (i = 0; i < rate / 8; i++)
			memcpy(block + 8 * i, &a[i], 8);
		memcpy(out, block, take);
		out += take;
		n -= take;
		if (n > 0)
			keccak_f1600(a);
	}
}

/* bulk_random(label, n) of the vector generator. */
static uint8_t *
vector_bulk_random(const char *label, size_t n)
{
	char	 key[128];
	uint8_t	*p;

	snprintf(key, sizeof(key), "%s|bulk|%s", VECTOR_SEED, label);
	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	shake256(key, strlen(key), p, n);
	return p;
}

/* Python's random.Random(seed) for a seed below 2^32, and getrandbits. */
struct mt19937 {
	uint32_t	 mt[624];
	int		 index;
};

static void
mt_init_genrand(struct mt19937 *r, uint32_t s)
{
	int	 i;

	r->mt[0] = s;
	for (i = 1; i < 624; i++)
		r->mt[i] = 1812433253U * (r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) +
		    (uint32_t)i;
	r->index = 624;
}

static void
mt_seed_python(struct mt19937 *r, uint32_t seed)
{
	int		 i = 1, k;

	/* init_by_array with the one-word key {seed}. */
	mt_init_genrand(r, 19650218U);
	for (k = 624; k > 0; k--) {
		r->mt[i] = (r->mt[i] ^ ((r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) *
		    1664525U)) + seed;
		i++;
		if (i >= 624) {
			r->mt[0] = r->mt[623];
			i = 1;
		}
	}
	for (k = 623; k > 0; k--) {
		r->mt[i] = (r->mt[i] ^ ((r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) *
		    1566083941U)) - (uint32_t)i;
		i++;
		if (i >= 624) {
			r->mt[0] = r->mt[623];
			i = 1;
		}
	}
	r->mt[0] = 0x80000000U;
}

static uint32_t
mt_next(struct mt19937 *r)
{
	uint32_t	 y;
	int		 i;

	if (r->index >= 624) {
		for (i = 0; i < 624; i++) {
			y = (r->mt[i] & 0x80000000U) |
			    (r->mt[(i + 1) % 624] & 0x7fffffffU);
			r->mt[i] = r->mt[(i + 397) % 624] ^ (y >> 1) ^
			    ((y & 1) ? 0x9908b0dfU : 0);
		}
		r->index = 0;
	}
	y = r->mt[r->index++];
	y ^= y >> 11;
	y ^= (y << 7) & 0x9d2c5680U;
	y ^= (y << 15) & 0xefc60000U;
	y ^= y >> 18;
	return y;
}

/*
 * random.Random(seed).getrandbits(8 * n).to_bytes(n, "little"): 32-bit
 * words, least significant first; the last word keeps its top bits.
 */
static uint8_t *
vector_python_random_bytes(uint32_t seed, size_t n)
{
	struct mt19937	 r;
	uint8_t		*p;
	uint32_t	 w;
	size_t		 i, k, left;

	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	mt_seed_python(&r, seed);
	for (i = 0; i < n; i += 4) {
		left = n - i;
		w = mt_next(&r);
		if (left < 4)
			w >>= 32 - 8 * left;
		for (k = 0; k < 4 && k < left; k++)
			p[i + k] = (uint8_t)(w >> (8 * k));
	}
	return p;
}

#endif
