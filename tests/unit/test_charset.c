#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "worker/digest/chardet.h"
#include "worker/digest/charset.h"
#include "worker/digest/charset_tables.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define DATA	"tests/data/digest/charset/"

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	uint8_t	*p;
	long	 n;

	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

/* Converts the body of vector id and compares with its expected output. */
static void
check_vector(const char *id, int is_html, const char *declared,
    const char *meta)
{
	char		 path[256], err[128];
	uint8_t		*body, *want;
	size_t		 blen, wlen;
	struct buf	 out, again;

	snprintf(path, sizeof(path), DATA "%s.body", id);
	body = slurp(path, &blen);
	snprintf(path, sizeof(path), DATA "%s.out", id);
	want = slurp(path, &wlen);
	buf_init(&out, 0);
	assert_int_equal(charset_convert_part(is_html, declared, body, blen,
	    &out, err, sizeof(err)), 0);
	if (meta != NULL) {
		buf_init(&again, 0);
		assert_int_equal(charset_decode_named(meta, out.data, out.len,
		    &again, err, sizeof(err)), 0);
		buf_free(&out);
		out = again;
	}
	assert_int_equal(out.len, wlen);
	assert_memory_equal(out.data, want, wlen);
	buf_free(&out);
	free(body);
	free(want);
}

static void
test_vectors(void **state)
{
	(void)state;
	check_vector("m05", 0, "us-ascii", NULL);
	check_vector("m06", 0, "iso-8859-1", NULL);
	check_vector("m07", 0, "utf-8", NULL);
	check_vector("m08", 0, "", NULL);
	check_vector("m08", 0, NULL, NULL);
	check_vector("m18", 1, "", "windows-1251");
}

static void
test_utf7_error_fails_message(void **state)
{
	char		 err[128];
	uint8_t		*body;
	size_t		 blen;
	struct buf	 out;

	(void)state;
	body = slurp(DATA "m22.body", &blen);
	buf_init(&out, 0);
	err[0] = '\0';
	assert_int_equal(charset_convert_part(0, "utf-7", body, blen, &out,
	    err, sizeof(err)), -1);
	assert_true(strlen(err) > 0);
	buf_free(&out);
	free(body);
}

static void
expect(const char *name, const char *in, size_t inlen, const char *want,
    size_t wantlen, int rc_want)
{
	char		err[128];
	struct buf	out;
	int		rc;

	buf_init(&out, 0);
	rc = charset_decode_named(name, (const uint8_t *)in, inlen, &out, err,
	    sizeof(err));
	assert_int_equal(rc, rc_want);
	if (rc == 0) {
		assert_int_equal(out.len, wantlen);
		assert_memory_equal(out.data, want, wantlen);
	}
	buf_free(&out);
}

#define EXPECT(n, in, want) \
	expect(n, in, sizeof(in) - 1, want, sizeof(want) - 1, 0)
#define EXPECT_ERR(n, in)	expect(n, in, sizeof(in) - 1, "", 0, -1)

static void
test_single_byte(void **state)
{
	(void)state;
	/* windows-1252 holes, C1 of true Latin-1, C1 of ISO-8859-2. */
	EXPECT("windows-1252", "\x80\x81\x8d\x9f",
	    "\xe2\x82\xac\xef\xbf\xbd\xef\xbf\xbd\xc5\xb8");
	EXPECT("US-ASCII", "\x93x\x94", "\xe2\x80\x9cx\xe2\x80\x9d");
	EXPECT("latin1", "\x80", "\xe2\x82\xac");
	EXPECT("ISO-8859-1", "\x80\xe9", "\xc2\x80\xc3\xa9");
	EXPECT("iso-8859-2", "\x80\x9f\xb1", "\xef\xbf\xbd\xef\xbf\xbd\xc4\x85");
	EXPECT("iso-8859-15", "\xa4", "\xe2\x82\xac");
	EXPECT("iso-8859-3", "\xa5", "\xef\xbf\xbd");
	EXPECT("windows-1255", "\xca\xd9", "\xd6\xba\xef\xbf\xbd");
	EXPECT("koi8-r", "\xc1", "\xd0\xb0");
	EXPECT("cp1251", "\xcf\x98", "\xd0\x9f\xef\xbf\xbd");
	EXPECT("238", "\x8a", "\xc5\xa0");
	EXPECT("x-user-defined", "a\x80\xff", "a\xef\x9e\x80\xef\x9f\xbf");
	EXPECT("iso-2022-kr", "abc", "\xef\xbf\xbd");
	EXPECT("iso-2022-kr", "", "");
	EXPECT("utf-8", "\xff\xfe", "\xff\xfe");
}

static void
test_names(void **state)
{
	struct buf	out;
	char		err[64];

	(void)state;
	buf_init(&out, 0);
	/* Not trimmed: unknown, out untouched. */
	assert_int_equal(charset_decode_named("utf-8 ", (const uint8_t *)"x",
	    1, &out, err, sizeof(err)), 1);
	assert_int_equal(charset_decode_named("utf-32", (const uint8_t *)"x",
	    1, &out, err, sizeof(err)), 1);
	assert_int_equal(out.len, 0);
	buf_free(&out);
	EXPECT("iso: western", "\x80", "\xe2\x82\xac");
	/* KELVIN SIGN lower-cases to k in Go. */
	EXPECT("\xe2\x84\xaaoi8-r", "\xc1", "\xd0\xb0");
}

static void
test_declared_retry(void **state)
{
	char		err[64];
	struct buf	out;

	(void)state;
	buf_init(&out, 0);
	assert_int_equal(charset_convert_part(0, "iso=8859-1",
	    (const uint8_t *)"\x80", 1, &out, err, sizeof(err)), 0);
	assert_memory_equal(out.data, "\xe2\x82\xac", 3);
	buf_reset(&out);
	assert_int_equal(charset_convert_part(0, "CHARSET=koi8-r",
	    (const uint8_t *)"\xc1", 1, &out, err, sizeof(err)), 0);
	assert_memory_equal(out.data, "\xd0\xb0", 2);
	buf_reset(&out);
	assert_int_equal(charset_convert_part(0, "DEFAULT_CHARSET",
	    (const uint8_t *)"\xc1", 1, &out, err, sizeof(err)), 0);
	assert_int_equal(out.len, 1);
	assert_memory_equal(out.data, "\xc1", 1);
	buf_free(&out);
}

static void
test_utf16(void **state)
{
	(void)state;
	/* BOM kept as U+FEFF; "utf-16" is little endian. */
	EXPECT("utf-16", "\xff\xfe" "A\0", "\xef\xbb\xbf" "A");
	EXPECT("utf-16be", "\xfe\xff\0A", "\xef\xbb\xbf" "A");
	/* Pair, lone high, lone low, odd final byte. */
	EXPECT("utf-16le", "\x3d\xd8\x00\xde", "\xf0\x9f\x98\x80");
	EXPECT("utf-16le", "\x3d\xd8" "A\0", "\xef\xbf\xbd" "A");
	EXPECT("utf-16le", "\x00\xde", "\xef\xbf\xbd");
	EXPECT("utf-16le", "A\0B", "A\xef\xbf\xbd");
}

static void
test_utf7(void **state)
{
	(void)state;
	EXPECT("utf-7", "1 +- 1 +AD0 2", "1 + 1 = 2");
	EXPECT("utf-7", "+AKM-1", "\xc2\xa3" "1");
	EXPECT("utf-7", "Hi +ZeVnLIqe-", "Hi \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
	EXPECT("utf-7", "+AKM", "\xc2\xa3");
	/* The byte ending a segment implicitly is copied without checks. */
	EXPECT("utf-7", "+AKM~", "\xc2\xa3~");
	EXPECT("utf-7", "+2D3eAA-", "\xf0\x9f\x98\x80");
	EXPECT_ERR("utf-7", "a~b");
	EXPECT_ERR("utf-7", "a\\b");
	EXPECT_ERR("utf-7", "caf\xe9");
	EXPECT_ERR("utf-7", "x+");
	EXPECT_ERR("utf-7", "+!");
	EXPECT_ERR("utf-7", "+A-");
	EXPECT_ERR("utf-7", "+AK-");
	EXPECT_ERR("utf-7", "+2D0-");
	EXPECT_ERR("utf-7", "+3gA-");
}

static void
test_limit(void **state)
{
	char		err[64];
	struct buf	out;
	uint8_t		in[64];

	(void)state;
	memset(in, 0x80, sizeof(in));
	buf_init(&out, 16);
	assert_int_equal(charset_decode_named("cp1252", in, sizeof(in), &out,
	    err, sizeof(err)), -1);
	buf_free(&out);
}

/* Every byte below 0x80 except ESC, in order. */
static size_t
ascii_probe(uint8_t *p)
{
	size_t	n = 0;
	int	c;

	for (c = 0; c < 0x80; c++)
		if (c != 0x1b)
			p[n++] = (uint8_t)c;
	return n;
}

/*
 * A transparent decoder gives the probe back.  Of the others, all but
 * ISO-2022-JP (left out as a stateful decoder) change it.
 */
static void
test_ascii_transparent_decoders(void **state)
{
	const struct charset_entry	*e;
	uint8_t				 probe[128];
	char				 err[64];
	struct buf			 out;
	size_t				 i, n = ascii_probe(probe), opaque = 0;
	int				 rc;

	(void)state;
	buf_init(&out, 0);
	for (i = 0; (e = charset_entry_at(i)) != NULL; i++) {
		buf_reset(&out);
		rc = charset_decode(e, probe, n, &out, err, sizeof(err));
		if (charset_ascii_transparent(e)) {
			assert_int_equal(rc, 0);
			assert_int_equal(out.len, n);
			assert_memory_equal(out.data, probe, n);
		} else if (rc == -1 || out.len != n ||
		    memcmp(out.data, probe, n) != 0)
			opaque++;	/* UTF-7, UTF-16, HZ, ISO-2022-KR/CN */
	}
	assert_true(i > 100);
	assert_true(opaque > 0);
	buf_free(&out);
}

/*
 * Every name chardet can give ESC-free ASCII is transparent or unknown:
 * the UTF-16 and ISO-2022 recognizers need a BOM or an ESC and answer 0.
 */
static void
test_ascii_chardet_names(void **state)
{
	struct chardet_result	 all[CHARDET_NRECOGNIZERS];
	const struct charset_entry *e;
	uint8_t			 text[4096];
	size_t			 i, len;
	int			 n, k, html;

	(void)state;
	srand(7);
	for (k = 0; k < 200; k++) {
		len = (size_t)rand() % sizeof(text);
		for (i = 0; i < len; i++) {
			text[i] = (uint8_t)(rand() % 0x80);
			if (text[i] == 0x1b)
				text[i] = (uint8_t)(k % 3 == 0 ? 0x0e : ' ');
		}
		html = k & 1;
		n = chardet_detect_all(text, len, html, all, CHARDET_NRECOGNIZERS);
		assert_int_equal(n, CHARDET_NRECOGNIZERS);
		for (i = 0; i < (size_t)n; i++) {
			if (all[i].confidence == 0)
				continue;
			e = charset_lookup(all[i].charset,
			    strlen(all[i].charset));
			assert_true(e == NULL || charset_ascii_transparent(e));
		}
	}
}

/* Both paths agree: the plain-ASCII shortcut and always running chardet. */
static void
same_both_ways(int is_html, const char *declared, const uint8_t *in,
    size_t len)
{
	char		err1[128], err2[128];
	struct buf	a, b;
	int		ra, rb;

	buf_init(&a, 0);
	buf_init(&b, 0);
	ra = charset_convert_part(is_html, declared, in, len, &a, err1,
	    sizeof(err1));
	rb = charset_convert_part_detect(is_html, declared, in, len, &b, err2,
	    sizeof(err2));
	assert_int_equal(ra, rb);
	if (ra == 0) {
		assert_int_equal(a.len, b.len);
		if (a.len > 0)
			assert_memory_equal(a.data, b.data, a.len);
	}
	buf_free(&a);
	buf_free(&b);
}

static void
test_ascii_shortcut(void **state)
{
	static const char *declared[] = {
		NULL, "", "us-ascii", "utf-8", "iso-8859-1", "windows-1252",
		"koi8-r", "shift_jis", "gb18030", "big5", "euc-kr",
		"x-user-defined", "utf-7", "utf-16le", "utf-16be",
		"iso-2022-kr", "iso-2022-jp", "hz-gb-2312", "charset=utf-16",
		"no-such-charset",
	};
	static const char *words[] = {
		"the ", "and ", "of ", "to ", "in ", "that ", "is ", "for ",
		"<p>", "</p>", "<b>", "~{", "~}", "+AKM-", "+", "~", "\n",
		"\x1b$)C", "\x1b(B", "caf\xe9 ", "\xc3\xa9", "\r\n", "  ",
	};
	uint8_t		text[3000];
	size_t		i, len, w, wl;
	int		k;

	(void)state;
	srand(11);
	for (k = 0; k < 3000; k++) {
		/* words, mostly English ones, some markup and escapes */
		len = 0;
		wl = (size_t)rand() % 600;
		for (i = 0; i < wl; i++) {
			w = (size_t)rand() % NELEM(words);
			if (k % 4 != 0 && w > 7)
				w %= 8;
			if (len + strlen(words[w]) > sizeof(text))
				break;
			memcpy(text + len, words[w], strlen(words[w]));
			len += strlen(words[w]);
		}
		same_both_ways(k & 1, declared[(size_t)k % NELEM(declared)],
		    text, len);
	}
	/* chardet is sure of ASCII English (ISO-8859-1, 98): UTF-16 loses */
	len = 0;
	for (i = 0; i < 200; i++) {
		memcpy(text + len, "the ", 4);
		len += 4;
	}
	same_both_ways(0, "utf-16le", text, len);
	same_both_ways(0, "iso-2022-kr", text, len);
	/* and when it is not sure, the declared UTF-16 decodes */
	same_both_ways(0, "utf-16le", (const uint8_t *)"zq", 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_utf7_error_fails_message),
		cmocka_unit_test(test_single_byte),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_declared_retry),
		cmocka_unit_test(test_utf16),
		cmocka_unit_test(test_utf7),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_ascii_transparent_decoders),
		cmocka_unit_test(test_ascii_chardet_names),
		cmocka_unit_test(test_ascii_shortcut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
