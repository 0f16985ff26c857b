/*
 * The 27 single-byte recognizers of the charset detector, computed
 * together.  Each recognizer maps the input window through its byte map,
 * collapses runs of spaces, and counts how many of the resulting 3-grams
 * are among its language's 64 frequent ones (ICU's NGramParser).
 *
 * Two facts make one pass serve many recognizers without changing a
 * result.  The 3-gram sequence, and so the 3-gram count, depends only on
 * the mapped bytes: recognizers whose maps agree on every byte value that
 * occurs in the window see the same sequence (for ASCII text all the
 * Latin, Cyrillic, Greek, Arabic and Hebrew maps agree; only the two
 * EBCDIC maps differ).  And a 3-gram's hit count can be kept per distinct
 * 3-gram: one hash table holds the 3-grams of all 27 tables, the pass
 * counts how often each slot is met, and each recognizer sums the counts
 * of its own 64 slots.  The table has buckets of eight slots, and every
 * slot of the bucket is compared and counted (0 or 1), so that the pass
 * has no branch on hit or miss, which text makes unpredictable.  A slot
 * keeps a 16-bit tag rather than the 3-gram, so that a bucket's eight
 * tags and eight counts are one SSE2 register each.
 *
 * Mostly-ASCII text with a few bytes above 0x7F (Western mail with a
 * "©" or an accent) splits the maps into several groups, though they
 * differ only around those bytes.  A group whose map agrees with the
 * first one on ASCII then takes the first pass's counts and corrects
 * them around each such byte (sbcs_patch), from the parser's state there
 * rebuilt from the bytes before it, instead of a pass of its own.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "chardet_tables.h"
#include "utf8.h"

#define MODEL(m, n)	{ chardet_map_##m, chardet_ngrams_##n }

/* Upstream's order of the single-byte recognizers (chardet.c). */
const struct chardet_sbcs_model chardet_sbcs_models[CHARDET_NSBCS] = {
	MODEL(8859_1, 8859_1_en), MODEL(8859_1, 8859_1_da),
	MODEL(8859_1, 8859_1_de), MODEL(8859_1, 8859_1_es),
	MODEL(8859_1, 8859_1_fr), MODEL(8859_1, 8859_1_it),
	MODEL(8859_1, 8859_1_nl), MODEL(8859_1, 8859_1_no),
	MODEL(8859_1, 8859_1_pt), MODEL(8859_1, 8859_1_sv),
	MODEL(8859_2, 8859_2_cs), MODEL(8859_2, 8859_2_hu),
	MODEL(8859_2, 8859_2_pl), MODEL(8859_2, 8859_2_ro),
	MODEL(8859_5, 8859_5_ru), MODEL(8859_6, 8859_6_ar),
	MODEL(8859_7, 8859_7_el), MODEL(8859_8, 8859_8_i_he),
	MODEL(8859_8, 8859_8_he), MODEL(windows_1251, windows_1251),
	MODEL(windows_1256, windows_1256), MODEL(koi8_r, koi8_r),
	MODEL(8859_9, 8859_9_tr), MODEL(ibm424_he, ibm424_he_rtl),
	MODEL(ibm424_he, ibm424_he_ltr), MODEL(ibm420_ar, ibm420_ar_rtl),
	MODEL(ibm420_ar, ibm420_ar_ltr),
};

#define SBCS_MAX_MAPS	CHARDET_NSBCS
/* 27 * 64 keys, 3.4 per bucket: tags and counts (16 KiB) stay in L1 */
#define NGRAM_BUCKETS	512
#define NGRAM_WAYS	8
#define NGRAM_SLOTS	(NGRAM_BUCKETS * NGRAM_WAYS)
#define NGRAM_NONE	NGRAM_SLOTS	/* a slot whose count stays 0 */

static _Alignas(16) uint16_t slot_tag[NGRAM_SLOTS];
static uint32_t	 ngram_mult;	/* odd */
static uint16_t	 model_slot[CHARDET_NSBCS][64];
static uint8_t	 model_map[CHARDET_NSBCS];	/* index into maps[] */
static const uint8_t *maps[SBCS_MAX_MAPS];
static size_t	 nmaps;
/* Byte values on which two maps disagree, as 256-bit sets. */
static uint64_t	 map_differs[SBCS_MAX_MAPS][SBCS_MAX_MAPS][4];
/* Whether a map agrees with maps[0] on every byte below 0x80. */
static int	 map_ascii_agrees[SBCS_MAX_MAPS];
static pthread_once_t sbcs_once = PTHREAD_ONCE_INIT;

/*
 * A 3-gram's hash is (3-gram << 8) * ngram_mult, which is a bijection of
 * the 24-bit 3-grams (into bits 8 to 31) since the multiplier is odd.
 * Bits 23 to 31 pick the bucket and bits 8 to 23 are the tag: together
 * they give back the hash, so an equal tag in the right bucket is the
 * same 3-gram.  Bit 23 is in both, so no 3-gram of bucket b has a tag
 * whose top bit differs from b's lowest one: that tag marks empty slots.
 */
static uint32_t
ngram_hash(uint32_t ngram)
{
	return (ngram << 8) * ngram_mult;
}

static uint32_t
ngram_first_slot(uint32_t hash)
{
	return (hash >> 23) * NGRAM_WAYS;
}

static uint16_t
ngram_tag(uint32_t hash)
{
	return (uint16_t)(hash >> 8);
}

static uint16_t
ngram_empty_tag(uint32_t first_slot)
{
	return (first_slot / NGRAM_WAYS) & 1 ? 0 : 0x8000;
}

/*
 * Places every 3-gram in its bucket; 0 if a bucket overflows with this
 * multiplier.  The tables are constant, so the multiplier found is too.
 */
static int
sbcs_fill(uint32_t mult)
{
	uint8_t		 slot_model[NGRAM_SLOTS];	/* last model + 1 */
	size_t		 r, i;
	uint32_t	 b, w, hash;
	uint16_t	 tag;

	ngram_mult = mult;
	memset(slot_model, 0, sizeof(slot_model));
	for (i = 0; i < NGRAM_SLOTS; i++)
		slot_tag[i] = ngram_empty_tag((uint32_t)i);
	for (r = 0; r < CHARDET_NSBCS; r++) {
		for (i = 0; i < 64; i++) {
			hash = ngram_hash(chardet_sbcs_models[r].ngrams[i]);
			b = ngram_first_slot(hash);
			tag = ngram_tag(hash);
			for (w = 0; w < NGRAM_WAYS; w++)
				if (slot_tag[b + w] == ngram_empty_tag(b) ||
				    slot_tag[b + w] == tag)
					break;
			if (w == NGRAM_WAYS)
				return 0;
			slot_tag[b + w] = tag;
			model_slot[r][i] = (uint16_t)(b + w);
			/* a repeated entry counts once, as the search does */
			if (slot_model[b + w] == r + 1)
				model_slot[r][i] = NGRAM_NONE;
			slot_model[b + w] = (uint8_t)(r + 1);
		}
	}
	return 1;
}

static void
sbcs_init(void)
{
	size_t		 r, i, j, m;
	/* the first odd one from 2^32 / phi with no bucket overflowing */
	uint32_t	 mult = 2654435771u;
	int		 c;

	while (!sbcs_fill(mult))
		mult += 2;
	for (r = 0; r < CHARDET_NSBCS; r++) {
		for (m = 0; m < nmaps &&
		    maps[m] != chardet_sbcs_models[r].map; m++)
			;
		if (m == nmaps)
			maps[nmaps++] = chardet_sbcs_models[r].map;
		model_map[r] = (uint8_t)m;
	}
	for (i = 0; i < nmaps; i++)
		for (j = 0; j < nmaps; j++)
			for (c = 0; c < 256; c++)
				if (maps[i][c] != maps[j][c])
					map_differs[i][j][c >> 6] |=
					    (uint64_t)1 << (c & 63);
	for (i = 0; i < nmaps; i++)
		map_ascii_agrees[i] = (map_differs[i][0][0] |
		    map_differs[i][0][1]) == 0;
}

/* Counts the slots a 3-gram meets: each way adds 0 or 1, no branch. */
static void
sbcs_count(uint32_t hash, uint16_t *counts)
{
	uint32_t	 s = ngram_first_slot(hash);
#if defined(__SSE2__)
	__m128i		*c = (__m128i *)(void *)&counts[s], equal;

	/* all ones (-1) where the tag is equal */
	equal = _mm_cmpeq_epi16(_mm_set1_epi16((short)ngram_tag(hash)),
	    _mm_load_si128((const __m128i *)(const void *)&slot_tag[s]));
	_mm_store_si128(c, _mm_sub_epi16(_mm_load_si128(c), equal));
#else
	uint16_t	 tag = ngram_tag(hash);
	uint32_t	 k;

	for (k = 0; k < NGRAM_WAYS; k++)
		counts[s + k] += slot_tag[s + k] == tag;
#endif
}

/*
 * One NGramParser pass: maps bytes, drops a space after a space and
 * bytes mapped to 0, appends the final space, and counts the slots met.
 * Returns the number of 3-grams.  The 3-gram is kept shifted left by 8,
 * as it is hashed, so that the shift drops its oldest byte.
 */
static uint32_t
sbcs_scan(const uint8_t *text, size_t len, const uint8_t *map,
    uint16_t *counts)
{
	uint32_t	shifted = 0, mult = ngram_mult, count = 0;
	size_t		i;
	uint8_t		b;

	/* the last byte fed, bits 8 to 15, tells a space after a space */
	for (i = 0; i < len; i++) {
		b = map[text[i]];
		if (b == 0 || (b == 0x20 && (shifted & 0xff00) == 0x2000))
			continue;
		shifted = (shifted | b) << 8;
		count++;
		sbcs_count(shifted * mult, counts);
	}
	/* the final space, unless one was just counted */
	if ((shifted & 0xff00) != 0x2000) {
		shifted = (shifted | 0x20) << 8;
		count++;
		sbcs_count(shifted * mult, counts);
	}
	return count;
}

/* The parser's state: the last three bytes fed, and a space last. */
struct sbcs_state {
	uint32_t	ngram;
	int		after_space;
};

/* The bytes above 0x7F of the text, and map 0's state before each. */
#define SBCS_SNAPS	512
#define SBCS_LOOKBACK	64
struct sbcs_snaps {
	size_t			n;
	uint32_t		pos[SBCS_SNAPS];
	struct sbcs_state	st[SBCS_SNAPS];
};

/*
 * The state of map's parser just before text[p], rebuilt from the bytes
 * before it: the bytes fed are the nonzero mapped ones, a run of spaces
 * (through bytes mapped to 0) fed as its first space, so the last three
 * fed are the last three of that sequence with runs counted once.
 * Returns -1 when more than SBCS_LOOKBACK bytes would have to be read.
 */
static int
sbcs_state_at(const uint8_t *text, size_t p, const uint8_t *map,
    struct sbcs_state *st)
{
	uint8_t	fed[3], b;
	size_t	nfed = 0, i = p;

	while (nfed < 3 && i > 0) {
		if (p - i == SBCS_LOOKBACK)
			return -1;
		b = map[text[--i]];
		if (b == 0 || (b == 0x20 && nfed > 0 && fed[nfed - 1] == 0x20))
			continue;
		fed[nfed++] = b;
	}
	st->ngram = 0;
	while (nfed > 0)
		st->ngram = (st->ngram << 8) | fed[--nfed];
	st->after_space = (st->ngram & 0xff) == 0x20;
	return 0;
}

/*
 * Finds the bytes above 0x7F and map 0's state before each.  Returns -1
 * when they are too many for patching to pay, or a state is too far back
 * to rebuild.
 */
static int
sbcs_snap(const uint8_t *text, size_t len, struct sbcs_snaps *snaps)
{
	size_t	i;

	snaps->n = 0;
	for (i = utf8_ascii_end(text, 0, len); i < len;
	    i = utf8_ascii_end(text, i + 1, len)) {
		if (snaps->n == SBCS_SNAPS || (snaps->n + 1) * 16 > len ||
		    sbcs_state_at(text, i, maps[0], &snaps->st[snaps->n]) == -1)
			return -1;
		snaps->pos[snaps->n++] = (uint32_t)i;
	}
	return 0;
}

/*
 * One step of the parser, its 3-gram counted with delta (1 or -1).  The
 * same step as sbcs_scan's loop, which keeps its own copy: written with
 * this function, the pass measured slower.
 */
static uint32_t
sbcs_step(struct sbcs_state *st, uint8_t b, uint16_t *counts,
    uint16_t delta)
{
	uint32_t	hash, s, k;

	if (b == 0 || (b == 0x20 && st->after_space))
		return 0;
	st->after_space = b == 0x20;
	st->ngram = ((st->ngram << 8) | b) & 0xffffff;
	hash = ngram_hash(st->ngram);
	s = ngram_first_slot(hash);
	for (k = 0; k < NGRAM_WAYS; k++)
		if (slot_tag[s + k] == ngram_tag(hash))
			counts[s + k] += delta;
	return 1;
}

static int
sbcs_same(const struct sbcs_state *a, const struct sbcs_state *b)
{
	return a->ngram == b->ngram && a->after_space == b->after_space;
}

/*
 * Turns counts and count, the pass of ma over text, into the pass of mb,
 * one of them maps[0] and both agreeing below 0x80.  The two parsers only
 * part at a byte above 0x7F: from the state there, both run side by side,
 * the first one's 3-grams taken out and mb's put in, until their states
 * are equal again (three bytes fed later at most), or the text ends,
 * where each feeds its final space.  Swapping ma and mb undoes it.
 */
static uint32_t
sbcs_patch(const uint8_t *text, size_t len, const uint8_t *ma,
    const uint8_t *mb, const struct sbcs_snaps *snaps, uint16_t *counts,
    uint32_t count)
{
	struct sbcs_state	 a, b;
	size_t			 k = 0, j;

	while (k < snaps->n) {
		j = snaps->pos[k];
		a = b = snaps->st[k];
		do {
			count -= sbcs_step(&a, ma[text[j]], counts, 0xffff);
			count += sbcs_step(&b, mb[text[j]], counts, 1);
			j++;
		} while (j < len && !sbcs_same(&a, &b));
		if (j == len && !sbcs_same(&a, &b)) {
			count -= sbcs_step(&a, 0x20, counts, 0xffff);
			count += sbcs_step(&b, 0x20, counts, 1);
		}
		/* the bytes above 0x7F of this stretch are done */
		while (k < snaps->n && snaps->pos[k] < j)
			k++;
	}
	return count;
}

static int
sbcs_confidence(uint32_t hits, uint32_t count)
{
	float	rate;

	rate = count == 0 ? 0.0f : (float)hits / (float)count;
	if (rate > 0.33f)
		return 98;
	/* float32 product, truncated, as Go's int(rate*300) on a float32. */
	return (int)(float)(rate * 300.0f);
}

/* Count and hits of the recognizers whose map's group is m's. */
static void
sbcs_group_hits(size_t m, const size_t *rep, const uint16_t *counts,
    uint32_t c, uint32_t count[CHARDET_NSBCS], uint32_t hits[CHARDET_NSBCS])
{
	size_t	r, i;

	for (r = 0; r < CHARDET_NSBCS; r++) {
		if (rep[model_map[r]] != m)
			continue;
		count[r] = c;
		hits[r] = 0;
		for (i = 0; i < 64; i++)
			hits[r] += counts[model_slot[r][i]];
	}
}

static void
sbcs_all(const uint8_t *text, size_t len, const uint64_t present[4],
    int patch_ok, uint32_t count[CHARDET_NSBCS], uint32_t hits[CHARDET_NSBCS])
{
	static struct sbcs_snaps snaps;
	_Alignas(16) uint16_t counts[NGRAM_SLOTS + 1];
	size_t		rep[SBCS_MAX_MAPS], m, n;
	uint32_t	c, d;
	int		patch = 0;

	pthread_once(&sbcs_once, sbcs_init);
	/* Agreeing on the bytes present is an equivalence: one pass each. */
	for (m = 0; m < nmaps; m++) {
		for (n = 0; n < m; n++)
			if (rep[n] == n &&
			    (map_differs[m][n][0] & present[0]) == 0 &&
			    (map_differs[m][n][1] & present[1]) == 0 &&
			    (map_differs[m][n][2] & present[2]) == 0 &&
			    (map_differs[m][n][3] & present[3]) == 0)
				break;
		rep[m] = n;
		/* another pass that map 0's could serve */
		patch |= n == m && m > 0 && map_ascii_agrees[m];
	}
	if (!patch_ok || (patch && sbcs_snap(text, len, &snaps) == -1))
		patch = 0;
	for (m = 0; m < nmaps; m++) {
		if (rep[m] != m || (m > 0 && patch && map_ascii_agrees[m]))
			continue;
		memset(counts, 0, sizeof(counts));
		c = sbcs_scan(text, len, maps[m], counts);
		sbcs_group_hits(m, rep, counts, c, count, hits);
		/*
		 * The groups that map 0's pass serves: each corrects its
		 * counts in place and undoes that after, which is cheaper
		 * than copying them.
		 */
		for (n = 1; m == 0 && patch && n < nmaps; n++) {
			if (rep[n] != n || !map_ascii_agrees[n])
				continue;
			d = sbcs_patch(text, len, maps[0], maps[n], &snaps,
			    counts, c);
			sbcs_group_hits(n, rep, counts, d, count, hits);
			(void)sbcs_patch(text, len, maps[n], maps[0], &snaps,
			    counts, d);
		}
	}
}

void
chardet_sbcs_all(const uint8_t *text, size_t len, const uint64_t present[4],
    int confidence[CHARDET_NSBCS])
{
	uint32_t	count[CHARDET_NSBCS], hits[CHARDET_NSBCS];
	size_t		r;

	sbcs_all(text, len, present, 1, count, hits);
	for (r = 0; r < CHARDET_NSBCS; r++)
		confidence[r] = sbcs_confidence(hits[r], count[r]);
}

void
chardet_sbcs_hits(const uint8_t *text, size_t len, int patch,
    uint32_t count[CHARDET_NSBCS], uint32_t hits[CHARDET_NSBCS])
{
	uint64_t	present[4] = { 0, 0, 0, 0 };
	size_t		i;

	for (i = 0; i < len; i++)
		present[text[i] >> 6] |= (uint64_t)1 << (text[i] & 63);
	sbcs_all(text, len, present, patch, count, hits);
}
