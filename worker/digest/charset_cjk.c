/*
 * x/text v0.33.0's CJK decoders.  Each loop step mirrors one iteration of
 * the corresponding Transform method: the same byte classes, the same
 * number of bytes consumed by an invalid sequence, and the same end-of-input
 * rule (a truncated sequence at the end is one U+FFFD for its first byte,
 * the rest being decoded again).  Where x/text differs from the WHATWG
 * algorithms (an unmapped pair with an ASCII trail byte consumes both
 * bytes, ISO-2022-JP keeps control bytes, GBK ignores four-byte forms), the
 * x/text behaviour is the one reproduced.  Linear in the input.
 */
#include <stddef.h>
#include <stdint.h>

#include "charset_cjk.h"
#include "utf8.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define RUNE_ERROR	UTF8_RUNE_ERROR

static uint32_t
table_lookup(const uint16_t *table, size_t n, size_t i)
{
	if (i >= n || table[i] == 0)
		return RUNE_ERROR;
	return table[i];
}

/* Returns the four-byte GB18030 pointer's code point, or 0 if invalid. */
static uint32_t
gb18030_four(uint32_t pointer)
{
	size_t	lo = 0, hi = NELEM(cs_cjk_gb18030_ranges), mid;

	if (pointer < 39420) {
		/* The last range whose first pointer is <= pointer. */
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (pointer >= cs_cjk_gb18030_ranges[mid][0])
				lo = mid + 1;
			else
				hi = mid;
		}
		return pointer - cs_cjk_gb18030_ranges[lo - 1][0] +
		    cs_cjk_gb18030_ranges[lo - 1][1];
	}
	if (pointer >= 189000 && pointer - 189000 < 0x100000)
		return pointer - 189000 + 0x10000;
	return 0;
}

static int
decode_gbk(const uint8_t *in, size_t len, int gb18030, struct buf *out)
{
	size_t		i = 0, size;
	uint32_t	r;
	uint8_t		c0, c1;

	while (i < len) {
		c0 = in[i];
		r = RUNE_ERROR;
		size = 1;
		if (c0 < 0x80)
			r = c0;
		else if (c0 == 0x80)
			r = 0x20ac;
		else if (c0 < 0xff && i + 1 < len) {
			c1 = in[i + 1];
			if ((c1 >= 0x40 && c1 < 0x7f) || (c1 >= 0x80 &&
			    c1 < 0xff)) {
				c1 = (uint8_t)(c1 - (c1 < 0x7f ? 0x40 : 0x41));
				r = table_lookup(cs_cjk_gbk, NELEM(cs_cjk_gbk),
				    (size_t)(c0 - 0x81) * 190 + c1);
				size = 2;
			} else if (gb18030 && c1 >= 0x30 && c1 < 0x40 &&
			    i + 3 < len && in[i + 2] >= 0x81 &&
			    in[i + 2] < 0xff && in[i + 3] >= 0x30 &&
			    in[i + 3] < 0x3a) {
				r = gb18030_four((((uint32_t)(c0 - 0x81) * 10 +
				    (c1 - 0x30u)) * 126 + (in[i + 2] - 0x81u)) *
				    10 + (in[i + 3] - 0x30u));
				if (r != 0)
					size = 4;
				else
					r = RUNE_ERROR;
			}
		}
		if (utf8_append_rune(out, r) == -1)
			return -1;
		i += size;
	}
	return 0;
}

/* HZ-GB-2312: "~{" enters GB mode, "~}" leaves it, "~~" is '~'. */
static int
decode_hz(const uint8_t *in, size_t len, struct buf *out)
{
	size_t		i = 0, size;
	uint32_t	r;
	uint8_t		c0, c1;
	int		gb = 0;

	while (i < len) {
		c0 = in[i];
		r = RUNE_ERROR;
		size = 1;
		if (c0 >= 0x80)
			;
		else if (c0 == '~') {
			/*
			 * x/text leaves a final '~' without a size and loops
			 * forever; one U+FFFD ends the text here instead.
			 */
			if (i + 1 >= len)
				return utf8_append_rune(out, RUNE_ERROR);
			size = 2;
			switch (in[i + 1]) {
			case '{':
				gb = 1;
				i += 2;
				continue;
			case '}':
				gb = 0;
				i += 2;
				continue;
			case '\n':
				i += 2;
				continue;
			case '~':
				r = '~';
				break;
			}
		} else if (!gb)
			r = c0;
		else if (i + 1 < len) {
			size = 2;
			c1 = in[i + 1];
			if (c0 >= 0x21 && c0 < 0x7e && c1 >= 0x21 && c1 < 0x7f)
				r = table_lookup(cs_cjk_gbk, NELEM(cs_cjk_gbk),
				    (size_t)(c0 - 0x01) * 190 + c1 + 0x3f);
			else if (c1 > 0x80)
				size = 1;
		}
		if (utf8_append_rune(out, r) == -1)
			return -1;
		i += size;
	}
	return 0;
}

static int
decode_big5(const uint8_t *in, size_t len, struct buf *out)
{
	/* Pointers that decode to two code points (WHATWG's Big5 rules). */
	static const struct {
		uint16_t	pointer;
		uint16_t	rune[2];
	} pairs[] = {
		{ 1133, { 0x00ca, 0x0304 } }, { 1135, { 0x00ca, 0x030c } },
		{ 1164, { 0x00ea, 0x0304 } }, { 1166, { 0x00ea, 0x030c } },
	};
	size_t		i = 0, size, p, k;
	uint32_t	r;
	uint8_t		c0, c1;

	while (i < len) {
		c0 = in[i];
		r = RUNE_ERROR;
		size = 1;
		if (c0 < 0x80)
			r = c0;
		else if (c0 >= 0x81 && c0 < 0xff && i + 1 < len) {
			c1 = in[i + 1];
			if ((c1 >= 0x40 && c1 < 0x7f) || (c1 >= 0xa1 &&
			    c1 < 0xff)) {
				size = 2;
				p = (size_t)(c0 - 0x81) * 157 +
				    (size_t)(c1 - (c1 < 0x7f ? 0x40 : 0x62));
				for (k = 0; k < NELEM(pairs); k++)
					if (pairs[k].pointer == p)
						break;
				if (k < NELEM(pairs)) {
					if (utf8_append_rune(out,
					    pairs[k].rune[0]) == -1 ||
					    utf8_append_rune(out,
					    pairs[k].rune[1]) == -1)
						return -1;
					i += size;
					continue;
				}
				r = table_lookup(cs_cjk_big5,
				    NELEM(cs_cjk_big5), p);
				if (r != RUNE_ERROR &&
				    (cs_cjk_big5_plane2[p / 8] >> (p % 8)) & 1)
					r += 0x20000;
			} else if (c1 >= 0x40)
				size = 2;	/* 0x7f-0xa0, 0xff: both bytes */
		}
		if (utf8_append_rune(out, r) == -1)
			return -1;
		i += size;
	}
	return 0;
}

static int
decode_euc_jp(const uint8_t *in, size_t len, struct buf *out)
{
	size_t		i = 0, size;
	uint32_t	r;
	uint8_t		c0, c1, c2;

	while (i < len) {
		c0 = in[i];
		r = RUNE_ERROR;
		size = 1;
		if (c0 < 0x80)
			r = c0;
		else if (c0 == 0x8e) {
			if (i + 1 < len) {
				c1 = in[i + 1];
				if (c1 >= 0xa1 && c1 <= 0xdf) {
					r = c1 + (0xff61u - 0xa1);
					size = 2;
				} else if (c1 > 0xdf && c1 != 0xff)
					size = 2;
			}
		} else if (c0 == 0x8f) {
			if (i + 2 >= len) {
				/* Truncated: the lead and a valid second byte. */
				if (i + 1 < len && in[i + 1] >= 0xa1 &&
				    in[i + 1] < 0xfe)
					size = 2;
			} else {
				c1 = in[i + 1];
				c2 = in[i + 2];
				if (c1 < 0xa1 || c1 > 0xfe)
					;
				else if (c2 < 0xa1 || c2 > 0xfe)
					size = 2;
				else {
					size = 3;
					r = table_lookup(cs_cjk_jis0212,
					    NELEM(cs_cjk_jis0212),
					    (size_t)(c1 - 0xa1) * 94 +
					    (c2 - 0xa1));
				}
			}
		} else if (c0 >= 0xa1 && c0 <= 0xfe && i + 1 < len) {
			c1 = in[i + 1];
			if (c1 >= 0xa1 && c1 <= 0xfe) {
				size = 2;
				r = table_lookup(cs_cjk_jis0208,
				    NELEM(cs_cjk_jis0208),
				    (size_t)(c0 - 0xa1) * 94 + (c1 - 0xa1));
			}
		}
		if (utf8_append_rune(out, r) == -1)
			return -1;
		i += size;
	}
	return 0;
}

enum iso2022jp_state {
	ISO2022JP_ASCII,
	ISO2022JP_KATAKANA,
	ISO2022JP_JIS0208,
	ISO2022JP_JIS0212,
};

static int
decode_iso2022jp(const uint8_t *in, size_t len, struct buf *out)
{
	enum iso2022jp_state	state = ISO2022JP_ASCII;
	size_t			i = 0, size, index;
	uint32_t		r;
	uint8_t			c0, c1, c2;

	while (i < len) {
		c0 = in[i];
		r = RUNE_ERROR;
		size = 1;
		if (c0 >= 0x80)
			;
		else if (c0 == 0x1b) {
			/* Unknown or truncated escapes: U+FFFD for ESC only. */
			if (i + 2 < len) {
				c1 = in[i + 1];
				c2 = in[i + 2];
				if (c1 == '$' && (c2 == '@' || c2 == 'B')) {
					state = ISO2022JP_JIS0208;
					i += 3;
					continue;
				}
				if (c1 == '$' && c2 == '(' && i + 3 < len &&
				    in[i + 3] == 'D') {
					state = ISO2022JP_JIS0212;
					i += 4;
					continue;
				}
				if (c1 == '(' && (c2 == 'B' || c2 == 'J')) {
					state = ISO2022JP_ASCII;
					i += 3;
					continue;
				}
				if (c1 == '(' && c2 == 'I') {
					state = ISO2022JP_KATAKANA;
					i += 3;
					continue;
				}
			}
		} else if (state == ISO2022JP_ASCII)
			r = c0;
		else if (state == ISO2022JP_KATAKANA) {
			if (c0 >= 0x21 && c0 < 0x60)
				r = c0 + (0xff61u - 0x21);
		} else if (c0 == '\n') {
			state = ISO2022JP_ASCII;
			r = c0;
		} else if (i + 1 < len) {
			/*
			 * Any second byte is taken, and x/text computes the
			 * index in uint8 arithmetic: bytes below 0x21 wrap.
			 */
			size = 2;
			index = (size_t)(uint8_t)(c0 - 0x21) * 94 +
			    (uint8_t)(in[i + 1] - 0x21);
			if (state == ISO2022JP_JIS0208)
				r = table_lookup(cs_cjk_jis0208,
				    NELEM(cs_cjk_jis0208), index);
			else
				r = table_lookup(cs_cjk_jis0212,
				    NELEM(cs_cjk_jis0212), index);
		}
		if (utf8_append_rune(out, r) == -1)
			return -1;
		i += size;
	}
	return 0;
}

static int
decode_shift_jis(const uint8_t *in, size_t len, struct buf *out)
{
	size_t		i = 0, size;
	uint32_t	r;
	uint8_t		c0, c1, row;

	while (i < len) {
		c0 = in[i];
		r = RUNE_ERROR;
		size = 1;
		if (c0 < 0x80)
			r = c0;
		else if (c0 == 0x80)
			r = 0x80;
		else if (c0 >= 0xa1 && c0 < 0xe0)
			r = c0 + (0xff61u - 0xa1);
		else if (((c0 >= 0x81 && c0 < 0xa0) || (c0 >= 0xe0 &&
		    c0 < 0xfd)) && i + 1 < len) {
			c1 = in[i + 1];
			row = (uint8_t)(2 * (c0 - (c0 <= 0x9f ? 0x70 : 0xb0)) -
			    0x21);
			if (c1 < 0x40 || c1 == 0x7f)
				;	/* ASCII trail: decoded next */
			else if (c1 >= 0xfd)
				size = 2;
			else {
				size = 2;
				if (c1 < 0x9f) {
					row--;
					c1 = (uint8_t)(c1 - (c1 < 0x7f ? 0x40 :
					    0x41));
				} else
					c1 -= 0x9f;
				r = table_lookup(cs_cjk_jis0208,
				    NELEM(cs_cjk_jis0208),
				    (size_t)row * 94 + c1);
			}
		}
		if (utf8_append_rune(out, r) == -1)
			return -1;
		i += size;
	}
	return 0;
}

/* x/text's EUC-KR index: 178 cells per lead below 0xC7, then 94. */
static int
decode_euc_kr(const uint8_t *in, size_t len, struct buf *out)
{
	size_t		i = 0, size, index;
	uint32_t	r;
	uint8_t		c0, c1;
	int		valid;

	while (i < len) {
		c0 = in[i];
		r = RUNE_ERROR;
		size = 1;
		if (c0 < 0x80)
			r = c0;
		else if (c0 >= 0x81 && c0 < 0xff && i + 1 < len) {
			c1 = in[i + 1];
			valid = 1;
			index = 0;
			if (c0 < 0xc7) {
				index = 178 * (size_t)(c0 - 0x81);
				if (c1 >= 0x41 && c1 < 0x5b)
					index += c1 - 0x41u;
				else if (c1 >= 0x61 && c1 < 0x7b)
					index += c1 - 0x61u + 26;
				else if (c1 >= 0x81 && c1 < 0xff)
					index += c1 - 0x81u + 52;
				else
					valid = 0;
			} else if (c1 >= 0xa1 && c1 < 0xff)
				index = 178 * (size_t)(0xc7 - 0x81) +
				    (size_t)(c0 - 0xc7) * 94 + (c1 - 0xa1u);
			else
				valid = 0;
			if (valid)
				r = table_lookup(cs_cjk_euckr,
				    NELEM(cs_cjk_euckr), index);
			/* An error keeps a non-ASCII trail byte with it. */
			if (r == RUNE_ERROR && c1 < 0x80)
				size = 1;
			else
				size = 2;
		}
		if (utf8_append_rune(out, r) == -1)
			return -1;
		i += size;
	}
	return 0;
}

int
charset_cjk_decode(enum charset_cjk which, const uint8_t *in, size_t len,
    struct buf *out)
{
	switch (which) {
	case CJK_GBK:
		return decode_gbk(in, len, 0, out);
	case CJK_GB18030:
		return decode_gbk(in, len, 1, out);
	case CJK_HZ_GB2312:
		return decode_hz(in, len, out);
	case CJK_BIG5:
		return decode_big5(in, len, out);
	case CJK_EUC_JP:
		return decode_euc_jp(in, len, out);
	case CJK_ISO2022_JP:
		return decode_iso2022jp(in, len, out);
	case CJK_SHIFT_JIS:
		return decode_shift_jis(in, len, out);
	case CJK_EUC_KR:
		return decode_euc_kr(in, len, out);
	}
	return -1;
}
