/*
 * normalizeEmailBody of upstream (analysis.go), step by step.
 *
 * Upstream runs six Go RE2 replacements.  Each is a hand-written scanner
 * here, reasoned from RE2's leftmost-first, non-overlapping semantics: the
 * reasoning behind each shortcut is next to it, and tests/unit/
 * test_normalize.c checks every scanner against a backtracking model.
 *
 * All patterns are ASCII except for one fold: under (?i), RE2 lets `s`
 * match U+017F (LATIN SMALL LETTER LONG S, C5 BF), so "ſrc=" and "ſtyle"
 * match.  ASCII bytes never occur inside a multi-byte UTF-8 sequence and
 * C5 is never a continuation byte, so byte-wise scanning finds exactly the
 * rune-aligned matches; an invalid byte is one U+FFFD rune, which the
 * negated classes match and nothing else does, as bytes >= 0x80 here.
 *
 * Linear time: every forward search for a delimiter goes through a cache
 * that remembers the last answer, and the start positions of those
 * searches never decrease, so each byte is examined a bounded number of
 * times whatever the input (e.g. ten million "<img" without a ">").
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "buf.h"
#include "normalize.h"
#include "utf8.h"

/* A search answer valid for any start in [from, at]. */
struct scan_cache {
	size_t	from;
	size_t	at;
	int	valid;
};

/* First i >= x with the searched property, or len; x may exceed len. */
typedef size_t	(*scan_find_fn)(const uint8_t *, size_t, size_t);

/* First i >= x found by find, or len. */
static size_t
scan_find(struct scan_cache *c, const uint8_t *s, size_t len, size_t x,
    scan_find_fn find)
{
	if (c->valid && x >= c->from && x <= c->at)
		return c->at;
	c->from = x;
	c->at = find(s, len, x);
	c->valid = 1;
	return c->at;
}

static int
ascii_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Case-insensitive ASCII literal at s[i]; lit is lower case. */
static int
match_literal(const uint8_t *s, size_t len, size_t i, const char *lit)
{
	size_t n = strlen(lit), k;

	if (len - i < n)
		return 0;
	for (k = 0; k < n; k++)
		if (ascii_lower(s[i + k]) != lit[k])
			return 0;
	return 1;
}

/* (?i)s: s, S or U+017F.  Returns the width matched, 0 if none. */
static size_t
match_fold_s(const uint8_t *s, size_t len, size_t i)
{
	if (i >= len)
		return 0;
	if (s[i] == 's' || s[i] == 'S')
		return 1;
	if (s[i] == 0xC5 && len - i >= 2 && s[i + 1] == 0xBF)
		return 2;
	return 0;
}

static int
is_re_space(uint8_t c)
{
	/* RE2 \s: no VT. */
	return c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

/*
 * The bytes each scanner stops at, so that the bytes in between are
 * skipped by one table test each.
 */
#define NC_HEX		0x01	/* [0-9a-fA-F] */
#define NC_DIGIT	0x02	/* [0-9] */
#define NC_HD		(NC_HEX | NC_DIGIT)

static const uint8_t norm_class[256] = {
	['0'] = NC_HD, ['1'] = NC_HD, ['2'] = NC_HD, ['3'] = NC_HD,
	['4'] = NC_HD, ['5'] = NC_HD, ['6'] = NC_HD, ['7'] = NC_HD,
	['8'] = NC_HD, ['9'] = NC_HD,
	['a'] = NC_HEX, ['b'] = NC_HEX, ['c'] = NC_HEX, ['d'] = NC_HEX,
	['e'] = NC_HEX, ['f'] = NC_HEX,
	['A'] = NC_HEX, ['B'] = NC_HEX, ['C'] = NC_HEX, ['D'] = NC_HEX,
	['E'] = NC_HEX, ['F'] = NC_HEX,
};

/* First i >= x whose byte is in class, or len. */
static size_t
skip_to(const uint8_t *s, size_t len, size_t x, uint8_t class)
{
	while (x < len && (norm_class[s[x]] & class) == 0)
		x++;
	return x;
}

/*
 * Word-at-a-time search, for the steps whose bytes of interest are rare:
 * eight bytes are tested at once and only a word that may hold one is
 * looked at byte by byte.
 */
#define W_ONES	0x0101010101010101ull
#define W_HIGHS	0x8080808080808080ull

static uint64_t
load_word(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Non-zero exactly when some byte of v is c. */
static uint64_t
word_has(uint64_t v, uint8_t c)
{
	uint64_t x = v ^ (W_ONES * c);

	return (x - W_ONES) & ~x & W_HIGHS;
}

/* 0x80 in each byte of v that is c, 0 elsewhere (no false positive). */
static uint64_t
word_bytes(uint64_t v, uint8_t c)
{
	uint64_t x = v ^ (W_ONES * c), low = ~W_HIGHS;

	return ~(((x & low) + low) | x | low);
}

/*
 * First i >= x with s[i] == c1 or s[i] == c2, or len.  x may exceed len.
 */
static size_t
find_either(const uint8_t *s, size_t len, size_t x, uint8_t c1, uint8_t c2)
{
#if defined(__SSE2__)
	__m128i	v, v1 = _mm_set1_epi8((char)c1), v2 = _mm_set1_epi8((char)c2);
	int	mask;

	for (; x + 16 <= len; x += 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(s + x));
		mask = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, v1),
		    _mm_cmpeq_epi8(v, v2)));
		if (mask != 0)
			return x + (size_t)__builtin_ctz((unsigned)mask);
	}
#else
	uint64_t v;

	for (; x + 8 <= len; x += 8) {
		v = load_word(s + x);
		if (word_has(v, c1) || word_has(v, c2))
			break;
	}
#endif
	while (x < len && s[x] != c1 && s[x] != c2)
		x++;
	return x;
}

/* First i >= x with s[i] "?" or "&", or len. */
static size_t
find_tracker(const uint8_t *s, size_t len, size_t x)
{
	return find_either(s, len, x, '?', '&');
}

/* First i >= x with s[i] "y" or "Y", or len. */
static size_t
find_y(const uint8_t *s, size_t len, size_t x)
{
	return find_either(s, len, x, 'y', 'Y');
}

/*
 * First i >= x holding a tab or a space followed by a space, or len:
 * every run of blanks but a lone space has one.  Words overlap by one
 * byte so that no pair is split.
 */
static size_t
find_blank_pair(const uint8_t *s, size_t len, size_t x)
{
	uint64_t v, sp;

	for (; x + 8 <= len; x += 7) {
		v = load_word(s + x);
		sp = word_bytes(v, ' ');
		if (word_has(v, '\t') || (sp & (sp >> 8)) != 0)
			break;
	}
	for (; x < len; x++)
		if (s[x] == '\t' ||
		    (s[x] == ' ' && x + 1 < len && s[x + 1] == ' '))
			break;
	return x;
}

/* (?i)src=" ; returns its width (5, or 6 with U+017F). */
static size_t
match_src(const uint8_t *s, size_t len, size_t i)
{
	size_t w = match_fold_s(s, len, i);

	if (w == 0 || !match_literal(s, len, i + w, "rc=\""))
		return 0;
	return w + 4;
}

static size_t
find_gt(const uint8_t *s, size_t len, size_t x)
{
	return find_either(s, len, x, '>', '>');
}

static size_t
find_quote(const uint8_t *s, size_t len, size_t x)
{
	return find_either(s, len, x, '"', '"');
}

static size_t
find_eq_amp(const uint8_t *s, size_t len, size_t x)
{
	return find_either(s, len, x, '=', '&');
}

/*
 * First i >= x where (?i)src=" starts, or len: found from its "=", which
 * lies at i + 3, or at i + 4 after U+017F.  At most one of the two fits a
 * given "=", and a later "=" cannot give an earlier start.
 */
static size_t
find_src(const uint8_t *s, size_t len, size_t x)
{
	size_t p;

	for (p = find_either(s, len, x + 3, '=', '='); p < len;
	    p = find_either(s, len, p + 1, '=', '=')) {
		if (match_src(s, len, p - 3) != 0)
			return p - 3;
		if (p >= x + 4 && match_src(s, len, p - 4) != 0)
			return p - 4;
	}
	return len;
}

/*
 * (?i)<img([^>]*?)src="[^"]*"([^>]*?)>  ->  <img${1}src="imgurl"${2}>
 *
 * From a "<img", the lazy group 1 stops at the first src=" before the
 * first ">" (g); [^"]* then ends at the first quote q; the lazy group 2 at
 * the first ">" after q.  Trying a later src=" cannot help: its own quote
 * lies after q, so a missing q or a missing ">" after q fails it too.
 */
static int
step_img(const uint8_t *s, size_t len, struct buf *out)
{
	struct scan_cache gt1 = { 0 }, src = { 0 }, quote = { 0 }, gt2 = { 0 };
	size_t i = 0, copied = 0, g, p, w, q, e;

	while (i + 4 <= len) {
		if ((i = find_either(s, len, i, '<', '<')) + 4 > len)
			break;
		if (!match_literal(s, len, i + 1, "img")) {
			i++;
			continue;
		}
		g = scan_find(&gt1, s, len, i + 4, find_gt);
		p = scan_find(&src, s, len, i + 4, find_src);
		if (p >= g) {
			i++;
			continue;
		}
		w = match_src(s, len, p);
		q = scan_find(&quote, s, len, p + w, find_quote);
		if (q >= len) {
			i++;
			continue;
		}
		e = scan_find(&gt2, s, len, q + 1, find_gt);
		if (e >= len) {
			i++;
			continue;
		}
		if (buf_append(out, s + copied, i - copied) == -1 ||
		    buf_append(out, "<img", 4) == -1 ||
		    buf_append(out, s + i + 4, p - (i + 4)) == -1 ||
		    buf_append(out, "src=\"imgurl\"", 12) == -1 ||
		    buf_append(out, s + q + 1, e - (q + 1)) == -1 ||
		    buf_putc(out, '>') == -1)
			return -1;
		copied = i = e + 1;
	}
	return buf_append(out, s + copied, len - copied);
}

/* Every maximal run of class bytes at least min long becomes "****". */
static int
step_runs(const uint8_t *s, size_t len, uint8_t class, size_t min,
    struct buf *out)
{
	size_t i = 0, start, copied = 0;

	while (i < len) {
		if ((i = skip_to(s, len, i, class)) >= len)
			break;
		start = i;
		while (i < len && (norm_class[s[i]] & class) != 0)
			i++;
		if (i - start < min)
			continue;
		if (buf_append(out, s + copied, start - copied) == -1 ||
		    buf_append(out, "****", 4) == -1)
			return -1;
		copied = i;
	}
	return buf_append(out, s + copied, len - copied);
}

/*
 * [0-9a-fA-F]{8,} -> "****", then \d{6,} -> "****", in one pass.  A digit
 * run lies inside one maximal hex run: where that run is replaced no
 * digit is left, and elsewhere the run's neighbours are original bytes
 * that are not hex, so the second step sees exactly the digit runs of
 * the hex runs shorter than 8.
 */
static int
step_hex_digits(const uint8_t *s, size_t len, struct buf *out)
{
	size_t i = 0, start, copied = 0, j, d;

	/*
	 * Only hex runs of 6 or more change anything.  s[i - 1] is never
	 * hex here, so when s[i + 5] is not hex no such run touches
	 * i .. i + 5 and the search moves on by 6.
	 */
	while (i + 6 <= len) {
		if ((norm_class[s[i + 5]] & NC_HEX) == 0) {
			i += 6;
			continue;
		}
		for (start = i + 5; start > i &&
		    (norm_class[s[start - 1]] & NC_HEX) != 0; start--)
			;
		for (i += 6; i < len && (norm_class[s[i]] & NC_HEX) != 0; i++)
			;
		if (i - start >= 8) {
			if (buf_append(out, s + copied, start - copied) == -1 ||
			    buf_append(out, "****", 4) == -1)
				return -1;
			copied = i;
		} else if (i - start >= 6) {
			for (j = start; j < i; j = d) {
				while (j < i &&
				    (norm_class[s[j]] & NC_DIGIT) == 0)
					j++;
				for (d = j; d < i &&
				    (norm_class[s[d]] & NC_DIGIT) != 0; d++)
					;
				if (d - j < 6)
					continue;
				if (buf_append(out, s + copied, j - copied) == -1 ||
				    buf_append(out, "****", 4) == -1)
					return -1;
				copied = d;
			}
		}
		i++;	/* s[i] is not hex */
	}
	return buf_append(out, s + copied, len - copied);
}

/*
 * (?i)\s*style\s*=\s*"[^"]*"  ->  ""
 *
 * A match must contain "style"; the leftmost one starts at the beginning of
 * the white space run before it (not before the end of the previous match).
 * Candidates are tried left to right, which orders their starts too, since
 * the run before a later "style" cannot reach back past an earlier "s".
 */
/* The (?i)style"..." that starts at i: index after its quote, or 0. */
static size_t
style_match(struct scan_cache *quote, const uint8_t *s, size_t len, size_t i)
{
	size_t w, j, q;

	w = match_fold_s(s, len, i);
	if (w == 0 || !match_literal(s, len, i + w, "tyle"))
		return 0;
	j = i + w + 4;
	while (j < len && is_re_space(s[j]))
		j++;
	if (j >= len || s[j] != '=')
		return 0;
	j++;
	while (j < len && is_re_space(s[j]))
		j++;
	if (j >= len || s[j] != '"')
		return 0;
	q = scan_find(quote, s, len, j + 1, find_quote);
	return q < len ? q + 1 : 0;
}

/*
 * Candidates are found from their "y" (rarer than "s"): a match at i has
 * it at i + 2, or at i + 3 after U+017F.  They are tried left to right,
 * each once.
 */
static int
step_style(const uint8_t *s, size_t len, struct buf *out)
{
	struct scan_cache quote = { 0 };
	size_t copied = 0, resume = 0, next = 0, k, c, e, start;
	int t;

	for (k = find_y(s, len, 2); k < len; k = find_y(s, len, k + 1)) {
		for (t = 3; t >= 2; t--) {
			if (k < (size_t)t || (c = k - t) < next)
				continue;
			next = c + 1;
			if ((e = style_match(&quote, s, len, c)) == 0)
				continue;
			start = c;
			while (start > resume && is_re_space(s[start - 1]))
				start--;
			if (buf_append(out, s + copied, start - copied) == -1)
				return -1;
			copied = resume = next = e;
			break;
		}
		if (k < next + 2)
			k = next + 1;	/* the next "y" is at next + 2 or later */
	}
	return buf_append(out, s + copied, len - copied);
}

static int
is_tracker_value(uint8_t c)
{
	return c != '&' && !is_re_space(c) && c != '"' && c != '\'' &&
	    c != '>';
}

/*
 * (?i)([?&])(utm_[^=&]+|gclid|fbclid|mc_eid|mc_cid)=[^&\s"'>]+  ->  $1
 *
 * utm_[^=&]+ followed by "=" can only end at the first "=" or "&" after
 * "utm_": if that is "&" (or nothing), the utm_ branch fails, and the other
 * branches cannot match text that starts with "utm_".
 */
static int
step_tracker(const uint8_t *s, size_t len, struct buf *out)
{
	static const char *names[] = { "gclid", "fbclid", "mc_eid", "mc_cid" };
	struct scan_cache eqamp = { 0 };
	size_t i = 0, copied = 0, j, t, v, e, k;

	while (i < len) {
		if ((i = find_tracker(s, len, i)) >= len)
			break;
		j = i + 1;
		v = 0;
		if (match_literal(s, len, j, "utm_")) {
			t = scan_find(&eqamp, s, len, j + 4, find_eq_amp);
			if (t > j + 4 && t < len && s[t] == '=')
				v = t + 1;
		} else if (j < len && ((s[j] | 0x20) == 'g' ||
		    (s[j] | 0x20) == 'f' || (s[j] | 0x20) == 'm')) {
			/* the names start with these: most "&" is an entity */
			for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
				if (!match_literal(s, len, j, names[k]))
					continue;
				t = j + strlen(names[k]);
				if (t < len && s[t] == '=')
					v = t + 1;
				break;
			}
		}
		e = v;
		while (v != 0 && e < len && is_tracker_value(s[e]))
			e++;
		if (v == 0 || e == v) {
			i++;
			continue;
		}
		if (buf_append(out, s + copied, i + 1 - copied) == -1)
			return -1;
		copied = i = e;
	}
	return buf_append(out, s + copied, len - copied);
}

static int
step_blanks(const uint8_t *s, size_t len, struct buf *out)
{
	size_t i = 0, copied = 0, start, c;

	/* s[i - 1] is never a blank here: runs are found whole */
	while ((c = find_blank_pair(s, len, i)) < len) {
		for (start = c; start > i && (s[start - 1] == ' ' ||
		    s[start - 1] == '\t'); start--)
			;
		for (i = c; i < len && (s[i] == ' ' || s[i] == '\t'); i++)
			;
		if (buf_append(out, s + copied, start - copied) == -1 ||
		    buf_putc(out, ' ') == -1)
			return -1;
		copied = i;
	}
	return buf_append(out, s + copied, len - copied);
}

/*
 * \r?\n{2,}: every run of two LF or more, with the CR before it; a CR
 * belongs to no other match, since a match ends before a byte that is
 * not LF.
 */
static int
step_newlines(const uint8_t *s, size_t len, struct buf *out)
{
	const uint8_t *lf;
	size_t i = 0, copied = 0, start;

	while (i < len && (lf = memchr(s + i, '\n', len - i)) != NULL) {
		start = (size_t)(lf - s);
		for (i = start; i < len && s[i] == '\n'; i++)
			;
		if (i - start < 2)
			continue;
		if (start > copied && s[start - 1] == '\r')
			start--;
		if (buf_append(out, s + copied, start - copied) == -1 ||
		    buf_append(out, "\n\n", 2) == -1)
			return -1;
		copied = i;
	}
	return buf_append(out, s + copied, len - copied);
}

/* The run of bytes >= 0x80 at *i, lower-cased rune by rune. */
static int
lower_high_run(const uint8_t *s, size_t len, size_t *i, struct buf *out)
{
	size_t	start = *i;

	while (*i < len && s[*i] >= 0x80)
		(*i)++;
	if (*i > start && utf8_append_lower(out, s + start, *i - start) == -1)
		return -1;
	return 0;
}

/*
 * strings.ToLower, a run at a time: an ASCII byte is never part of a
 * multi-byte sequence, so splitting at ASCII bytes changes no rune, and
 * ASCII maps A-Z alone on both of ToLower's paths.
 */
static int
step_lower(const uint8_t *s, size_t len, struct buf *out)
{
	size_t i = 0, start;
	uint64_t w;
	uint8_t *d, c;

	while (i < len) {
		/* output never outgrows the rest of the input here */
		if (buf_reserve(out, len - i) == -1)
			return -1;
		d = out->data + out->len;
		start = i;
		/* eight ASCII bytes at once: 0x20 added where A-Z */
		for (; i + 8 <= len && (w = load_word(s + i) & W_HIGHS) == 0;
		    i += 8, d += 8) {
			w = load_word(s + i);
			w |= ((w + W_ONES * (0x80 - 'A')) &
			    ~(w + W_ONES * (0x80 - 'Z' - 1)) & W_HIGHS) >> 2;
			memcpy(d, &w, sizeof(w));
		}
		for (; i < len && (c = s[i]) < 0x80; i++)
			*d++ = (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
		out->len += i - start;
		out->data[out->len] = '\0';
		if (lower_high_run(s, len, &i, out) == -1)
			return -1;
	}
	return 0;
}

/*
 * strings.ToLower, [ \t]+ -> " " and \r?\n{2,} -> "\n\n" in one pass, for
 * normalize_body.  ToLower maps no rune to or from a blank, CR or LF, and
 * neither replacement empties a run or joins two, so the three steps see
 * the same runs fused as one after the other.  The separate scanners above
 * stay the reference that tests and the fuzzer compare this with.
 *
 * The input is cut into items: a run of blanks, a run of LF, a run of
 * bytes >= 0x80, or any other single byte.  Everything but the runs of
 * bytes >= 0x80 maps to at most its own length.
 *
 * tail_block lower-cases p[0 .. TAIL_BLOCK) into d and returns how many
 * of those bytes are items that need no more than that: all of them, or
 * the count before the first byte >= 0x80, tab, space followed by a blank,
 * or LF followed by LF.  It reads p[TAIL_BLOCK] too.  A run of blanks or
 * LF longer than one starts with such a byte, so every byte skipped is a
 * whole item.
 */
#if defined(__SSE2__)
#define TAIL_BLOCK	16

static size_t
tail_block(const uint8_t *p, uint8_t *d)
{
	__m128i	x, y, blank_next, upper, event;
	int	mask;

	x = _mm_loadu_si128((const __m128i *)(const void *)p);
	y = _mm_loadu_si128((const __m128i *)(const void *)(p + 1));
	blank_next = _mm_or_si128(_mm_cmpeq_epi8(y, _mm_set1_epi8(' ')),
	    _mm_cmpeq_epi8(y, _mm_set1_epi8('\t')));
	event = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\t')),
	    _mm_and_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')), blank_next));
	event = _mm_or_si128(event, _mm_and_si128(
	    _mm_cmpeq_epi8(x, _mm_set1_epi8('\n')),
	    _mm_cmpeq_epi8(y, _mm_set1_epi8('\n'))));
	/* A-Z moved to -128 .. -103, the only bytes below -102 */
	upper = _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8(0x80 - 'A')),
	    _mm_set1_epi8(-128 + 26));
	mask = _mm_movemask_epi8(_mm_or_si128(event, x));
	x = _mm_add_epi8(x, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
	_mm_storeu_si128((__m128i *)(void *)d, x);
	return mask == 0 ? TAIL_BLOCK : (size_t)__builtin_ctz((unsigned)mask);
}
#else
#define TAIL_BLOCK	8

/* The same a word at a time; a word with any such byte skips nothing. */
static size_t
tail_block(const uint8_t *p, uint8_t *d)
{
	uint64_t x = load_word(p), y = load_word(p + 1), event;

	event = (x & W_HIGHS) | word_bytes(x, '\t') |
	    (word_bytes(x, ' ') & (word_bytes(y, ' ') | word_bytes(y, '\t'))) |
	    (word_bytes(x, '\n') & word_bytes(y, '\n'));
	if (event != 0)
		return 0;
	x |= ((x + W_ONES * (0x80 - 'A')) & ~(x + W_ONES * (0x80 - 'Z' - 1)) &
	    W_HIGHS) >> 2;
	memcpy(d, &x, sizeof(x));
	return TAIL_BLOCK;
}
#endif

static int
step_tail(const uint8_t *s, size_t len, struct buf *out)
{
	size_t i = 0, j;
	uint8_t *d, *dend, c;
	size_t k;

	while (i < len) {
		/* output never outgrows the rest of the input here */
		if (buf_reserve(out, len - i) == -1)
			return -1;
		d = out->data + out->len;
		dend = out->data + out->cap;
		for (;;) {
			if (len - i > TAIL_BLOCK && dend - d >= TAIL_BLOCK) {
				k = tail_block(s + i, d);
				i += k;
				d += k;
				if (k == TAIL_BLOCK)
					continue;
			}
			if (i >= len || (c = s[i]) >= 0x80)
				break;
			j = i + 1;
			if (c == ' ' || c == '\t') {
				while (j < len && (s[j] == ' ' || s[j] == '\t'))
					j++;
				*d++ = ' ';
			} else if (c == '\n') {
				while (j < len && s[j] == '\n')
					j++;
				/* a CR before them was the last byte out */
				if (j - i >= 2) {
					if (i > 0 && s[i - 1] == '\r')
						d--;
					*d++ = '\n';
				}
				*d++ = '\n';
			} else
				*d++ = (uint8_t)ascii_lower(c);
			i = j;
		}
		out->len = (size_t)(d - out->data);
		out->data[out->len] = '\0';
		if (lower_high_run(s, len, &i, out) == -1)
			return -1;
	}
	return 0;
}

int
normalize_step(enum normalize_step step, const uint8_t *in, size_t len,
    struct buf *out)
{
	if (in == NULL)
		in = (const uint8_t *)"";
	switch (step) {
	case NORMALIZE_IMG:
		return step_img(in, len, out);
	case NORMALIZE_HEX:
		return step_runs(in, len, NC_HEX, 8, out);
	case NORMALIZE_DIGITS:
		return step_runs(in, len, NC_DIGIT, 6, out);
	case NORMALIZE_STYLE:
		return step_style(in, len, out);
	case NORMALIZE_TRACKER:
		return step_tracker(in, len, out);
	case NORMALIZE_LOWER:
		return step_lower(in, len, out);
	case NORMALIZE_BLANKS:
		return step_blanks(in, len, out);
	case NORMALIZE_NEWLINES:
		return step_newlines(in, len, out);
	}
	return -1;
}

/*
 * Hands the finished text to out.  An empty out takes the buffer itself
 * instead of a copy; its own limit still applies.
 */
static int
normalize_hand_over(struct buf *done, struct buf *out)
{
	uint8_t	*data;
	size_t	 cap;

	if (out->len != 0 || out->failed ||
	    (out->limit != 0 && done->len > out->limit))
		return buf_append(out, done->data, done->len);
	data = out->data;
	cap = out->cap;
	out->data = done->data;
	out->cap = done->cap;
	out->len = done->len;
	done->data = data;
	done->cap = cap;
	done->len = 0;
	return 0;
}

int
normalize_body(const uint8_t *text, size_t textlen, const uint8_t *html,
    size_t htmllen, struct buf *out)
{
	struct buf a, b;
	size_t start, end, limit, joined;
	int rc = -1;

	if (textlen > SIZE_MAX / 8 - htmllen)
		return -1;
	/* Steps grow the text at most threefold (U+FFFD for a byte). */
	limit = 4 * (textlen + htmllen) + 1024;
	joined = textlen + 2 + htmllen;
	buf_init(&a, limit);
	buf_init(&b, limit);
	/* room enough that no step has to grow a buffer */
	if (buf_reserve(&a, 3 * joined + 64) == -1 ||
	    buf_reserve(&b, 3 * joined + 64) == -1)
		goto done;
	if ((textlen > 0 && buf_append(&a, text, textlen) == -1) ||
	    buf_append(&a, "\n\n", 2) == -1 ||
	    (htmllen > 0 && buf_append(&a, html, htmllen) == -1))
		goto done;
	utf8_trim_space(a.data, a.len, &start, &end);
	if (step_img(a.data + start, end - start, &b) == -1)
		goto done;
	buf_reset(&a);
	if (step_hex_digits(b.data, b.len, &a) == -1)
		goto done;
	buf_reset(&b);
	if (step_style(a.data, a.len, &b) == -1)
		goto done;
	buf_reset(&a);
	if (step_tracker(b.data, b.len, &a) == -1)
		goto done;
	buf_reset(&b);
	if (step_tail(a.data, a.len, &b) == -1)
		goto done;
	rc = normalize_hand_over(&b, out);
done:
	buf_free(&a);
	buf_free(&b);
	return rc;
}
