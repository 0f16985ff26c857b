#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "worker/digest/charset.h"
#include "worker/digest/charset_cjk.h"

#define DATA	"tests/data/digest/charset-cjk/"
#define FFFD	"\xef\xbf\xbd"

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

static void
expect(const char *name, const char *in, size_t inlen, const char *want,
    size_t wantlen)
{
	char		err[128];
	struct buf	out;

	buf_init(&out, 0);
	if (charset_decode_named(name, (const uint8_t *)in, inlen, &out, err,
	    sizeof(err)) != 0)
		fail_msg("%s: not decoded", name);
	if (out.len != wantlen || memcmp(out.data, want, wantlen) != 0)
		fail_msg("%s: %zu bytes decoded, %zu expected", name, out.len,
		    wantlen);
	buf_free(&out);
}

#define EXPECT(n, in, want)	expect(n, in, sizeof(in) - 1, want, \
				    sizeof(want) - 1)

/* Text encoded by Python's codecs decodes back to the original. */
static void
round_trip(const char *id, const char *name)
{
	char		 path[256], err[128];
	uint8_t		*in, *want;
	size_t		 inlen, wantlen;
	struct buf	 out;

	snprintf(path, sizeof(path), DATA "%s.in", id);
	in = slurp(path, &inlen);
	snprintf(path, sizeof(path), DATA "%s.out", id);
	want = slurp(path, &wantlen);
	buf_init(&out, 0);
	assert_int_equal(charset_decode_named(name, in, inlen, &out, err,
	    sizeof(err)), 0);
	assert_int_equal(out.len, wantlen);
	assert_memory_equal(out.data, want, wantlen);
	buf_free(&out);
	free(in);
	free(want);
}

static void
test_round_trips(void **state)
{
	(void)state;
	round_trip("gbk", "gbk");
	round_trip("gbk", "GB2312");
	round_trip("gbk", "cp936");
	round_trip("gb18030", "gb18030");
	round_trip("hz", "hz-gb-2312");
	round_trip("big5", "big5");
	round_trip("big5", "x-x-big5");
	round_trip("eucjp", "euc-jp");
	round_trip("iso2022jp", "ISO-2022-JP");
	round_trip("sjis", "shift_jis");
	round_trip("sjis", "windows-31j");
	round_trip("euckr", "euc-kr");
	round_trip("euckr", "ks_c_5601-1987");
}

static void
test_gbk(void **state)
{
	(void)state;
	EXPECT("gbk", "\x80\xff", "\xe2\x82\xac" FFFD);
	EXPECT("gbk", "a\x81", "a" FFFD);
	/* Bad trail: only the lead is consumed. */
	EXPECT("gbk", "\xb0\x20\xb0\x7f", FFFD " " FFFD "\x7f");
	/* GBK has no four-byte form. */
	EXPECT("gbk", "\x81\x30\x81\x30", FFFD "0" FFFD "0");
	EXPECT("gb18030", "\x81\x30\x81\x30", "\xc2\x80");
	EXPECT("gb18030", "\x81\x30\x84\x36", "\xc2\xa5");
	/* Last BMP pointer, first past it, U+10000, U+10FFFF, past it. */
	EXPECT("gb18030", "\x84\x31\xa4\x39", "\xef\xbf\xbf");
	EXPECT("gb18030", "\x84\x31\xa5\x30", FFFD "1" FFFD "0");
	EXPECT("gb18030", "\x90\x30\x81\x30", "\xf0\x90\x80\x80");
	EXPECT("gb18030", "\xe3\x32\x9a\x35", "\xf4\x8f\xbf\xbf");
	EXPECT("gb18030", "\xe3\x32\x9a\x36", FFFD "2" FFFD "6");
	/* Truncated and malformed four-byte forms. */
	EXPECT("gb18030", "\x81\x30\x81", FFFD "0" FFFD);
	EXPECT("gb18030", "\x81\x30\x20\x30", FFFD "0 0");
	EXPECT("gb18030", "\x81\x30\x81\x41", FFFD "0" "\xe4\xb8\x84");
	/* Pointer 7457 follows the range table (no WHATWG special case). */
	EXPECT("gb18030", "\x81\x35\xf4\x37", "\xe1\xb8\xbf");
	EXPECT("gb18030", "\xa8\xbc", "\xe1\xb8\xbf");
	/* User-defined areas are unmapped in x/text (not PUA). */
	EXPECT("gbk", "\xaa\xa1\xf8\xa1\xa1\x40", FFFD FFFD FFFD);
}

static void
test_hz(void **state)
{
	(void)state;
	EXPECT("hz-gb-2312", "~{!!~}a~~b~\nc", "\xe3\x80\x80" "a~bc");
	EXPECT("hz-gb-2312", "~x", FFFD);
	EXPECT("hz-gb-2312", "\x80" "a", FFFD "a");
	/* In GB mode: bad pairs, non-ASCII second bytes, truncation. */
	EXPECT("hz-gb-2312", "~{\n\n", FFFD);
	EXPECT("hz-gb-2312", "~{!\x81", FFFD FFFD);
	EXPECT("hz-gb-2312", "~{!\x80", FFFD);
	EXPECT("hz-gb-2312", "~{!", FFFD);
	/* A final '~' hangs x/text; here it is one U+FFFD. */
	EXPECT("hz-gb-2312", "a~", "a" FFFD);
}

static void
test_big5(void **state)
{
	(void)state;
	/* The four pointers that decode to two code points. */
	EXPECT("big5", "\x88\x62\x88\x64\x88\xa3\x88\xa5",
	    "\xc3\x8a\xcc\x84\xc3\x8a\xcc\x8c\xc3\xaa\xcc\x84\xc3\xaa\xcc\x8c");
	/* Windows choices, HKSCS-2008, plane 2. */
	EXPECT("big5", "\xa1\x45\xa3\xe1\xf9\xfe",
	    "\xe2\x80\xa7\xe2\x82\xac\xef\xbf\xad");
	EXPECT("big5", "\x87\x7a\x87\x45", "\xe3\xa1\xb5\xf0\xa7\x89\xa7");
	EXPECT("big5", "\xc6\xa1", "\xe2\x91\xa0");
	/* Unmapped pair with an ASCII trail: both bytes, one U+FFFD. */
	EXPECT("big5", "\x81\x40", FFFD);
	EXPECT("big5", "\xa1\x30\xa1\x7f\xa1\xff", FFFD "0" FFFD FFFD);
	EXPECT("big5", "\x80\xff\xa1", FFFD FFFD FFFD);
}

static void
test_euc_jp(void **state)
{
	(void)state;
	EXPECT("euc-jp", "\x8e\xb6\xa4\xa2", "\xef\xbd\xb6\xe3\x81\x82");
	EXPECT("euc-jp", "\x8f\xa2\xaf\x8f\xed\xe3", "\xcb\x98\xe9\xbe\xa5");
	EXPECT("euc-jp", "\xfe\xfc", FFFD);
	EXPECT("euc-jp", "\x8e\xa0", FFFD FFFD);
	EXPECT("euc-jp", "\x8e\xe0", FFFD);
	EXPECT("euc-jp", "\x8e\xff", FFFD FFFD);
	EXPECT("euc-jp", "\x8e" "a", FFFD "a");
	EXPECT("euc-jp", "\x8f\xa0", FFFD FFFD);
	EXPECT("euc-jp", "\x8f\xa1" "a", FFFD "a");
	EXPECT("euc-jp", "\x8f\xa1\xa0", FFFD FFFD);
	EXPECT("euc-jp", "\x8f\xa2\xa2", FFFD);
	EXPECT("euc-jp", "\x8f\xa1", FFFD);
	EXPECT("euc-jp", "\x8f\xfe", FFFD FFFD);
	EXPECT("euc-jp", "\xfe", FFFD);
	EXPECT("euc-jp", "\xfe\xff", FFFD FFFD);
	EXPECT("euc-jp", "\xa1" "a\x80", FFFD "a" FFFD);
}

static void
test_iso2022jp(void **state)
{
	(void)state;
	EXPECT("iso-2022-jp", "\x1b$B\x7e\x7e", FFFD);
	EXPECT("iso-2022-jp", "\x1b(I1\x60\x1b(Ba", "\xef\xbd\xb1" FFFD "a");
	/* A newline leaves the JIS modes. */
	EXPECT("iso-2022-jp", "\x1b$B$\"\n$\"", "\xe3\x81\x82\n$\"");
	/* Unknown or truncated escapes: U+FFFD for ESC only. */
	EXPECT("iso-2022-jp", "\x1b(Zx", FFFD "(Zx");
	EXPECT("iso-2022-jp", "\x1b$(Cx", FFFD "$(Cx");
	EXPECT("iso-2022-jp", "\x1b$", FFFD "$");
	/* Control bytes pass in ASCII mode. */
	EXPECT("iso-2022-jp", "\x0e\x0f", "\x0e\x0f");
	/* Bytes below 0x21 wrap in x/text's uint8 index: "0\n" is 1643. */
	EXPECT("iso-2022-jp", "\x1b$B0\x0a", "\xe6\xad\x8c");
	EXPECT("iso-2022-jp", "\x1b$B0", FFFD);
	EXPECT("iso-2022-jp", "\x1b$B\x80", FFFD);
}

static void
test_shift_jis(void **state)
{
	(void)state;
	/* x/text's own test vectors. */
	EXPECT("shift_jis", "\x80", "\xc2\x80");
	EXPECT("shift_jis", "\x81", FFFD);
	EXPECT("shift_jis", "\xe0\x39", FFFD "9");
	EXPECT("shift_jis", "\x81\x7f", FFFD "\x7f");
	EXPECT("shift_jis", "\xe0\xfd", FFFD);
	EXPECT("shift_jis", "\xe0\x9f", "\xe7\x87\xb9");
	EXPECT("shift_jis", "\xfc\xfc", FFFD);
	EXPECT("shift_jis", "\xfd" "aa", FFFD "aa");
	EXPECT("shift_jis", "\x9f\xfc\xfb\xfc\xfa\xb1",
	    "\xe6\xbb\x8c\xe9\xab\x99\xef\xa8\x91");
	/* Microsoft's mappings; the user area is not mapped. */
	EXPECT("sjis", "\x81\x60\x81\x61\x81\x7c", "\xef\xbd\x9e\xe2\x88\xa5"
	    "\xef\xbc\x8d");
	EXPECT("cp932", "\xf0\x40", FFFD);
	EXPECT("ms_kanji", "\xa1\xdf", "\xef\xbd\xa1\xef\xbe\x9f");
}

static void
test_euc_kr(void **state)
{
	(void)state;
	EXPECT("euc-kr", "\xb0\xa1\x81\x41", "\xea\xb0\x80\xea\xb0\x82");
	EXPECT("korean", "\xc7\x41", FFFD "A");
	EXPECT("euc-kr", "\x81\x5b", FFFD "[");
	EXPECT("euc-kr", "\xc9\xa1", FFFD);
	EXPECT("euc-kr", "\xff\xa1", FFFD FFFD);
	EXPECT("windows-949", "a\xb0", "a" FFFD);
}

/* Decoding through the part conversion, and the output limit. */
static void
test_part_and_limit(void **state)
{
	char		 err[128];
	struct buf	 out;
	const uint8_t	 text[] = "\x82\xa0\x82\xa2";

	(void)state;
	buf_init(&out, 0);
	assert_int_equal(charset_convert_part(0, "Shift_JIS", text, 4, &out,
	    err, sizeof(err)), 0);
	assert_int_equal(out.len, 6);
	assert_memory_equal(out.data, "\xe3\x81\x82\xe3\x81\x84", 6);
	buf_free(&out);

	buf_init(&out, 4);
	assert_int_equal(charset_decode_named("shift_jis", text, 4, &out, err,
	    sizeof(err)), -1);
	buf_free(&out);
}

/* Every byte pair, triple prefix and escape: no crash, bounded output. */
static void
test_exhaustive_pairs(void **state)
{
	static const enum charset_cjk all[] = { CJK_GBK, CJK_GB18030,
	    CJK_HZ_GB2312, CJK_BIG5, CJK_EUC_JP, CJK_ISO2022_JP,
	    CJK_SHIFT_JIS, CJK_EUC_KR };
	struct buf	out;
	uint8_t		in[4];
	size_t		k;
	unsigned	a, b;

	(void)state;
	buf_init(&out, 0);
	for (k = 0; k < sizeof(all) / sizeof(all[0]); k++)
		for (a = 0; a < 256; a++)
			for (b = 0; b < 256; b++) {
				in[0] = (uint8_t)a;
				in[1] = (uint8_t)b;
				in[2] = 0x81;
				in[3] = 0x30;
				buf_reset(&out);
				assert_int_equal(charset_cjk_decode(all[k], in,
				    4, &out), 0);
				assert_true(out.len <= 4 * 4);
			}
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_gbk),
		cmocka_unit_test(test_hz),
		cmocka_unit_test(test_big5),
		cmocka_unit_test(test_euc_jp),
		cmocka_unit_test(test_iso2022jp),
		cmocka_unit_test(test_shift_jis),
		cmocka_unit_test(test_euc_kr),
		cmocka_unit_test(test_part_and_limit),
		cmocka_unit_test(test_exhaustive_pairs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
