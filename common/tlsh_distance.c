/*
 * TLSH distance (totalDiff of the reference, 128 buckets, 1-byte checksum).
 * Hot in the LSH lookups, so the body term is computed 32 bucket codes at a
 * time in 64-bit words instead of through a 64 KiB byte-pair table.
 */
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "tlsh.h"

#define LENGTH_MULT	12

#define M_01	0x5555555555555555ULL	/* low bit of every 2-bit code */
#define M_0011	0x3333333333333333ULL
#define M_0001	0x1111111111111111ULL
#define M_NIB	0x0F0F0F0F0F0F0F0FULL
#define M_BYTE	0x00FF00FF00FF00FFULL

/*
 * The header terms are data-dependent small numbers, so they are computed
 * with masks instead of branches that rotating pairs would mispredict.
 */
static unsigned int
tlsh_circular_diff(unsigned int x, unsigned int y, unsigned int range)
{
	unsigned int	 d = (x - y) & (range - 1), e = range - d;

	return e ^ ((d ^ e) & -(unsigned int)(d < e));
}

/* d if d <= 1, else d * 12 (reference: length_mult). */
static unsigned int
tlsh_length_term(unsigned int d)
{
	return d + ((LENGTH_MULT - 1) * d & -(unsigned int)(d > 1));
}

/*
 * The Q-ratio term by (x - y) mod 16: circular distance d, then d if
 * d <= 1, else (d - 1) * 12 (reference: qratio_mult).
 */
static const uint8_t tlsh_qratio_term[16] = {
	0, 1, 12, 24, 36, 48, 60, 72, 84, 72, 60, 48, 36, 24, 12, 1,
};

/*
 * Per bucket, the score is 0, 1, 2 or 6 for |a - b| = 0, 1, 2, 3.  It is a
 * function of z = a ^ b and of whether a's two bits are equal:
 *   z = 01 -> 1; z = 10 -> 2; z = 11 -> 6 if a is 0 or 3, else 1.
 * So each 2-bit lane contributes u + 5 * e, where u (0..2) depends on z
 * alone and e marks the 0<->3 pairs; the lanes are then summed in parallel.
 */
#if defined(__SSE2__)
/*
 * The same lane arithmetic on 16 bytes at a time (SSE2 is part of every
 * x86-64); psadbw then adds the per-byte scores.
 */
static unsigned int
tlsh_body_diff(const uint8_t *a, const uint8_t *b)
{
	const __m128i	 m01 = _mm_set1_epi8(0x55);
	const __m128i	 m0011 = _mm_set1_epi8(0x33);
	const __m128i	 m0001 = _mm_set1_epi8(0x11);
	const __m128i	 mnib = _mm_set1_epi8(0x0f);
	__m128i		 wa, z, lo, hi, u, e, v, acc = _mm_setzero_si128();
	int		 i;

	for (i = 0; i < TLSH_BODY_BYTES; i += 16) {
		wa = _mm_loadu_si128((const __m128i *)(const void *)(a + i));
		z = _mm_xor_si128(wa,
		    _mm_loadu_si128((const __m128i *)(const void *)(b + i)));
		lo = _mm_and_si128(z, m01);
		/* Bits shifted in from the next byte land outside 0x55. */
		hi = _mm_and_si128(_mm_srli_epi16(z, 1), m01);
		u = _mm_or_si128(lo, _mm_slli_epi16(_mm_andnot_si128(lo, hi),
		    1));
		e = _mm_andnot_si128(_mm_xor_si128(wa, _mm_srli_epi16(wa, 1)),
		    _mm_and_si128(lo, hi));
		e = _mm_add_epi8(_mm_and_si128(e, m0001),
		    _mm_and_si128(_mm_srli_epi16(e, 2), m0001));
		/* 4-bit lanes: u sums to <= 4, 5 * e to <= 10. */
		v = _mm_add_epi8(_mm_add_epi8(_mm_and_si128(u, m0011),
		    _mm_and_si128(_mm_srli_epi16(u, 2), m0011)),
		    _mm_add_epi8(e, _mm_slli_epi16(e, 2)));
		v = _mm_add_epi8(_mm_and_si128(v, mnib),
		    _mm_and_si128(_mm_srli_epi16(v, 4), mnib));
		acc = _mm_add_epi64(acc, _mm_sad_epu8(v, _mm_setzero_si128()));
	}
	acc = _mm_add_epi64(acc, _mm_unpackhi_epi64(acc, acc));
	return (unsigned int)_mm_cvtsi128_si32(acc);
}
#else
static unsigned int
tlsh_body_diff(const uint8_t *a, const uint8_t *b)
{
	uint64_t	 wa, wb, z, lo, hi, u, e, v, acc = 0;
	int		 i;

	for (i = 0; i < TLSH_BODY_BYTES; i += 8) {
		memcpy(&wa, a + i, 8);
		memcpy(&wb, b + i, 8);
		z = wa ^ wb;
		lo = z & M_01;
		hi = (z >> 1) & M_01;
		u = lo | ((hi & ~lo) << 1);
		e = lo & hi & ~(wa ^ (wa >> 1));
		/* 4-bit lanes: u sums to <= 4, e to <= 2, together <= 14. */
		v = (u & M_0011) + ((u >> 2) & M_0011) +
		    5 * ((e & M_0001) + ((e >> 2) & M_0001));
		acc += (v & M_NIB) + ((v >> 4) & M_NIB);	/* <= 96/byte */
	}
	acc = (acc & M_BYTE) + ((acc >> 8) & M_BYTE);
	return (unsigned int)((acc * 0x0001000100010001ULL) >> 48);
}
#endif

int
tlsh_distance(const struct tlsh_digest *a, const struct tlsh_digest *b,
    int with_length)
{
	unsigned int	 diff, d;

	d = tlsh_circular_diff(a->lvalue, b->lvalue, 256);
	diff = tlsh_length_term(d) & -(unsigned int)(with_length != 0);
	diff += tlsh_qratio_term[(a->q1ratio - b->q1ratio) & 0xf];
	diff += tlsh_qratio_term[(a->q2ratio - b->q2ratio) & 0xf];
	diff += a->checksum != b->checksum;
	diff += tlsh_body_diff(a->body, b->body);
	return (int)diff;
}
