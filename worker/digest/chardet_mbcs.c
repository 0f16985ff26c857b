/*
 * The multi-byte recognizers of the charset detector (Shift_JIS, GB18030,
 * EUC-JP, EUC-KR, Big5).  Each splits the raw bytes into characters with
 * its own crude rules and scores the share of frequent characters.  The
 * splitters are reproduced with their quirks (the last character is never
 * counted, EUC's three-byte form and GB18030's four-byte form are folded
 * into 16 bits) because the confidences must match upstream's exactly.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "chardet_tables.h"
#include "utf8.h"

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

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

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

	for (;;) {
		/*
		 * Every splitter takes a byte below 0x80 as a one-byte
		 * character that is neither bad nor double, so a run of them
		 * only adds to total (the last character of the input is not
		 * counted) and cannot change the early exit below.
		 */
		if (pos < len && p[pos] < 0x80) {
			size_t end = utf8_ascii_end(p, pos, len);

			if (end == len) {
				total += (long)(end - pos - 1);
				break;
			}
			total += (long)(end - pos);
			pos = end;
		}
		if (!next(p, len, &pos, &c))
			break;
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

int
chardet_mbcs_sjis(const uint8_t *p, size_t len)
{
	return mbcs_confidence(p, len, next_sjis, common_sjis,
	    NELEM(common_sjis));
}

int
chardet_mbcs_gb18030(const uint8_t *p, size_t len)
{
	return mbcs_confidence(p, len, next_gb18030, common_gb18030,
	    NELEM(common_gb18030));
}

int
chardet_mbcs_euc_jp(const uint8_t *p, size_t len)
{
	return mbcs_confidence(p, len, next_euc, common_euc_jp,
	    NELEM(common_euc_jp));
}

int
chardet_mbcs_euc_kr(const uint8_t *p, size_t len)
{
	return mbcs_confidence(p, len, next_euc, common_euc_kr,
	    NELEM(common_euc_kr));
}

int
chardet_mbcs_big5(const uint8_t *p, size_t len)
{
	return mbcs_confidence(p, len, next_big5, common_big5,
	    NELEM(common_big5));
}
