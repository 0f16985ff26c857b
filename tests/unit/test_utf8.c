/*
 * Go UTF-8 semantics, strings.ToLower/TrimSpace and the Unicode 15.0 tables.
 */
#include <string.h>

#include "testutil.h"

#include "buf.h"
#include "worker/digest/unicode.h"
#include "worker/digest/unicode_tables.h"
#include "worker/digest/utf8.h"

#define S(x)	(x), sizeof(x) - 1

static void
expect_steps(const char *in, size_t len, const uint32_t *runes,
    const size_t *widths, size_t n)
{
	const uint8_t *s = (const uint8_t *)in;
	size_t i = 0, k = 0, w;
	uint32_t r;

	while (i < len) {
		assert_true(k < n);
		r = utf8_decode(s + i, len - i, &w);
		assert_int_equal(r, runes[k]);
		assert_int_equal(w, widths[k]);
		i += w;
		k++;
	}
	assert_int_equal(k, n);
	assert_int_equal(utf8_rune_count(s, len), n);
}

static void
test_decode_go_rules(void **state)
{
	(void)state;
	{
		uint32_t r[] = { 'a', 0xE9, 0x20AC, 0x1F600 };
		size_t w[] = { 1, 2, 3, 4 };
		expect_steps("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 10, r, w, 4);
	}
	{	/* truncated sequence: one error per byte, not one per subpart */
		uint32_t r[] = { 0xFFFD, 0xFFFD, ' ' };
		size_t w[] = { 1, 1, 1 };
		expect_steps("\xe2\x82 ", 3, r, w, 3);
	}
	{	/* overlong, surrogate, above U+10FFFF, lone continuation */
		uint32_t r[] = { 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD,
		    0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD };
		size_t w[] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
		expect_steps("\xc0\x80\xed\xa0\x80\xf4\x90\x80\x80\x80", 10, r,
		    w, 10);
	}
	{	/* an encoded U+FFFD is a valid 3-byte rune */
		uint32_t r[] = { 0xFFFD, 0x10FFFF, 0xD7FF };
		size_t w[] = { 3, 4, 3 };
		expect_steps("\xef\xbf\xbd\xf4\x8f\xbf\xbf\xed\x9f\xbf", 10, r,
		    w, 3);
	}
	{
		size_t w;
		assert_int_equal(utf8_decode((const uint8_t *)"", 0, &w),
		    0xFFFD);
		assert_int_equal(w, 0);
	}
}

/* Every code point round-trips, and whatever decodes with width > 1 is the
 * canonical encoding of its rune (no overlong or surrogate accepted). */
static void
test_encode_roundtrip(void **state)
{
	uint8_t b[UTF8_MAX_BYTES], rnd[4];
	uint32_t c, r, x = 12345;
	size_t n, w, i;

	(void)state;
	for (c = 0; c <= UTF8_MAX_RUNE; c++) {
		n = utf8_encode(c, b);
		r = utf8_decode(b, n, &w);
		if (c >= 0xD800 && c <= 0xDFFF) {
			assert_int_equal(r, 0xFFFD);
			assert_int_equal(w, 3);
			continue;
		}
		assert_int_equal(r, c);
		assert_int_equal(w, n);
	}
	assert_int_equal(utf8_encode(0x110000, b), 3);
	assert_memory_equal(b, "\xef\xbf\xbd", 3);
	for (i = 0; i < 2000000; i++) {
		x = x * 1103515245u + 12345u;
		rnd[0] = (uint8_t)(0xC0 | (x >> 24));
		rnd[1] = (uint8_t)(x >> 16);
		rnd[2] = (uint8_t)(x >> 8);
		rnd[3] = (uint8_t)x;
		r = utf8_decode(rnd, 4, &w);
		if (w > 1) {
			assert_int_equal(utf8_encode(r, b), w);
			assert_memory_equal(b, rnd, w);
		} else
			assert_int_equal(r, 0xFFFD);
	}
}

static void
test_append_valid(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(utf8_append_valid(&b, (const uint8_t *)
	    "caf\xe9 \xe2\x82 ok\x00\x85\xef\xbf\xbd", 15), 0);
	assert_int_equal(b.len, 23);
	assert_memory_equal(b.data, "caf\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd"
	    " ok\x00\xef\xbf\xbd\xef\xbf\xbd", 23);
	buf_free(&b);
}

static void
test_is_space(void **state)
{
	static const uint32_t yes[] = { 9, 10, 11, 12, 13, 32, 0x85, 0xA0,
	    0x1680, 0x2000, 0x2005, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F,
	    0x3000 };
	static const uint32_t no[] = { 0, 8, 14, 0x1C, 0x1F, 'a', 0x84, 0x86,
	    0x9F, 0xA1, 0x180E, 0x200B, 0x2060, 0xFEFF, 0xFFFD, 0x3001 };
	size_t i;
	uint32_t c;
	unsigned n = 0;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(unicode_is_space(yes[i]));
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(unicode_is_space(no[i]));
	for (c = 0; c <= UTF8_MAX_RUNE; c++)
		n += unicode_is_space(c) != 0;
	assert_int_equal(n, 25);	/* Go's list, exactly */
}

static void
expect_trim(const char *in, size_t len, const char *want, size_t wantlen)
{
	size_t a, z;

	utf8_trim_space((const uint8_t *)in, len, &a, &z);
	assert_int_equal(z - a, wantlen);
	assert_memory_equal(in + a, want, wantlen);
}

static void
test_trim_space(void **state)
{
	(void)state;
	expect_trim(S("  \t x\xc3(\xe2\x82y \xc2\xa0\n"), "x\xc3(\xe2\x82y", 6);
	expect_trim(S("\xe3\x80\x80" "abc" "\xe2\x80\xa8\xc2\x85"), "abc", 3);
	/* invalid bytes stop the trim; U+200B and U+FEFF are not space */
	expect_trim(S("\xa0 a \xc2"), "\xa0 a \xc2", 5);
	expect_trim(S("\xef\xbb\xbf a \xe2\x80\x8b"),
	    "\xef\xbb\xbf a \xe2\x80\x8b", 9);
	/* a space rune after an invalid lead byte is still trimmed */
	expect_trim(S("x\xf0\xe2\x80\xa8"), "x\xf0", 2);
	expect_trim(S(" \t\r\n\v\f"), "", 0);
	expect_trim(S(""), "", 0);
}

static void
expect_lower(const char *in, size_t len, const char *want, size_t wantlen)
{
	struct buf b;

	buf_init(&b, 0);
	assert_int_equal(utf8_append_lower(&b, (const uint8_t *)in, len), 0);
	assert_int_equal(b.len, wantlen);
	assert_memory_equal(b.data, want, wantlen);
	buf_free(&b);
}

static void
test_to_lower(void **state)
{
	(void)state;
	/* spec vector N05 */
	expect_lower(S("\xc3\x80\xc3\x89 \xc4\xb0stanbul \xce\xa3\xce\x91\xce\xa3"
	    " \xe2\x84\xaa \xe1\xba\x9e \xc7\x85 \xe2\x84\xa6"),
	    S("\xc3\xa0\xc3\xa9 istanbul \xcf\x83\xce\xb1\xcf\x83 k \xc3\x9f"
	    " \xc7\x86 \xcf\x89"));
	/* pure ASCII: bytes kept, A-Z only */
	expect_lower(S("ABC xyz\x01\x7f[@]"), S("abc xyz\x01\x7f[@]"));
	/* not ASCII: invalid bytes become U+FFFD, encoded U+FFFD stays */
	expect_lower(S("ABC \xff\xfe DEF \xe2\x82 GHI\xef\xbf\xbd"),
	    S("abc \xef\xbf\xbd\xef\xbf\xbd def \xef\xbf\xbd\xef\xbf\xbd"
	    " ghi\xef\xbf\xbd"));
	/* length changes: U+023A (2 bytes) -> U+2C65 (3 bytes) */
	expect_lower(S("\xc8\xba"), S("\xe2\xb1\xa5"));
}

static void
test_lower_table(void **state)
{
	static const uint32_t map[][2] = {
		{ 'A', 'a' }, { 'z', 'z' }, { 0xC0, 0xE0 }, { 0xDF, 0xDF },
		{ 0x130, 'i' }, { 0x131, 0x131 }, { 0x178, 0xFF },
		{ 0x1C4, 0x1C6 }, { 0x1C5, 0x1C6 }, { 0x1C6, 0x1C6 },
		{ 0x23A, 0x2C65 }, { 0x3A3, 0x3C3 }, { 0x3C2, 0x3C2 },
		{ 0x3F4, 0x3B8 }, { 0x1E9E, 0xDF }, { 0x1F88, 0x1F80 },
		{ 0x2126, 0x3C9 }, { 0x212A, 'k' }, { 0x212B, 0xE5 },
		{ 0x2160, 0x2170 }, { 0x24B6, 0x24D0 }, { 0x2C2F, 0x2C5F },
		{ 0xA7C0, 0xA7C1 }, { 0xA7F5, 0xA7F6 }, { 0xFF21, 0xFF41 },
		{ 0x10400, 0x10428 }, { 0x10570, 0x10597 },
		{ 0x1E900, 0x1E922 }, { 0x1E921, 0x1E943 }, { 0x10FFFF, 0x10FFFF },
	};
	size_t i;
	unsigned changed = 0, lenchange = 0;
	uint32_t c;
	uint8_t a[4], b[4];

	(void)state;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		assert_int_equal(unicode_to_lower(map[i][0]), map[i][1]);
	for (i = 1; i < unicode_lower_count; i++)
		assert_true(unicode_lower_table[i - 1].from <
		    unicode_lower_table[i].from);
	for (c = 0; c <= UTF8_MAX_RUNE; c++) {
		if (unicode_to_lower(c) == c)
			continue;
		changed++;
		if (utf8_encode(c, a) != utf8_encode(unicode_to_lower(c), b))
			lenchange++;
	}
	assert_int_equal(changed, 1433);
	assert_int_equal(lenchange, 25);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_go_rules),
		cmocka_unit_test(test_encode_roundtrip),
		cmocka_unit_test(test_append_valid),
		cmocka_unit_test(test_is_space),
		cmocka_unit_test(test_trim_space),
		cmocka_unit_test(test_to_lower),
		cmocka_unit_test(test_lower_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
