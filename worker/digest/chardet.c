/*
 * Charset detection, ported from gogs/chardet (a Go port of ICU's
 * detector) because upstream lets its verdict override the declared
 * charset of a text part whenever the confidence reaches 85.  Every
 * recognizer is reproduced with the same integer and float32 arithmetic,
 * the same input filter and the same order.  What the recognizers have in
 * common is computed once (the window, its byte values, one n-gram pass
 * per group of agreeing maps); tests/unit/test_chardet_fast.c keeps the
 * one-recognizer-at-a-time version and checks that the results are equal.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chardet.h"
#include "chardet_tables.h"
#include "utf8.h"

#define CHARDET_WINDOW	8192

struct chardet_input {
	const uint8_t	*raw;
	size_t		 rawlen;
	const uint8_t	*text;		/* the window: raw or stripped */
	size_t		 len;
	uint8_t		 stripped[CHARDET_WINDOW];
	uint64_t	 present[4];	/* byte values in the window */
	int		 has_c1;
	int		 has_esc;
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
	const uint8_t	*lt, *gt;
	uint8_t		 seen[256];
	size_t		 i, n = 0, stop;
	long		 open_tags = 0, bad_tags = 0;
	int		 in_markup = 0, c;

	in->raw = raw;
	in->rawlen = len;
	in->text = in->stripped;
	/*
	 * Text up to a "<" is kept (up to the window, where counting stops
	 * too); in markup, every "<" before the ">" is another open and bad
	 * tag.  memchr finds them.
	 */
	for (i = 0; html && i < len;) {
		if (!in_markup) {
			lt = memchr(raw + i, '<', len - i);
			stop = lt != NULL ? (size_t)(lt - raw) : len;
			if (stop - i >= CHARDET_WINDOW - n) {
				memcpy(in->stripped + n, raw + i,
				    CHARDET_WINDOW - n);
				n = CHARDET_WINDOW;
				break;
			}
			memcpy(in->stripped + n, raw + i, stop - i);
			n += stop - i;
			if ((i = stop) == len)
				break;
			in_markup = 1;
			open_tags++;
			i++;
			continue;
		}
		gt = memchr(raw + i, '>', len - i);
		stop = gt != NULL ? (size_t)(gt - raw) : len;
		while ((lt = memchr(raw + i, '<', stop - i)) != NULL) {
			bad_tags++;
			open_tags++;
			i = (size_t)(lt - raw) + 1;
		}
		if (stop == len)
			break;
		in_markup = 0;
		i = stop + 1;
	}
	if (open_tags < 5 || open_tags / 5 < bad_tags ||
	    (n < 100 && len > 600)) {
		n = len < CHARDET_WINDOW ? len : CHARDET_WINDOW;
		in->text = raw;
	}
	in->len = n;
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < n; i++)
		seen[in->text[i]] = 1;
	memset(in->present, 0, sizeof(in->present));
	for (c = 0; c < 256; c++)
		if (seen[c])
			in->present[c >> 6] |= (uint64_t)1 << (c & 63);
	in->has_c1 = 0;
	for (c = 0x80; c <= 0x9f; c++)
		in->has_c1 |= seen[c];
	in->has_esc = seen[0x1b];
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
		uint8_t c;

		/* ASCII bytes are skipped one by one upstream */
		if ((i = utf8_ascii_end(p, i, len)) >= len)
			break;
		c = p[i];
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
utf32_confidence(int bom, uint32_t valid, uint32_t invalid)
{
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

/* UTF-32BE and UTF-32LE over the same code units, in one pass. */
static void
recog_utf32(const struct chardet_input *in, int *be, int *le)
{
	const uint8_t	*p = in->raw;
	size_t		 i;
	uint32_t	 invalid_be = 0, invalid_le = 0, units, c;

	/*
	 * Without a NUL byte no unit has a zero top byte in either order, so
	 * every unit is above 0x10FFFF and no BOM can be there: both are 0.
	 */
	if (memchr(p, 0, in->rawlen) == NULL) {
		*be = *le = 0;
		return;
	}
	for (i = 0; i + 4 <= in->rawlen; i += 4) {
		c = (uint32_t)p[i] << 24 | (uint32_t)p[i + 1] << 16 |
		    (uint32_t)p[i + 2] << 8 | p[i + 3];
		invalid_be += c >= 0x10ffff || (c >= 0xd800 && c <= 0xdfff);
		c = (uint32_t)p[i + 3] << 24 | (uint32_t)p[i + 2] << 16 |
		    (uint32_t)p[i + 1] << 8 | p[i];
		invalid_le += c >= 0x10ffff || (c >= 0xd800 && c <= 0xdfff);
	}
	units = (uint32_t)(in->rawlen / 4);
	*be = utf32_confidence(has_prefix(p, in->rawlen, "\0\0\xfe\xff", 4),
	    units - invalid_be, invalid_be);
	*le = utf32_confidence(has_prefix(p, in->rawlen, "\xff\xfe\0\0", 4),
	    units - invalid_le, invalid_le);
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
	const uint8_t	*p = in->text;
	size_t		 len = in->len, i, j;
	long		 hits = 0, misses = 0, shifts = 0, quality;

	if (!in->has_esc)
		return 0;	/* no escape, no hit */
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
	int		 sbcs;		/* index in chardet_sbcs.c's models */
};

/* Single-byte recognizers: map and n-grams are chardet_sbcs.c's. */
#define SB(cs, c1, index)	{ RK_SBCS, cs, c1, index }

/* Upstream's order: on a tie, the earlier recognizer wins here. */
static const struct recognizer recognizers[] = {
	{ RK_UTF8, "UTF-8", NULL, -1 },
	{ RK_UTF16BE, "UTF-16BE", NULL, -1 },
	{ RK_UTF16LE, "UTF-16LE", NULL, -1 },
	{ RK_UTF32BE, "UTF-32BE", NULL, -1 },
	{ RK_UTF32LE, "UTF-32LE", NULL, -1 },
	SB("ISO-8859-1", "windows-1252", 0),	/* en */
	SB("ISO-8859-1", "windows-1252", 1),	/* da */
	SB("ISO-8859-1", "windows-1252", 2),	/* de */
	SB("ISO-8859-1", "windows-1252", 3),	/* es */
	SB("ISO-8859-1", "windows-1252", 4),	/* fr */
	SB("ISO-8859-1", "windows-1252", 5),	/* it */
	SB("ISO-8859-1", "windows-1252", 6),	/* nl */
	SB("ISO-8859-1", "windows-1252", 7),	/* no */
	SB("ISO-8859-1", "windows-1252", 8),	/* pt */
	SB("ISO-8859-1", "windows-1252", 9),	/* sv */
	SB("ISO-8859-2", "windows-1250", 10),	/* cs */
	SB("ISO-8859-2", "windows-1250", 11),	/* hu */
	SB("ISO-8859-2", "windows-1250", 12),	/* pl */
	SB("ISO-8859-2", "windows-1250", 13),	/* ro */
	SB("ISO-8859-5", NULL, 14),		/* ru */
	SB("ISO-8859-6", NULL, 15),		/* ar */
	SB("ISO-8859-7", "windows-1253", 16),	/* el */
	SB("ISO-8859-8-I", "windows-1255", 17),	/* he, logical */
	SB("ISO-8859-8", "windows-1255", 18),	/* he, visual */
	SB("windows-1251", NULL, 19),		/* ru */
	SB("windows-1256", NULL, 20),		/* ar */
	SB("KOI8-R", NULL, 21),			/* ru */
	SB("ISO-8859-9", "windows-1254", 22),	/* tr */
	{ RK_SJIS, "Shift_JIS", NULL, -1 },
	{ RK_GB18030, "GB18030", NULL, -1 },
	{ RK_EUCJP, "EUC-JP", NULL, -1 },
	{ RK_EUCKR, "EUC-KR", NULL, -1 },
	{ RK_BIG5, "Big5", NULL, -1 },
	{ RK_2022JP, "ISO-2022-JP", NULL, -1 },
	{ RK_2022KR, "ISO-2022-KR", NULL, -1 },
	{ RK_2022CN, "ISO-2022-CN", NULL, -1 },
	SB("IBM424_rtl", NULL, 23),
	SB("IBM424_ltr", NULL, 24),
	SB("IBM420_rtl", NULL, 25),
	SB("IBM420_ltr", NULL, 26),
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* The recognizers that share nothing with the others. */
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
	case RK_SJIS:
		return chardet_mbcs_sjis(in->raw, in->rawlen);
	case RK_GB18030:
		return chardet_mbcs_gb18030(in->raw, in->rawlen);
	case RK_EUCJP:
		return chardet_mbcs_euc_jp(in->raw, in->rawlen);
	case RK_EUCKR:
		return chardet_mbcs_euc_kr(in->raw, in->rawlen);
	case RK_BIG5:
		return chardet_mbcs_big5(in->raw, in->rawlen);
	case RK_2022JP:
		return recog_2022(in, escapes_2022jp, NELEM(escapes_2022jp));
	case RK_2022KR:
		return recog_2022(in, escapes_2022kr, NELEM(escapes_2022kr));
	case RK_2022CN:
		return recog_2022(in, escapes_2022cn, NELEM(escapes_2022cn));
	case RK_UTF32BE:
	case RK_UTF32LE:
	case RK_SBCS:
		break;		/* computed together in chardet_detect_all */
	}
	return 0;
}

int
chardet_detect_all(const uint8_t *buf, size_t len, int html,
    struct chardet_result *all, size_t nall)
{
	static struct chardet_input	 in;	/* 8 KiB: kept off the stack */
	int				 sbcs[CHARDET_NSBCS], utf32[2];
	size_t				 i;

	chardet_prepare(&in, buf, len, html);
	recog_utf32(&in, &utf32[0], &utf32[1]);
	chardet_sbcs_all(in.text, in.len, in.present, sbcs);
	for (i = 0; i < NELEM(recognizers) && i < nall; i++) {
		const struct recognizer *r = &recognizers[i];

		all[i].charset = r->c1_charset != NULL && in.has_c1 ?
		    r->c1_charset : r->charset;
		if (r->kind == RK_SBCS)
			all[i].confidence = sbcs[r->sbcs];
		else if (r->kind == RK_UTF32BE || r->kind == RK_UTF32LE)
			all[i].confidence = utf32[r->kind == RK_UTF32LE];
		else
			all[i].confidence = recognize(r, &in);
	}
	return (int)i;
}

void
chardet_detect(const uint8_t *buf, size_t len, int html,
    struct chardet_result *best)
{
	struct chardet_result	all[NELEM(recognizers)];
	int			i, n;

	best->charset = NULL;
	best->confidence = 0;
	n = chardet_detect_all(buf, len, html, all, NELEM(all));
	for (i = 0; i < n; i++)
		if (all[i].confidence > best->confidence)
			*best = all[i];
}
