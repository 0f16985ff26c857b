/*
 * Charset detection, ported from gogs/chardet (a Go port of ICU's
 * detector) because upstream lets its verdict override the declared
 * charset of a text part whenever the confidence reaches 85.  Every
 * recognizer is reproduced with the same integer and float32 arithmetic,
 * the same input filter and the same order.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chardet.h"
#include "chardet_tables.h"

#define CHARDET_WINDOW	8192

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

static int
recog_sbcs(const struct chardet_input *in, const uint8_t *map,
    const uint32_t *table)
{
	struct ngram_state	 s;
	size_t			 i;
	float			 rate;

	memset(&s, 0, sizeof(s));
	s.table = table;
	for (i = 0; i < in->len; i++) {
		uint8_t b = map[in->buf[i]];

		if (b != 0)
			ngram_add(&s, b);
	}
	ngram_add(&s, 0x20);
	rate = s.count == 0 ? 0.0f : (float)s.hits / (float)s.count;
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

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

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
	}
	return 0;
}

int
chardet_detect_all(const uint8_t *buf, size_t len, int html,
    struct chardet_result *all, size_t nall)
{
	static struct chardet_input	 in;	/* 8 KiB: kept off the stack */
	size_t				 i;

	chardet_prepare(&in, buf, len, html);
	for (i = 0; i < NELEM(recognizers) && i < nall; i++) {
		const struct recognizer *r = &recognizers[i];

		all[i].charset = r->c1_charset != NULL && in.has_c1 ?
		    r->c1_charset : r->charset;
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
