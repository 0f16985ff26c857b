#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "worker/digest/chardet.h"

/* Confidence of the first recognizer reporting name (-1 if none). */
static int
confidence_of(const char *in, size_t len, int html, const char *name)
{
	struct chardet_result	all[CHARDET_NRECOGNIZERS];
	int			i, n, best = -1;

	n = chardet_detect_all((const uint8_t *)in, len, html, all,
	    CHARDET_NRECOGNIZERS);
	assert_int_equal(n, CHARDET_NRECOGNIZERS);
	for (i = 0; i < n; i++)
		if (strcmp(all[i].charset, name) == 0 &&
		    all[i].confidence > best)
			best = all[i].confidence;
	return best;
}

#define CONF(s, html, name)	confidence_of(s, sizeof(s) - 1, html, name)

#define E	"Please read this important message about your account " \
		"and confirm the details below today. "

static void
test_utf8(void **state)
{
	(void)state;
	assert_int_equal(CONF("plain ascii", 0, "UTF-8"), 10);
	assert_int_equal(CONF(E "It\xe2\x80\x99s ok.\n", 0, "UTF-8"), 80);
	assert_int_equal(CONF("caf\xc3\xa9 cr\xc3\xa8me br\xc3\xbbl\xc3\xa9"
	    "e na\xc3\xafve", 0, "UTF-8"), 100);
	assert_int_equal(CONF("\xef\xbb\xbfhello", 0, "UTF-8"), 100);
	/* BOM with one invalid byte among more than ten valid sequences. */
	assert_int_equal(CONF("\xef\xbb\xbf\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xff", 0,
	    "UTF-8"), 80);
	assert_int_equal(CONF("caf\xe9 caf\xe9", 0, "UTF-8"), 0);
	/* Eleven valid, one invalid: 25. */
	assert_int_equal(CONF("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xe9 ", 0, "UTF-8"), 25);
}

static void
test_unicode_boms(void **state)
{
	(void)state;
	assert_int_equal(CONF("\xfe\xff\0A", 0, "UTF-16BE"), 100);
	assert_int_equal(CONF("\xff\xfe" "A\0", 0, "UTF-16LE"), 100);
	assert_int_equal(CONF("\xff\xfe\0\0A\0\0\0", 0, "UTF-16LE"), 0);
	assert_int_equal(CONF("\xff\xfe\0\0A\0\0\0", 0, "UTF-32LE"), 100);
	assert_int_equal(CONF("\0\0\0A\0\0\0B\0\0\0C\0\0\0D", 0, "UTF-32BE"),
	    100);
	assert_int_equal(CONF("\0\0\0A", 0, "UTF-32BE"), 80);
	assert_int_equal(CONF("abc", 0, "UTF-32BE"), 0);
}

static void
test_single_byte(void **state)
{
	(void)state;
	/* Values agree with ICU's detector on these inputs. */
	assert_int_equal(CONF("Please read this important message about your "
	    "account and confirm the details below today and then", 0,
	    "ISO-8859-1"), 66);
	assert_int_equal(CONF("Bitte lesen Sie diese wichtige Nachricht "
	    "\xfc" "ber Ihr Konto und best\xe4tigen Sie die Angaben unten noch "
	    "heute und dann", 0, "ISO-8859-1"), 98);
	/* A C1 byte renames ISO-8859-1 to windows-1252. */
	assert_int_equal(CONF("Bitte lesen Sie diese wichtige Nachricht "
	    "\x93\xfc" "ber\x94" " Ihr Konto", 0, "ISO-8859-1"), -1);
	assert_true(CONF("Bitte lesen Sie diese wichtige Nachricht "
	    "\x93\xfc" "ber\x94" " Ihr Konto", 0, "windows-1252") > 0);
}

static void
test_html_mode(void **state)
{
	static const char page[] = "<html><head><meta http-equiv=\""
	    "Content-Type\" content=\"text/html; charset=windows-1251\">"
	    "</head><body>\xcf\xf0\xe8\xe2\xe5\xf2</body></html>\n";
	struct chardet_result	best;

	(void)state;
	/* Vector M18: tags stripped, a six-letter word scores 85. */
	assert_int_equal(CONF(page, 1, "windows-1251"), 85);
	chardet_detect((const uint8_t *)page, sizeof(page) - 1, 1, &best);
	assert_string_equal(best.charset, "windows-1251");
	assert_int_equal(best.confidence, 85);
	/* Text mode sees the markup and stays far below. */
	assert_true(CONF(page, 0, "windows-1251") < 85);
	/* Fewer than five tags: the filter is not used. */
	assert_int_equal(CONF("<b>\xcf\xf0\xe8\xe2\xe5\xf2</b>", 1,
	    "windows-1251"), CONF("<b>\xcf\xf0\xe8\xe2\xe5\xf2</b>", 0,
	    "windows-1251"));
}

static void
test_multi_byte(void **state)
{
	char	s[64];
	size_t	n = 0;
	int	i;

	(void)state;
	/* 3 common + 22 other double-byte characters, then one not counted:
	 * int(ln(4) * 90 / ln(25 / 4) + 10) = 78. */
	for (i = 0; i < 3; i++) {
		s[n++] = '\x82';
		s[n++] = '\xa0';
	}
	for (i = 0; i < 22; i++) {
		s[n++] = '\x88';
		s[n++] = '\x9f';
	}
	s[n++] = 'x';
	assert_int_equal(confidence_of(s, n, 0, "Shift_JIS"), 78);
	/* Ten double-byte characters or fewer and no error: 10. */
	assert_int_equal(CONF("\x82\xa0\x82\xa0x", 0, "Shift_JIS"), 10);
	assert_int_equal(CONF("abc", 0, "Shift_JIS"), 0);
	/* Two bad characters among few: 0. */
	assert_int_equal(CONF("\xa4\x20\xa4\x20\xa4\xa2x", 0, "EUC-JP"), 0);
}

static void
test_iso2022(void **state)
{
	(void)state;
	assert_int_equal(CONF("\x1b$B$3$s\x1b(B abc \x1b$B$K\x1b(B x \x1b$B"
	    "$A\x1b(B", 0, "ISO-2022-JP"), 100);
	/* Two hits: 100 - (5 - 2) * 10. */
	assert_int_equal(CONF("\x1b$B$3$s\x1b(B abc", 0, "ISO-2022-JP"), 70);
	/* One hit, one miss: 0. */
	assert_int_equal(CONF("\x1b$B$3$s\x1bZ", 0, "ISO-2022-JP"), 0);
	assert_int_equal(CONF("\x1b$)C\x0e!\x0f\x0e!\x0f", 0, "ISO-2022-KR"),
	    100);
}

static void
test_window_and_hostile(void **state)
{
	static char		big[20000];
	struct chardet_result	best;

	(void)state;
	/* Only the first 8 KiB feed the n-gram recognizers. */
	memset(big, 'a', sizeof(big));
	memcpy(big + 9000, "\xcf\xf0\xe8\xe2\xe5\xf2", 6);
	assert_int_equal(confidence_of(big, sizeof(big), 0, "windows-1251"),
	    confidence_of(big, 8192, 0, "windows-1251"));
	/* Empty input still looks like ASCII to the UTF-8 recognizer. */
	chardet_detect((const uint8_t *)"", 0, 1, &best);
	assert_string_equal(best.charset, "UTF-8");
	assert_int_equal(best.confidence, 10);
	memset(big, '<', sizeof(big));
	chardet_detect((const uint8_t *)big, sizeof(big), 1, &best);
	memset(big, 0xff, sizeof(big));
	chardet_detect((const uint8_t *)big, sizeof(big), 0, &best);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_unicode_boms),
		cmocka_unit_test(test_single_byte),
		cmocka_unit_test(test_html_mode),
		cmocka_unit_test(test_multi_byte),
		cmocka_unit_test(test_iso2022),
		cmocka_unit_test(test_window_and_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
