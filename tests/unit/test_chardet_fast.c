/*
 * The charset detector's fast paths (shared byte statistics, one n-gram
 * pass per group of agreeing byte maps, ASCII skipping) checked against
 * the straightforward per-recognizer implementation kept here as the
 * model: every recognizer's name and confidence must be equal on random,
 * text-like, multi-byte and markup inputs, and on the shared corpus when
 * it is present.
 */
#include "testutil.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/digest/chardet.h"
#include "worker/digest/chardet_tables.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define CHARDET_WINDOW	8192

/* ---- the model: one recognizer at a time, as upstream runs them ---- */

/* One character: its code, whether it is malformed, and its length. */
struct mbcs_char {
	uint16_t	code;
	int		bad;
};

/*
 * A splitter consumes bytes from *pos and returns 1 while characters
 * remain after the one returned; 0 means the input ended (that character,
 * if any, is not counted).
 */
typedef int (*mbcs_next_fn)(const uint8_t *, size_t, size_t *,
    struct mbcs_char *);

static const uint16_t common_sjis[] = {
	0x8140, 0x8141, 0x8142, 0x8145, 0x815b, 0x8169, 0x816a, 0x8175,
	0x8176, 0x82a0, 0x82a2, 0x82a4, 0x82a9, 0x82aa, 0x82ab, 0x82ad,
	0x82af, 0x82b1, 0x82b3, 0x82b5, 0x82b7, 0x82bd, 0x82be, 0x82c1,
	0x82c4, 0x82c5, 0x82c6, 0x82c8, 0x82c9, 0x82cc, 0x82cd, 0x82dc,
	0x82e0, 0x82e7, 0x82e8, 0x82e9, 0x82ea, 0x82f0, 0x82f1, 0x8341,
	0x8343, 0x834e, 0x834f, 0x8358, 0x835e, 0x8362, 0x8367, 0x8375,
	0x8376, 0x8389, 0x838a, 0x838b, 0x838d, 0x8393, 0x8e96, 0x93fa,
	0x95aa,
};

static const uint16_t common_euc_jp[] = {
	0xa1a1, 0xa1a2, 0xa1a3, 0xa1a6, 0xa1bc, 0xa1ca, 0xa1cb, 0xa1d6,
	0xa1d7, 0xa4a2, 0xa4a4, 0xa4a6, 0xa4a8, 0xa4aa, 0xa4ab, 0xa4ac,
	0xa4ad, 0xa4af, 0xa4b1, 0xa4b3, 0xa4b5, 0xa4b7, 0xa4b9, 0xa4bb,
	0xa4bd, 0xa4bf, 0xa4c0, 0xa4c1, 0xa4c3, 0xa4c4, 0xa4c6, 0xa4c7,
	0xa4c8, 0xa4c9, 0xa4ca, 0xa4cb, 0xa4ce, 0xa4cf, 0xa4d0, 0xa4de,
	0xa4df, 0xa4e1, 0xa4e2, 0xa4e4, 0xa4e8, 0xa4e9, 0xa4ea, 0xa4eb,
	0xa4ec, 0xa4ef, 0xa4f2, 0xa4f3, 0xa5a2, 0xa5a3, 0xa5a4, 0xa5a6,
	0xa5a7, 0xa5aa, 0xa5ad, 0xa5af, 0xa5b0, 0xa5b3, 0xa5b5, 0xa5b7,
	0xa5b8, 0xa5b9, 0xa5bf, 0xa5c3, 0xa5c6, 0xa5c7, 0xa5c8, 0xa5c9,
	0xa5cb, 0xa5d0, 0xa5d5, 0xa5d6, 0xa5d7, 0xa5de, 0xa5e0, 0xa5e1,
	0xa5e5, 0xa5e9, 0xa5ea, 0xa5eb, 0xa5ec, 0xa5ed, 0xa5f3, 0xb8a9,
	0xb9d4, 0xbaee, 0xbbc8, 0xbef0, 0xbfb7, 0xc4ea, 0xc6fc, 0xc7bd,
	0xcab8, 0xcaf3, 0xcbdc, 0xcdd1,
};

static const uint16_t common_euc_kr[] = {
	0xb0a1, 0xb0b3, 0xb0c5, 0xb0cd, 0xb0d4, 0xb0e6, 0xb0ed, 0xb0f8,
	0xb0fa, 0xb0fc, 0xb1b8, 0xb1b9, 0xb1c7, 0xb1d7, 0xb1e2, 0xb3aa,
	0xb3bb, 0xb4c2, 0xb4cf, 0xb4d9, 0xb4eb, 0xb5a5, 0xb5b5, 0xb5bf,
	0xb5c7, 0xb5e9, 0xb6f3, 0xb7af, 0xb7c2, 0xb7ce, 0xb8a6, 0xb8ae,
	0xb8b6, 0xb8b8, 0xb8bb, 0xb8e9, 0xb9ab, 0xb9ae, 0xb9cc, 0xb9ce,
	0xb9fd, 0xbab8, 0xbace, 0xbad0, 0xbaf1, 0xbbe7, 0xbbf3, 0xbbfd,
	0xbcad, 0xbcba, 0xbcd2, 0xbcf6, 0xbdba, 0xbdc0, 0xbdc3, 0xbdc5,
	0xbec6, 0xbec8, 0xbedf, 0xbeee, 0xbef8, 0xbefa, 0xbfa1, 0xbfa9,
	0xbfc0, 0xbfe4, 0xbfeb, 0xbfec, 0xbff8, 0xc0a7, 0xc0af, 0xc0b8,
	0xc0ba, 0xc0bb, 0xc0bd, 0xc0c7, 0xc0cc, 0xc0ce, 0xc0cf, 0xc0d6,
	0xc0da, 0xc0e5, 0xc0fb, 0xc0fc, 0xc1a4, 0xc1a6, 0xc1b6, 0xc1d6,
	0xc1df, 0xc1f6, 0xc1f8, 0xc4a1, 0xc5cd, 0xc6ae, 0xc7cf, 0xc7d1,
	0xc7d2, 0xc7d8, 0xc7e5, 0xc8ad,
};

static const uint16_t common_big5[] = {
	0xa140, 0xa141, 0xa142, 0xa143, 0xa147, 0xa149, 0xa175, 0xa176,
	0xa440, 0xa446, 0xa447, 0xa448, 0xa451, 0xa454, 0xa457, 0xa464,
	0xa46a, 0xa46c, 0xa477, 0xa4a3, 0xa4a4, 0xa4a7, 0xa4c1, 0xa4ce,
	0xa4d1, 0xa4df, 0xa4e8, 0xa4fd, 0xa540, 0xa548, 0xa558, 0xa569,
	0xa5cd, 0xa5e7, 0xa657, 0xa661, 0xa662, 0xa668, 0xa670, 0xa6a8,
	0xa6b3, 0xa6b9, 0xa6d3, 0xa6db, 0xa6e6, 0xa6f2, 0xa740, 0xa751,
	0xa759, 0xa7da, 0xa8a3, 0xa8a5, 0xa8ad, 0xa8d1, 0xa8d3, 0xa8e4,
	0xa8fc, 0xa9c0, 0xa9d2, 0xa9f3, 0xaa6b, 0xaaba, 0xaabe, 0xaacc,
	0xaafc, 0xac47, 0xac4f, 0xacb0, 0xacd2, 0xad59, 0xaec9, 0xafe0,
	0xb0ea, 0xb16f, 0xb2b3, 0xb2c4, 0xb36f, 0xb44c, 0xb44e, 0xb54c,
	0xb5a5, 0xb5bd, 0xb5d0, 0xb5d8, 0xb671, 0xb7ed, 0xb867, 0xb944,
	0xbad8, 0xbb44, 0xbba1, 0xbdd1, 0xc2c4, 0xc3b9, 0xc440, 0xc45f,
};

static const uint16_t common_gb18030[] = {
	0xa1a1, 0xa1a2, 0xa1a3, 0xa1a4, 0xa1b0, 0xa1b1, 0xa1f1, 0xa1f3,
	0xa3a1, 0xa3ac, 0xa3ba, 0xb1a8, 0xb1b8, 0xb1be, 0xb2bb, 0xb3c9,
	0xb3f6, 0xb4f3, 0xb5bd, 0xb5c4, 0xb5e3, 0xb6af, 0xb6d4, 0xb6e0,
	0xb7a2, 0xb7a8, 0xb7bd, 0xb7d6, 0xb7dd, 0xb8b4, 0xb8df, 0xb8f6,
	0xb9ab, 0xb9c9, 0xb9d8, 0xb9fa, 0xb9fd, 0xbacd, 0xbba7, 0xbbd6,
	0xbbe1, 0xbbfa, 0xbcbc, 0xbcdb, 0xbcfe, 0xbdcc, 0xbecd, 0xbedd,
	0xbfb4, 0xbfc6, 0xbfc9, 0xc0b4, 0xc0ed, 0xc1cb, 0xc2db, 0xc3c7,
	0xc4dc, 0xc4ea, 0xc5cc, 0xc6f7, 0xc7f8, 0xc8ab, 0xc8cb, 0xc8d5,
	0xc8e7, 0xc9cf, 0xc9fa, 0xcab1, 0xcab5, 0xcac7, 0xcad0, 0xcad6,
	0xcaf5, 0xcafd, 0xccec, 0xcdf8, 0xceaa, 0xcec4, 0xced2, 0xcee5,
	0xcfb5, 0xcfc2, 0xcfd6, 0xd0c2, 0xd0c5, 0xd0d0, 0xd0d4, 0xd1a7,
	0xd2aa, 0xd2b2, 0xd2b5, 0xd2bb, 0xd2d4, 0xd3c3, 0xd3d0, 0xd3fd,
	0xd4c2, 0xd4da, 0xd5e2, 0xd6d0,
};


static int
mbcs_is_common(const uint16_t *list, size_t n, uint16_t code)
{
	size_t	lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (list[mid] == code)
			return 1;
		if (list[mid] < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Fetches the next byte; 0 when the input is exhausted. */
static int
mbcs_byte(const uint8_t *p, size_t len, size_t *pos, uint8_t *b)
{
	if (*pos >= len)
		return 0;
	*b = p[(*pos)++];
	return 1;
}

static int
next_sjis(const uint8_t *p, size_t len, size_t *pos, struct mbcs_char *c)
{
	uint8_t	first, second;

	c->bad = 0;
	if (!mbcs_byte(p, len, pos, &first))
		return 0;
	c->code = first;
	if (first <= 0x7f || (first > 0xa0 && first <= 0xdf))
		return *pos < len;
	if (!mbcs_byte(p, len, pos, &second)) {
		c->bad = 1;
		return 0;
	}
	c->code = (uint16_t)(first << 8 | second);
	if (!((second >= 0x40 && second <= 0x7f) ||
	    (second >= 0x80 && second <= 0xfe)))
		c->bad = 1;
	return *pos < len;
}

static int
next_euc(const uint8_t *p, size_t len, size_t *pos, struct mbcs_char *c)
{
	uint8_t	first, second, third;

	c->bad = 0;
	if (!mbcs_byte(p, len, pos, &first))
		return 0;
	c->code = first;
	if (first <= 0x8d)
		return *pos < len;
	if (!mbcs_byte(p, len, pos, &second))
		return 0;
	c->code = (uint16_t)(first << 8 | second);
	if ((first >= 0xa1 && first <= 0xfe) || first == 0x8e) {
		if (second < 0xa1)
			c->bad = 1;
		return *pos < len;
	}
	if (first == 0x8f) {
		if (!mbcs_byte(p, len, pos, &third))
			return 0;
		/* The third byte is OR-ed into the low byte, as upstream does. */
		c->code |= third;
		if (third < 0xa1)
			c->bad = 1;
	}
	return *pos < len;
}

static int
next_big5(const uint8_t *p, size_t len, size_t *pos, struct mbcs_char *c)
{
	uint8_t	first, second;

	c->bad = 0;
	if (!mbcs_byte(p, len, pos, &first))
		return 0;
	c->code = first;
	if (first <= 0x7f || first == 0xff)
		return *pos < len;
	if (!mbcs_byte(p, len, pos, &second))
		return 0;
	c->code = (uint16_t)(first << 8 | second);
	if (second < 0x40 || second == 0x7f || second == 0xff)
		c->bad = 1;
	return *pos < len;
}

static int
next_gb18030(const uint8_t *p, size_t len, size_t *pos, struct mbcs_char *c)
{
	uint8_t	first, second, third, fourth;

	c->bad = 0;
	if (!mbcs_byte(p, len, pos, &first))
		return 0;
	c->code = first;
	if (first <= 0x80)
		return *pos < len;
	if (!mbcs_byte(p, len, pos, &second))
		return 0;
	c->code = (uint16_t)(first << 8 | second);
	if (first == 0xff)
		return *pos < len;
	if ((second >= 0x40 && second <= 0x7e) ||
	    (second >= 0x80 && second <= 0xfe))
		return *pos < len;
	if (second >= 0x30 && second <= 0x39) {
		if (!mbcs_byte(p, len, pos, &third))
			return 0;
		if (third >= 0x81 && third <= 0xfe) {
			if (!mbcs_byte(p, len, pos, &fourth))
				return 0;
			if (fourth >= 0x30 && fourth <= 0x39) {
				/* A 16-bit code: the first two bytes fall out. */
				c->code = (uint16_t)(third << 8 | fourth);
				return *pos < len;
			}
		}
	}
	c->bad = 1;
	return *pos < len;
}

static int
mbcs_confidence(const uint8_t *p, size_t len, mbcs_next_fn next,
    const uint16_t *common, size_t ncommon)
{
	struct mbcs_char	 c;
	size_t			 pos = 0;
	long			 total = 0, bad = 0, doubles = 0, commons = 0;
	double			 scale;
	int			 confidence;

	while (next(p, len, &pos, &c)) {
		total++;
		if (c.bad)
			bad++;
		else if (c.code > 0xff) {
			doubles++;
			if (mbcs_is_common(common, ncommon, c.code))
				commons++;
		}
		if (bad >= 2 && bad * 5 >= doubles)
			return 0;
	}
	if (doubles <= 10 && bad == 0) {
		if (doubles == 0 && total < 10)
			return 0;
		return 10;
	}
	if (doubles < 20 * bad)
		return 0;
	scale = 90.0 / log((double)doubles / 4);
	confidence = (int)(log((double)commons + 1) * scale + 10);
	if (confidence > 100)
		confidence = 100;
	if (confidence < 0)
		confidence = 0;
	return confidence;
}


struct chardet_input {
	const uint8_t	*raw;
	size_t		 rawlen;
	uint8_t		 buf[CHARDET_WINDOW];
	size_t		 len;		/* bytes of buf in use */
	int		 has_c1;
};

/*
 * HTML mode drops markup before the statistical recognizers look at the
 * text, unless the filter looks wrong (few tags, unbalanced brackets, or
 * almost nothing left of a long input); then, as in text mode, the input
 * is the first 8 KiB of the raw bytes.
 */
static void
chardet_prepare(struct chardet_input *in, const uint8_t *raw, size_t len,
    int html)
{
	size_t	i, n = 0;
	long	open_tags = 0, bad_tags = 0;
	int	in_markup = 0;

	in->raw = raw;
	in->rawlen = len;
	if (html) {
		for (i = 0; i < len; i++) {
			uint8_t c = raw[i];

			if (c == '<') {
				if (in_markup)
					bad_tags++;
				in_markup = 1;
				open_tags++;
			}
			if (!in_markup) {
				in->buf[n++] = c;
				if (n >= CHARDET_WINDOW)
					break;
			}
			if (c == '>')
				in_markup = 0;
		}
	}
	if (open_tags < 5 || open_tags / 5 < bad_tags ||
	    (n < 100 && len > 600)) {
		n = len < CHARDET_WINDOW ? len : CHARDET_WINDOW;
		memcpy(in->buf, raw, n);
	}
	in->len = n;
	in->has_c1 = 0;
	for (i = 0; i < n; i++)
		if (in->buf[i] >= 0x80 && in->buf[i] <= 0x9f) {
			in->has_c1 = 1;
			break;
		}
}

static int
has_prefix(const uint8_t *p, size_t len, const char *prefix, size_t plen)
{
	return len >= plen && memcmp(p, prefix, plen) == 0;
}

static int
recog_utf8(const struct chardet_input *in)
{
	const uint8_t	*p = in->raw;
	size_t		 len = in->rawlen, i;
	uint32_t	 valid = 0, invalid = 0;
	uint8_t		 trail;
	int		 bom = has_prefix(p, len, "\xef\xbb\xbf", 3);

	for (i = 0; i < len; i++) {
		uint8_t c = p[i];

		if ((c & 0x80) == 0)
			continue;
		if ((c & 0xe0) == 0xc0)
			trail = 1;
		else if ((c & 0xf0) == 0xe0)
			trail = 2;
		else if ((c & 0xf8) == 0xf0)
			trail = 3;
		else {
			invalid++;
			if (invalid > 5)
				break;
			/* Upstream's counter wraps here: kept on purpose. */
			trail = 0;
		}
		for (i++; i < len; i++) {
			c = p[i];
			if ((c & 0xc0) != 0x80) {
				invalid++;
				break;
			}
			if (--trail == 0) {
				valid++;
				break;
			}
		}
	}
	if (bom && invalid == 0)
		return 100;
	if (bom && valid > invalid * 10)
		return 80;
	if (valid > 3 && invalid == 0)
		return 100;
	if (valid > 0 && invalid == 0)
		return 80;
	if (valid == 0 && invalid == 0)
		return 10;
	if (valid > invalid * 10)
		return 25;
	return 0;
}

static int
recog_utf32(const struct chardet_input *in, int big_endian)
{
	const uint8_t	*p = in->raw;
	size_t		 i;
	uint32_t	 valid = 0, invalid = 0, c;
	int		 bom;

	bom = big_endian ? has_prefix(p, in->rawlen, "\0\0\xfe\xff", 4) :
	    has_prefix(p, in->rawlen, "\xff\xfe\0\0", 4);
	for (i = 0; i + 4 <= in->rawlen; i += 4) {
		if (big_endian)
			c = (uint32_t)p[i] << 24 | (uint32_t)p[i + 1] << 16 |
			    (uint32_t)p[i + 2] << 8 | p[i + 3];
		else
			c = (uint32_t)p[i + 3] << 24 | (uint32_t)p[i + 2] << 16 |
			    (uint32_t)p[i + 1] << 8 | p[i];
		if (c >= 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			invalid++;
		else
			valid++;
	}
	if (bom && invalid == 0)
		return 100;
	if (bom && valid > invalid * 10)
		return 80;
	if (valid > 3 && invalid == 0)
		return 100;
	if (valid > 0 && invalid == 0)
		return 80;
	if (valid > invalid * 10)
		return 25;
	return 0;
}

/* The fixed six-step binary search over a sorted 64-entry table. */
static int
ngram_lookup(const uint32_t *table, uint32_t ngram)
{
	int	index = 0;

	if (table[index + 32] <= ngram)
		index += 32;
	if (table[index + 16] <= ngram)
		index += 16;
	if (table[index + 8] <= ngram)
		index += 8;
	if (table[index + 4] <= ngram)
		index += 4;
	if (table[index + 2] <= ngram)
		index += 2;
	if (table[index + 1] <= ngram)
		index += 1;
	if (table[index] > ngram)
		index -= 1;
	return index >= 0 && table[index] == ngram;
}

struct ngram_state {
	const uint32_t	*table;
	uint32_t	 ngram;
	uint32_t	 count;
	uint32_t	 hits;
	int		 ignore_space;
};

static void
ngram_add(struct ngram_state *s, uint8_t b)
{
	if (!(b == 0x20 && s->ignore_space)) {
		s->ngram = ((s->ngram << 8) | b) & 0xffffff;
		s->count++;
		if (ngram_lookup(s->table, s->ngram))
			s->hits++;
	}
	s->ignore_space = (b == 0x20);
}

/* One recognizer's 3-gram count and hits on p. */
static void
sbcs_model_hits(const uint8_t *p, size_t len, const uint8_t *map,
    const uint32_t *table, uint32_t *count, uint32_t *hits)
{
	struct ngram_state	 s;
	size_t			 i;

	memset(&s, 0, sizeof(s));
	s.table = table;
	for (i = 0; i < len; i++) {
		uint8_t b = map[p[i]];

		if (b != 0)
			ngram_add(&s, b);
	}
	ngram_add(&s, 0x20);
	*count = s.count;
	*hits = s.hits;
}

static int
recog_sbcs(const struct chardet_input *in, const uint8_t *map,
    const uint32_t *table)
{
	uint32_t	 count, hits;
	float		 rate;

	sbcs_model_hits(in->buf, in->len, map, table, &count, &hits);
	rate = count == 0 ? 0.0f : (float)hits / (float)count;
	if (rate > 0.33f)
		return 98;
	/* float32 product, truncated, as Go's int(rate*300) on a float32. */
	return (int)(float)(rate * 300.0f);
}

struct escape {
	uint8_t	len;
	uint8_t	seq[3];
};

static const struct escape escapes_2022jp[] = {
	{ 3, { 0x24, 0x28, 0x43 } }, { 3, { 0x24, 0x28, 0x44 } },
	{ 2, { 0x24, 0x40 } }, { 2, { 0x24, 0x41 } }, { 2, { 0x24, 0x42 } },
	{ 2, { 0x26, 0x40 } }, { 2, { 0x28, 0x42 } }, { 2, { 0x28, 0x48 } },
	{ 2, { 0x28, 0x49 } }, { 2, { 0x28, 0x4a } }, { 2, { 0x2e, 0x41 } },
	{ 2, { 0x2e, 0x46 } },
};
static const struct escape escapes_2022kr[] = {
	{ 3, { 0x24, 0x29, 0x43 } },
};
static const struct escape escapes_2022cn[] = {
	{ 3, { 0x24, 0x29, 0x41 } }, { 3, { 0x24, 0x29, 0x47 } },
	{ 3, { 0x24, 0x2a, 0x48 } }, { 3, { 0x24, 0x29, 0x45 } },
	{ 3, { 0x24, 0x2b, 0x49 } }, { 3, { 0x24, 0x2b, 0x4a } },
	{ 3, { 0x24, 0x2b, 0x4b } }, { 3, { 0x24, 0x2b, 0x4c } },
	{ 3, { 0x24, 0x2b, 0x4d } }, { 1, { 0x4e } }, { 1, { 0x4f } },
};

static int
recog_2022(const struct chardet_input *in, const struct escape *esc,
    size_t nesc)
{
	const uint8_t	*p = in->buf;
	size_t		 len = in->len, i, j;
	long		 hits = 0, misses = 0, shifts = 0, quality;

	for (i = 0; i < len; i++) {
		if (p[i] == 0x1b) {
			for (j = 0; j < nesc; j++)
				if (len - (i + 1) >= esc[j].len &&
				    memcmp(p + i + 1, esc[j].seq,
				    esc[j].len) == 0)
					break;
			if (j < nesc) {
				hits++;
				i += esc[j].len;
			} else
				misses++;
		} else if (p[i] == 0x0e || p[i] == 0x0f)
			shifts++;
	}
	if (hits == 0)
		return 0;
	quality = (100 * hits - 100 * misses) / (hits + misses);
	if (hits + shifts < 5)
		quality -= (5 - (hits + shifts)) * 10;
	if (quality < 0)
		quality = 0;
	return (int)quality;
}

enum recog_kind {
	RK_UTF8, RK_UTF16BE, RK_UTF16LE, RK_UTF32BE, RK_UTF32LE,
	RK_SBCS, RK_SJIS, RK_GB18030, RK_EUCJP, RK_EUCKR, RK_BIG5,
	RK_2022JP, RK_2022KR, RK_2022CN,
};

struct recognizer {
	enum recog_kind	 kind;
	const char	*charset;
	const char	*c1_charset;	/* name reported when C1 bytes occur */
	const uint8_t	*map;
	const uint32_t	*ngrams;
};

#define SB(cs, c1, m, n) \
	{ RK_SBCS, cs, c1, chardet_map_##m, chardet_ngrams_##n }

/* Upstream's order: on a tie, the earlier recognizer wins here. */
static const struct recognizer recognizers[] = {
	{ RK_UTF8, "UTF-8", NULL, NULL, NULL },
	{ RK_UTF16BE, "UTF-16BE", NULL, NULL, NULL },
	{ RK_UTF16LE, "UTF-16LE", NULL, NULL, NULL },
	{ RK_UTF32BE, "UTF-32BE", NULL, NULL, NULL },
	{ RK_UTF32LE, "UTF-32LE", NULL, NULL, NULL },
	SB("ISO-8859-1", "windows-1252", 8859_1, 8859_1_en),
	SB("ISO-8859-1", "windows-1252", 8859_1, 8859_1_da),
	SB("ISO-8859-1", "windows-1252", 8859_1, 8859_1_de),
	SB("ISO-8859-1", "windows-1252", 8859_1, 8859_1_es),
	SB("ISO-8859-1", "windows-1252", 8859_1, 8859_1_fr),
	SB("ISO-8859-1", "windows-1252", 8859_1, 8859_1_it),
	SB("ISO-8859-1", "windows-1252", 8859_1, 8859_1_nl),
	SB("ISO-8859-1", "windows-1252", 8859_1, 8859_1_no),
	SB("ISO-8859-1", "windows-1252", 8859_1, 8859_1_pt),
	SB("ISO-8859-1", "windows-1252", 8859_1, 8859_1_sv),
	SB("ISO-8859-2", "windows-1250", 8859_2, 8859_2_cs),
	SB("ISO-8859-2", "windows-1250", 8859_2, 8859_2_hu),
	SB("ISO-8859-2", "windows-1250", 8859_2, 8859_2_pl),
	SB("ISO-8859-2", "windows-1250", 8859_2, 8859_2_ro),
	SB("ISO-8859-5", NULL, 8859_5, 8859_5_ru),
	SB("ISO-8859-6", NULL, 8859_6, 8859_6_ar),
	SB("ISO-8859-7", "windows-1253", 8859_7, 8859_7_el),
	SB("ISO-8859-8-I", "windows-1255", 8859_8, 8859_8_i_he),
	SB("ISO-8859-8", "windows-1255", 8859_8, 8859_8_he),
	SB("windows-1251", NULL, windows_1251, windows_1251),
	SB("windows-1256", NULL, windows_1256, windows_1256),
	SB("KOI8-R", NULL, koi8_r, koi8_r),
	SB("ISO-8859-9", "windows-1254", 8859_9, 8859_9_tr),
	{ RK_SJIS, "Shift_JIS", NULL, NULL, NULL },
	{ RK_GB18030, "GB18030", NULL, NULL, NULL },
	{ RK_EUCJP, "EUC-JP", NULL, NULL, NULL },
	{ RK_EUCKR, "EUC-KR", NULL, NULL, NULL },
	{ RK_BIG5, "Big5", NULL, NULL, NULL },
	{ RK_2022JP, "ISO-2022-JP", NULL, NULL, NULL },
	{ RK_2022KR, "ISO-2022-KR", NULL, NULL, NULL },
	{ RK_2022CN, "ISO-2022-CN", NULL, NULL, NULL },
	SB("IBM424_rtl", NULL, ibm424_he, ibm424_he_rtl),
	SB("IBM424_ltr", NULL, ibm424_he, ibm424_he_ltr),
	SB("IBM420_rtl", NULL, ibm420_ar, ibm420_ar_rtl),
	SB("IBM420_ltr", NULL, ibm420_ar, ibm420_ar_ltr),
};


static int
recognize(const struct recognizer *r, const struct chardet_input *in)
{
	switch (r->kind) {
	case RK_UTF8:
		return recog_utf8(in);
	case RK_UTF16BE:
		return has_prefix(in->raw, in->rawlen, "\xfe\xff", 2) ? 100 : 0;
	case RK_UTF16LE:
		return has_prefix(in->raw, in->rawlen, "\xff\xfe", 2) &&
		    !has_prefix(in->raw, in->rawlen, "\xff\xfe\0\0", 4) ?
		    100 : 0;
	case RK_UTF32BE:
		return recog_utf32(in, 1);
	case RK_UTF32LE:
		return recog_utf32(in, 0);
	case RK_SBCS:
		return recog_sbcs(in, r->map, r->ngrams);
	case RK_SJIS:
		return mbcs_confidence(in->raw, in->rawlen, next_sjis, common_sjis,
		    NELEM(common_sjis));
	case RK_GB18030:
		return mbcs_confidence(in->raw, in->rawlen, next_gb18030,
		    common_gb18030, NELEM(common_gb18030));
	case RK_EUCJP:
		return mbcs_confidence(in->raw, in->rawlen, next_euc, common_euc_jp,
		    NELEM(common_euc_jp));
	case RK_EUCKR:
		return mbcs_confidence(in->raw, in->rawlen, next_euc, common_euc_kr,
		    NELEM(common_euc_kr));
	case RK_BIG5:
		return mbcs_confidence(in->raw, in->rawlen, next_big5, common_big5,
		    NELEM(common_big5));
	case RK_2022JP:
		return recog_2022(in, escapes_2022jp, NELEM(escapes_2022jp));
	case RK_2022KR:
		return recog_2022(in, escapes_2022kr, NELEM(escapes_2022kr));
	case RK_2022CN:
		return recog_2022(in, escapes_2022cn, NELEM(escapes_2022cn));
	}
	return 0;
}

static int
model_detect_all(const uint8_t *buf, size_t len, int html,
    struct chardet_result *all)
{
	static struct chardet_input	 in;
	size_t				 i;

	chardet_prepare(&in, buf, len, html);
	for (i = 0; i < NELEM(recognizers); i++) {
		const struct recognizer *r = &recognizers[i];

		all[i].charset = r->c1_charset != NULL && in.has_c1 ?
		    r->c1_charset : r->charset;
		all[i].confidence = recognize(r, &in);
	}
	return (int)i;
}

/* ---- inputs ---- */

static uint64_t	rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static size_t
rng_len(void)
{
	switch (rng() % 4) {
	case 0:
		return rng() % 24;
	case 1:
		return 50 + rng() % 400;
	case 2:
		return 400 + rng() % 4000;
	default:
		return 7000 + rng() % 6000;	/* around the 8 KiB window */
	}
}

/* Bytes that a single-byte model maps to its frequent 3-grams. */
static void
gen_ngrams(uint8_t *p, size_t n)
{
	const struct recognizer	*r;
	uint8_t			 pre[256][8];
	int			 npre[256];
	size_t			 i = 0;
	int			 c, k;

	do
		r = &recognizers[rng() % NELEM(recognizers)];
	while (r->kind != RK_SBCS);
	memset(npre, 0, sizeof(npre));
	for (c = 0; c < 256; c++) {
		uint8_t b = r->map[c];

		if (npre[b] < 8)
			pre[b][npre[b]++] = (uint8_t)c;
	}
	while (i < n) {
		uint32_t ngram = r->ngrams[rng() % 64];

		if (rng() % 8 == 0) {
			p[i++] = (uint8_t)rng();
			continue;
		}
		for (k = 16; k >= 0 && i < n; k -= 8) {
			uint8_t b = (uint8_t)(ngram >> k);

			if (npre[b] > 0)
				p[i++] = pre[b][rng() % npre[b]];
		}
	}
}

static void
gen_utf8(uint8_t *p, size_t n)
{
	size_t	i = 0;

	while (i < n) {
		uint32_t cp, kind = rng() % 10;

		if (kind < 5)
			cp = 0x20 + rng() % 0x5f;
		else if (kind < 7)
			cp = 0x80 + rng() % 0x780;
		else if (kind < 9)
			cp = 0x800 + rng() % 0xf800;
		else
			cp = 0x10000 + rng() % 0x100000;
		if (rng() % 50 == 0) {
			p[i++] = (uint8_t)(0x80 | rng());
			continue;
		}
		if (cp < 0x80 && i < n)
			p[i++] = (uint8_t)cp;
		else if (cp < 0x800 && i + 1 < n) {
			p[i++] = (uint8_t)(0xc0 | cp >> 6);
			p[i++] = (uint8_t)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000 && i + 2 < n) {
			p[i++] = (uint8_t)(0xe0 | cp >> 12);
			p[i++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
			p[i++] = (uint8_t)(0x80 | (cp & 0x3f));
		} else if (i + 3 < n) {
			p[i++] = (uint8_t)(0xf0 | cp >> 18);
			p[i++] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
			p[i++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
			p[i++] = (uint8_t)(0x80 | (cp & 0x3f));
		} else
			p[i++] = ' ';
	}
}

/* Double-byte text: common characters of one list, others, ASCII. */
static void
gen_mbcs(uint8_t *p, size_t n)
{
	static const struct {
		const uint16_t	*list;
		size_t		 n;
	} lists[] = {
		{ common_sjis, NELEM(common_sjis) },
		{ common_euc_jp, NELEM(common_euc_jp) },
		{ common_euc_kr, NELEM(common_euc_kr) },
		{ common_big5, NELEM(common_big5) },
		{ common_gb18030, NELEM(common_gb18030) },
	};
	size_t	l = rng() % NELEM(lists), i = 0;
	int	errors = rng() % 3;

	while (i < n) {
		uint32_t kind = rng() % 10;
		uint16_t c;

		if (kind < 2 || i + 1 >= n) {
			p[i++] = (uint8_t)(0x20 + rng() % 0x5f);
			continue;
		}
		if (kind < 6)
			c = lists[l].list[rng() % lists[l].n];
		else if (kind < 9 || errors == 0)
			c = (uint16_t)(0xa1a1 + rng() % 0x5d5d);
		else
			c = (uint16_t)rng();
		p[i++] = (uint8_t)(c >> 8);
		p[i++] = (uint8_t)c;
		if (errors == 2 && rng() % 20 == 0 && i + 3 < n) {
			/* GB18030 four-byte or EUC three-byte forms */
			p[i++] = (uint8_t)(0x81 + rng() % 0x7e);
			p[i++] = (uint8_t)(0x30 + rng() % 10);
			p[i++] = (uint8_t)(0x81 + rng() % 0x7e);
			p[i++] = (uint8_t)(0x30 + rng() % 10);
		}
	}
}

static void
gen_2022(uint8_t *p, size_t n)
{
	const struct escape	*sets[] = { escapes_2022jp, escapes_2022kr,
				    escapes_2022cn };
	const size_t		 nsets[] = { NELEM(escapes_2022jp),
				    NELEM(escapes_2022kr),
				    NELEM(escapes_2022cn) };
	size_t			 s = rng() % 3, i = 0, k;

	while (i < n) {
		uint32_t kind = rng() % 12;

		if (kind == 0 && i + 4 < n) {
			const struct escape *e = &sets[s][rng() % nsets[s]];

			p[i++] = 0x1b;
			for (k = 0; k < e->len; k++)
				p[i++] = e->seq[k];
		} else if (kind == 1)
			p[i++] = rng() % 4 == 0 ? 0x1b : (rng() % 2 ? 0x0e :
			    0x0f);
		else
			p[i++] = (uint8_t)(0x21 + rng() % 0x5e);
	}
}

/* Markup around a body, sometimes with stray '<'. */
static size_t
gen_html(uint8_t *p, size_t n)
{
	static const char *const tags[] = { "<p>", "</p>", "<br>",
	    "<div class=\"x\">", "</div>", "<a href=\"http://e.x/\">", "</a>",
	    "<", "<b>", "</b>", ">" };
	size_t	i = 0, t, body, k;

	while (i < n) {
		t = rng() % NELEM(tags);
		if (rng() % 3 == 0 && i + strlen(tags[t]) < n) {
			memcpy(p + i, tags[t], strlen(tags[t]));
			i += strlen(tags[t]);
			continue;
		}
		body = 1 + rng() % 40;
		if (body > n - i)
			body = n - i;
		switch (rng() % 3) {
		case 0:
			gen_ngrams(p + i, body);
			break;
		case 1:
			gen_utf8(p + i, body);
			break;
		default:
			for (k = 0; k < body; k++)
				p[i + k] = (uint8_t)(0x20 + rng() % 0x5f);
		}
		i += body;
	}
	return i;
}

/*
 * Western text with a few bytes above 0x7F: the maps agree on the rest,
 * so the groups other than the first correct its counts around those
 * bytes.  Some land first, last, in pairs, or next to spaces.
 */
static void
gen_few_high(uint8_t *p, size_t n)
{
	size_t	i, k, nhigh;

	gen_ngrams(p, n);
	for (i = 0; i < n; i++)
		if (p[i] >= 0x80)
			p[i] = rng() % 4 == 0 ? ' ' : (uint8_t)('a' + rng() % 26);
	if (n == 0)
		return;
	nhigh = 1 + rng() % (rng() % 4 == 0 ? 64 : 6);
	for (k = 0; k < nhigh; k++) {
		switch (rng() % 6) {
		case 0:
			i = 0;
			break;
		case 1:
			i = n - 1;
			break;
		default:
			i = rng() % n;
		}
		p[i] = (uint8_t)(0x80 + rng() % 0x80);
		if (rng() % 4 == 0 && i + 1 < n)
			p[i + 1] = rng() % 2 ? ' ' : (uint8_t)(0x80 + rng() % 0x80);
		if (rng() % 4 == 0 && i > 0)
			p[i - 1] = ' ';
	}
}

static size_t
gen_input(uint8_t *p, size_t cap)
{
	size_t	n = rng_len(), i;

	if (n > cap)
		n = cap;
	switch (rng() % 10) {
	case 0:
		for (i = 0; i < n; i++)
			p[i] = (uint8_t)rng();
		break;
	case 8:
	case 9:
		gen_few_high(p, n);
		break;
	case 1:
		for (i = 0; i < n; i++)
			p[i] = (uint8_t)(0x20 + rng() % 0x5f);
		if (n > 0 && rng() % 2)
			p[rng() % n] = (uint8_t)(0x80 + rng() % 0x80);
		break;
	case 2:
	case 3:
		gen_ngrams(p, n);
		break;
	case 4:
		gen_utf8(p, n);
		break;
	case 5:
		gen_mbcs(p, n);
		break;
	case 6:
		gen_2022(p, n);
		break;
	default:
		n = gen_html(p, n);
	}
	/* BOMs and zero bytes that steer the Unicode recognizers */
	if (n >= 4 && rng() % 10 == 0) {
		static const uint8_t boms[][4] = { { 0xef, 0xbb, 0xbf, 'a' },
		    { 0xfe, 0xff, 0, 'a' }, { 0xff, 0xfe, 'a', 0 },
		    { 0xff, 0xfe, 0, 0 }, { 0, 0, 0xfe, 0xff } };

		memcpy(p, boms[rng() % NELEM(boms)], 4);
	}
	return n;
}

/* ---- comparison ---- */

static int	confident;	/* inputs where some recognizer reached 85 */

static void
compare(const uint8_t *p, size_t n, int html)
{
	struct chardet_result	want[CHARDET_NRECOGNIZERS];
	struct chardet_result	got[CHARDET_NRECOGNIZERS];
	struct chardet_result	best;
	int			i, nw, ng, wbest = -1;

	nw = model_detect_all(p, n, html, want);
	ng = chardet_detect_all(p, n, html, got, CHARDET_NRECOGNIZERS);
	assert_int_equal(nw, ng);
	for (i = 0; i < nw; i++) {
		if (want[i].confidence != got[i].confidence ||
		    strcmp(want[i].charset, got[i].charset) != 0)
			fail_msg("recognizer %d (%s): model %s %d, fast %s %d, "
			    "len %zu html %d", i, recognizers[i].charset,
			    want[i].charset, want[i].confidence,
			    got[i].charset, got[i].confidence, n, html);
		if (want[i].confidence > (wbest < 0 ? 0 :
		    want[wbest].confidence))
			wbest = i;
	}
	chardet_detect(p, n, html, &best);
	if (wbest < 0)
		assert_null(best.charset);
	else {
		assert_string_equal(best.charset, want[wbest].charset);
		assert_int_equal(best.confidence, want[wbest].confidence);
		if (want[wbest].confidence >= 85)
			confident++;
	}
}

static void
test_random_inputs(void **state)
{
	static uint8_t	buf[16384];
	int		i;
	size_t		n;

	(void)state;
	confident = 0;
	for (i = 0; i < 1000; i++) {
		n = gen_input(buf, sizeof(buf));
		compare(buf, n, 0);
		compare(buf, n, 1);
		/* every length near the end of a short input */
		if (i % 50 == 0)
			for (; n > 0 && n % 16 != 0; n--)
				compare(buf, n, 0);
	}
	/* the generators reach the 85 decision, so a wrong fast path shows */
	print_message("%d confident inputs\n", confident);
	assert_true(confident > 100);
}

/*
 * Text from a model's frequent 3-grams (high bytes included), with
 * runs of spaces and bytes mapped to 0 before some bytes above 0x7F,
 * and ASCII elsewhere: the corrected counts must equal a full pass
 * exactly, count and hits of every model.
 */
static void
test_sbcs_patch(void **state)
{
	static uint8_t	buf[8192];
	uint32_t	c1[CHARDET_NSBCS], h1[CHARDET_NSBCS];
	uint32_t	c2[CHARDET_NSBCS], h2[CHARDET_NSBCS];
	size_t		n, i, k, r;
	int		round, differ = 0;

	(void)state;
	for (round = 0; round < 3000; round++) {
		n = 64 + rng() % (sizeof(buf) - 64);
		gen_ngrams(buf, n);
		/* keep a few of the bytes above 0x7F, ASCII letters for the rest */
		for (i = 0; i < n; i++)
			if (buf[i] >= 0x80 && rng() % (1 + round % 40) != 0)
				buf[i] = (uint8_t)('a' + rng() % 26);
		for (k = 0; k < 4; k++) {
			i = rng() % n;
			if (buf[i] < 0x80 || i < 8)
				continue;
			/* spaces, tabs and controls (mapped to 0 or a space) */
			switch (rng() % 4) {
			case 0:
				memset(buf + i - 4, ' ', 4);
				break;
			case 1:
				buf[i - 1] = '\t';
				buf[i - 2] = ' ';
				buf[i - 3] = 0x01;
				break;
			case 2:
				buf[i - 1] = ' ';
				buf[i - 2] = 0x01;
				buf[i - 3] = ' ';
				break;
			default:
				memset(buf + i - 8, 0x01, 8);
			}
		}
		if (rng() % 4 == 0)
			buf[n - 1] = (uint8_t)(0x80 + rng() % 0x80);
		chardet_sbcs_hits(buf, n, 1, c1, h1);
		chardet_sbcs_hits(buf, n, 0, c2, h2);
		for (r = 0; r < CHARDET_NSBCS; r++) {
			if (c1[r] != c2[r] || h1[r] != h2[r])
				fail_msg("round %d model %zu: patched %u/%u, "
				    "pass %u/%u", round, r, h1[r], c1[r], h2[r],
				    c2[r]);
			differ += r > 0 && (h2[r] != h2[0] || c2[r] != c2[0]);
		}
	}
	/* the models do differ, so a wrong correction would show */
	assert_true(differ > 1000);
}

/*
 * Count and hits of every single-byte recognizer, with and without the
 * corrected counts, against the model's parser and binary search: the
 * table's tags and the bucket count (SSE2 or plain C, whichever this
 * build has) must find exactly the 3-grams the search finds.
 */
static void
compare_sbcs_hits(const uint8_t *p, size_t n)
{
	uint32_t	c[2][CHARDET_NSBCS], h[2][CHARDET_NSBCS];
	uint32_t	count, hits;
	size_t		i, r = 0;
	int		patch;

	chardet_sbcs_hits(p, n, 1, c[1], h[1]);
	chardet_sbcs_hits(p, n, 0, c[0], h[0]);
	for (i = 0; i < NELEM(recognizers); i++) {
		if (recognizers[i].kind != RK_SBCS)
			continue;
		sbcs_model_hits(p, n, recognizers[i].map,
		    recognizers[i].ngrams, &count, &hits);
		for (patch = 0; patch < 2; patch++)
			if (c[patch][r] != count || h[patch][r] != hits)
				fail_msg("%s (model %zu), patch %d: %u/%u, "
				    "model %u/%u, len %zu",
				    recognizers[i].charset, r, patch,
				    h[patch][r], c[patch][r], hits, count, n);
		r++;
	}
	assert_int_equal(r, CHARDET_NSBCS);
}

/*
 * Calls fn on the start (up to bufsize bytes) of each file of the shared
 * corpus directories sub, at most per_dir * (index + 1) files in all by
 * the end of each directory.  The number of files read.
 */
static size_t
corpus_each(const char *const *sub, size_t nsub, size_t per_dir,
    uint8_t *buf, size_t bufsize, void (*fn)(const uint8_t *, size_t))
{
	char		 path[4096];
	struct dirent	*e;
	DIR		*d;
	FILE		*f;
	size_t		 s, n, files = 0;

	for (s = 0; s < nsub; s++) {
		snprintf(path, sizeof(path), "%s/corpus/spamassassin/%s",
		    testutil_shared_dir(), sub[s]);
		if ((d = opendir(path)) == NULL)
			continue;
		while ((e = readdir(d)) != NULL && files < per_dir * (s + 1)) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path),
			    "%s/corpus/spamassassin/%s/%s",
			    testutil_shared_dir(), sub[s], e->d_name);
			if ((f = fopen(path, "rb")) == NULL)
				continue;
			n = fread(buf, 1, bufsize, f);
			fclose(f);
			fn(buf, n);
			files++;
		}
		closedir(d);
	}
	return files;
}

static void
test_sbcs_hits(void **state)
{
	static uint8_t	 buf[CHARDET_WINDOW];
	static const char *const sub[] = { "easy-ham-1", "spam-2" };
	size_t		 n;
	int		 i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		n = gen_input(buf, sizeof(buf));
		compare_sbcs_hits(buf, n);
		if (i % 4 == 0) {
			gen_few_high(buf, n);
			compare_sbcs_hits(buf, n);
		}
	}
	(void)corpus_each(sub, NELEM(sub), 60, buf, sizeof(buf),
	    compare_sbcs_hits);
}

/* A corpus file as text, as HTML, and from a third of the way in. */
static void
compare_file(const uint8_t *p, size_t n)
{
	compare(p, n, 0);
	compare(p, n, 1);
	compare(p + n / 3, n - n / 3, 1);
}

static void
test_corpus(void **state)
{
	static const char *const sub[] = { "easy-ham-1", "hard-ham-1",
	    "spam-1", "spam-2" };
	static uint8_t	 buf[1 << 20];

	(void)state;
	if (corpus_each(sub, NELEM(sub), 80, buf, sizeof(buf),
	    compare_file) == 0)
		skip();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_inputs),
		cmocka_unit_test(test_sbcs_patch),
		cmocka_unit_test(test_sbcs_hits),
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
