/*
 * normalize_body: the spec vectors, a differential test of every scanner
 * against a backtracking model of its regular expression, and linear time
 * on pathological input.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "testutil.h"

#include "buf.h"
#include "worker/digest/normalize.h"
#include "worker/digest/utf8.h"

#define VECTORS	"tests/data/digest/html/vectors.tsv"



/* The model: each regular expression tried at every rune position with
 * full backtracking over its quantifiers, as a regex engine would. */

static size_t
rune_width(const uint8_t *s, size_t n, size_t i)
{
	size_t w;

	(void)utf8_decode(s + i, n - i, &w);
	return w;
}

static int
ci(const uint8_t *s, size_t n, size_t i, const char *lit)
{
	size_t k, l = strlen(lit);

	if (i > n || n - i < l)
		return 0;
	for (k = 0; k < l; k++) {
		int c = s[i + k];
		if (c >= 'A' && c <= 'Z')
			c += 32;
		if (c != lit[k])
			return 0;
	}
	return 1;
}

/* (?i)s */
static size_t
fold_s(const uint8_t *s, size_t n, size_t i)
{
	if (i < n && (s[i] == 's' || s[i] == 'S'))
		return 1;
	if (i + 1 < n && s[i] == 0xC5 && s[i + 1] == 0xBF)
		return 2;
	return 0;
}

static int
re_space(uint8_t c)
{
	return c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

/* Match of the img pattern at i: sets group bounds, returns end or 0. */
static size_t
ref_img_at(const uint8_t *s, size_t n, size_t i, size_t *g1e, size_t *g2s)
{
	size_t j, w, k, q, e;

	if (i >= n || s[i] != '<' || !ci(s, n, i + 1, "img"))
		return 0;
	/* ([^>]*?): lazy, shortest first */
	for (j = i + 4; j <= n; j += rune_width(s, n, j)) {
		if ((w = fold_s(s, n, j)) != 0 && ci(s, n, j + w, "rc=\"")) {
			/* [^"]* greedy, then backtrack */
			k = j + w + 4;
			for (q = k; q < n && s[q] != '"'; q += rune_width(s, n, q))
				;
			for (; q >= k; q--) {
				if (q < n && s[q] == '"') {
					for (e = q + 1; e < n && s[e] != '>';
					    e += rune_width(s, n, e))
						;
					if (e < n) {
						*g1e = j;
						*g2s = q + 1;
						return e + 1;
					}
				}
				if (q == k)
					break;
			}
		}
		if (j >= n || s[j] == '>')
			break;
	}
	return 0;
}

static size_t
ref_style_at(const uint8_t *s, size_t n, size_t i)
{
	size_t a, b, c, d, w, k, q, ws1, ws2, ws3;

	for (ws1 = i; ws1 < n && re_space(s[ws1]); ws1++)
		;
	for (a = ws1; a >= i; a--) {	/* \s* greedy */
		if ((w = fold_s(s, n, a)) != 0 && ci(s, n, a + w, "tyle")) {
			b = a + w + 4;
			for (ws2 = b; ws2 < n && re_space(s[ws2]); ws2++)
				;
			for (c = ws2; c >= b; c--) {
				if (c < n && s[c] == '=') {
					for (ws3 = c + 1; ws3 < n &&
					    re_space(s[ws3]); ws3++)
						;
					for (d = ws3; d >= c + 1; d--) {
						if (d < n && s[d] == '"') {
							for (q = d + 1; q < n &&
							    s[q] != '"'; q++)
								;
							for (k = q; k > d; k--)
								if (k < n &&
								    s[k] == '"')
									return k + 1;
						}
						if (d == c + 1)
							break;
					}
				}
				if (c == b)
					break;
			}
		}
		if (a == i)
			break;
	}
	return 0;
}

static int
tracker_value(uint8_t c)
{
	return c != '&' && !re_space(c) && c != '"' && c != '\'' && c != '>';
}

static size_t
ref_tracker_at(const uint8_t *s, size_t n, size_t i)
{
	static const char *alts[] = { "gclid", "fbclid", "mc_eid", "mc_cid" };
	size_t j, m, e, k, v;

	if (i >= n || (s[i] != '?' && s[i] != '&'))
		return 0;
	j = i + 1;
	if (ci(s, n, j, "utm_")) {
		for (m = j + 4; m < n && s[m] != '=' && s[m] != '&'; m++)
			;
		for (; m > j + 4; m--) {	/* [^=&]+ greedy */
			if (m < n && s[m] == '=') {
				for (e = m + 1; e < n && tracker_value(s[e]); e++)
					;
				if (e > m + 1)
					return e;
			}
		}
	}
	for (k = 0; k < 4; k++) {
		if (!ci(s, n, j, alts[k]))
			continue;
		v = j + strlen(alts[k]);
		if (v < n && s[v] == '=') {
			for (e = v + 1; e < n && tracker_value(s[e]); e++)
				;
			if (e > v + 1)
				return e;
		}
	}
	return 0;
}

static void
ref_step(int step, const uint8_t *s, size_t n, struct buf *out)
{
	size_t i = 0, e, g1e, g2s, k;

	if (step == NORMALIZE_LOWER) {
		assert_int_equal(utf8_append_lower(out, s, n), 0);
		return;
	}
	while (i < n) {
		e = 0;
		switch (step) {
		case NORMALIZE_IMG:
			if ((e = ref_img_at(s, n, i, &g1e, &g2s)) != 0) {
				buf_append(out, "<img", 4);
				buf_append(out, s + i + 4, g1e - i - 4);
				buf_append(out, "src=\"imgurl\"", 12);
				buf_append(out, s + g2s, e - 1 - g2s);
				buf_putc(out, '>');
			}
			break;
		case NORMALIZE_HEX:
		case NORMALIZE_DIGITS:
			for (k = i; k < n && (step == NORMALIZE_HEX ?
			    strchr("0123456789abcdefABCDEF", s[k]) != NULL :
			    (s[k] >= '0' && s[k] <= '9')) && s[k] != 0; k++)
				;
			if (k - i >= (step == NORMALIZE_HEX ? 8u : 6u)) {
				buf_append(out, "****", 4);
				e = k;
			}
			break;
		case NORMALIZE_STYLE:
			e = ref_style_at(s, n, i);
			break;
		case NORMALIZE_TRACKER:
			if ((e = ref_tracker_at(s, n, i)) != 0)
				buf_putc(out, s[i]);
			break;
		case NORMALIZE_BLANKS:
			for (k = i; k < n && (s[k] == ' ' || s[k] == '\t'); k++)
				;
			if (k > i) {
				buf_putc(out, ' ');
				e = k;
			}
			break;
		case NORMALIZE_NEWLINES:
			k = i + (s[i] == '\r');
			for (e = k; e < n && s[e] == '\n'; e++)
				;
			if (e - k < 2 && k != i) {	/* \r? empty */
				for (e = i; e < n && s[e] == '\n'; e++)
					;
				k = i;
			}
			if (e - k >= 2)
				buf_append(out, "\n\n", 2);
			else
				e = 0;
			break;
		}
		if (e != 0) {
			i = e;
			continue;
		}
		k = rune_width(s, n, i);
		buf_append(out, s + i, k);
		i += k;
	}
}

static void
ref_normalize(const uint8_t *t, size_t tl, const uint8_t *h, size_t hl,
    struct buf *out)
{
	struct buf a, b;
	size_t x, y;
	int step;

	buf_init(&a, 0);
	buf_init(&b, 0);
	buf_append(&a, t, tl);
	buf_append(&a, "\n\n", 2);
	buf_append(&a, h, hl);
	utf8_trim_space(a.data, a.len, &x, &y);
	buf_append(&b, a.data + x, y - x);
	for (step = NORMALIZE_IMG; step <= NORMALIZE_NEWLINES; step++) {
		buf_reset(&a);
		buf_append(&a, "", 0);
		ref_step(step, b.data, b.len, &a);
		buf_reset(&b);
		buf_append(&b, a.data, a.len);
	}
	buf_append(out, b.data, b.len);
	buf_free(&a);
	buf_free(&b);
}

static void
test_vectors(void **state)
{
	struct buf in1, in2, want, got, ref;
	char line[8192], *f[5], *p;
	FILE *fp;
	int n = 0, k;

	(void)state;
	fp = fopen(VECTORS, "r");
	assert_non_null(fp);
	buf_init(&in1, 0);
	buf_init(&in2, 0);
	buf_init(&want, 0);
	buf_init(&got, 0);
	buf_init(&ref, 0);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = '\0';
		for (k = 0, p = line; k < 5; k++) {
			f[k] = p;
			p += strcspn(p, "\t");
			if (*p == '\t')
				*p++ = '\0';
		}
		if (strcmp(f[1], "norm") != 0)
			continue;
		testutil_b64_decode_buf(f[2], &in1);
		testutil_b64_decode_buf(f[3], &in2);
		testutil_b64_decode_buf(f[4], &want);
		buf_reset(&got);
		assert_int_equal(normalize_body(in1.data, in1.len, in2.data,
		    in2.len, &got), 0);
		if (got.len != want.len ||
		    memcmp(got.data, want.data, got.len) != 0)
			fail_msg("%s: got \"%s\"", f[0], (char *)got.data);
		buf_reset(&ref);
		ref_normalize(in1.data, in1.len, in2.data, in2.len, &ref);
		assert_int_equal(ref.len, want.len);
		assert_memory_equal(ref.data, want.data, want.len);
		n++;
	}
	fclose(fp);
	assert_int_equal(n, 27);	/* N01-N07 and 20 whole messages */
	buf_free(&in1);
	buf_free(&in2);
	buf_free(&want);
	buf_free(&got);
	buf_free(&ref);
}

static const char *tokens[] = {
	"<img", "<IMG", "<Img ", "<image", "src=\"", "SRC=\"", "\xc5\xbfrc=\"",
	"data-src=\"", "\"", "\"", ">", ">", " ", " ", "\t", "\n", "\n", "\r",
	"\r\n", "\f", "\v", "style", "STYLE", "\xc5\xbftyle", "=", "=", "?",
	"&", "utm_", "UTM_", "utm_a", "gclid", "GCLID", "fbclid", "mc_eid",
	"mc_cid", "a", "x", "Q", "0", "1", "9", "12345", "123456", "deadbeef",
	"cafe", "ABCDEF", "\xe2\x82", "\xc3\xa9", "\xc3\x89", "\xff", "'",
	"\xe2\x80\xa8", "\xc2\xa0", "\xe1\xba\x9e", "\xe2\x84\xaa", "\xc8\xba",
	"#", "*", "\xef\xbf\xbd", "\xc5", "\xbf",
};

static void
test_differential(void **state)
{
	struct buf in, got, ref;
	uint32_t x = 2463534242u;
	size_t ntok = sizeof(tokens) / sizeof(tokens[0]), len;
	int iter, k, step;

	(void)state;
	buf_init(&in, 0);
	buf_init(&got, 0);
	buf_init(&ref, 0);
	for (iter = 0; iter < 30000; iter++) {
		buf_reset(&in);
		buf_append(&in, "", 0);
		(void)testutil_rand(&x);
		len = 1 + x % 40;
		for (k = 0; k < (int)len; k++) {
			(void)testutil_rand(&x);
			buf_puts(&in, tokens[x % ntok]);
		}
		for (step = NORMALIZE_IMG; step <= NORMALIZE_NEWLINES; step++) {
			buf_reset(&got);
			buf_reset(&ref);
			buf_append(&ref, "", 0);
			assert_int_equal(normalize_step(step, in.data, in.len,
			    &got), 0);
			ref_step(step, in.data, in.len, &ref);
			if (got.len != ref.len || (got.len != 0 &&
			    memcmp(got.data, ref.data, got.len) != 0))
				fail_msg("step %d differs on \"%s\":\n"
				    "  scanner \"%s\"\n  model   \"%s\"", step,
				    (char *)in.data, (char *)got.data,
				    (char *)ref.data);
		}
		buf_reset(&got);
		buf_reset(&ref);
		assert_int_equal(normalize_body(in.data, in.len / 2,
		    in.data + in.len / 2, in.len - in.len / 2, &got), 0);
		ref_normalize(in.data, in.len / 2, in.data + in.len / 2,
		    in.len - in.len / 2, &ref);
		assert_int_equal(got.len, ref.len);
		assert_memory_equal(got.data, ref.data, got.len);
	}
	buf_free(&in);
	buf_free(&got);
	buf_free(&ref);
}

/*
 * normalize_body fuses the last steps and skips bytes a block at a time:
 * longer inputs, with long runs of blanks and newlines across block
 * boundaries, against the model.
 */
static const char *runs[] = {
	" ", "  ", "        ", "\t", " \t ", "\n", "\n\n", "\n\n\n\n",
	"\r", "\r\n", "\r\n\n", "\n\r\n", "\f", "A", "Z", "a", "z", "@",
	"[", "`", "{", "Hello World", "0123456789", "deadBEEF12", "<img",
	"src=\"x\"", ">", "style=\"a\"", "?utm_x=1", "&gclid=2", "\xff",
	"\xc3\x89", "\xe2\x84\xaa", "\xc5\xbf", "\xe2\x80\xa8", "\x7f",
};

static void
test_fused(void **state)
{
	struct buf in, got, ref;
	uint32_t x = 88172645u;
	size_t nrun = sizeof(runs) / sizeof(runs[0]), len, split;
	int iter, k;

	(void)state;
	buf_init(&in, 0);
	buf_init(&got, 0);
	buf_init(&ref, 0);
	for (iter = 0; iter < 3000; iter++) {
		buf_reset(&in);
		buf_append(&in, "", 0);
		(void)testutil_rand(&x);
		len = 1 + x % 300;
		for (k = 0; k < (int)len; k++) {
			(void)testutil_rand(&x);
			buf_puts(&in, runs[x % nrun]);
		}
		split = x % (in.len + 1);
		buf_reset(&got);
		buf_reset(&ref);
		assert_int_equal(normalize_body(in.data, split, in.data + split,
		    in.len - split, &got), 0);
		ref_normalize(in.data, split, in.data + split, in.len - split,
		    &ref);
		if (got.len != ref.len ||
		    memcmp(got.data, ref.data, got.len) != 0)
			fail_msg("normalize_body differs on \"%s\"",
			    (char *)in.data);
	}
	buf_free(&in);
	buf_free(&got);
	buf_free(&ref);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Inputs that make naive scanners quadratic: a search from every "<img",
 * "style" or "?utm_" that runs to the end of the input. */
static void
test_linear_time(void **state)
{
	static const char *units[] = {
		"<img", "<img src=\"", "<img src=\"x\"", " style", " style = ",
		"?utm_", "?utm_a=", "\r\n", "\xc5\xbftyle=\"", "\xff"
	};
	struct buf in, out;
	size_t u, target = 10 * 1024 * 1024;
	double t0, t;

	(void)state;
	buf_init(&in, 0);
	buf_init(&out, 0);
	for (u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		buf_reset(&in);
		while (in.len < target)
			buf_puts(&in, units[u]);
		buf_reset(&out);
		t0 = now();
		assert_int_equal(normalize_body(in.data, in.len, NULL, 0, &out),
		    0);
		t = now() - t0;
		print_message("normalize: %zu MB of \"%s\": %.2f s\n",
		    in.len >> 20, units[u], t);
		/* Quadratic behaviour would take hours; allow sanitizers. */
		assert_true(t < 10.0);
	}
	buf_free(&in);
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_fused),
		cmocka_unit_test(test_linear_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
