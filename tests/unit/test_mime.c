/*
 * enmime's header-block rules and transfer decoders (spec digest-parity.md
 * 2 and 5), with the examples of the spec and hostile inputs.
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "buf.h"
#include "worker/digest/mime.h"

static void
check_b64(const char *in, const char *want, size_t wantlen)
{
	struct buf	b;

	buf_init(&b, 0);
	assert_int_equal(mime_decode_base64((const uint8_t *)in, strlen(in),
	    &b), 0);
	assert_int_equal(b.len, wantlen);
	if (wantlen > 0)
		assert_memory_equal(b.data, want, wantlen);
	buf_free(&b);
}

static void
test_base64(void **state)
{
	(void)state;
	check_b64("SGVs*bG8g!V29y\n bGQ=\n", "Hello World", 11);	/* M09 */
	check_b64("SGVsbG8gV29ybGQ=\n\n_______________\nList footer\n",
	    "", 0);						/* M10 */
	check_b64("QQ==QQ==\n", "A\x04\x10", 3);			/* M11 */
	check_b64("SGVsbG8\xC1", "", 0);	/* high byte masked to 'A' */
	check_b64("SGVsbG8", "Hello", 5);	/* no padding needed */
	check_b64("", "", 0);
}

static void
check_qp(const char *in, size_t inlen, const char *want, size_t wantlen)
{
	struct buf	b;

	buf_init(&b, 0);
	assert_int_equal(mime_decode_qp((const uint8_t *)in, inlen, &b), 0);
	assert_int_equal(b.len, wantlen);
	if (wantlen > 0)
		assert_memory_equal(b.data, want, wantlen);
	buf_free(&b);
}

#define QP(in, want) check_qp(in, sizeof(in) - 1, want, sizeof(want) - 1)

static void
test_quoted_printable(void **state)
{
	(void)state;
	/* M12 before the charset step */
	QP("soft=\r\nbreak soft2=\nbreak2 eq=3D lower=e9 bad=XY trail   \r\n"
	    "raw\xe9 end= \r\nlast=",
	    "softbreak soft2break2 eq= lower\xe9 bad=XY trail\r\nraw\xe9 "
	    "end=\r\nlast=");
	QP("a=20\n", "a \n");		/* an escaped blank survives */
	QP("x=\r\r\ny", "x=\r\ny");	/* '=' before CR CR LF is literal */
	QP("tab\t \n", "tab\n");
	QP("=4", "=4");
	QP("=", "=");
}

static void
test_cte(void **state)
{
	(void)state;
	assert_int_equal(mime_cte_parse("Quoted-Printable", 16), MIME_CTE_QP);
	assert_int_equal(mime_cte_parse("BASE64", 6), MIME_CTE_BASE64);
	assert_int_equal(mime_cte_parse("8bit", 4), MIME_CTE_IDENTITY);
	assert_int_equal(mime_cte_parse(NULL, 0), MIME_CTE_IDENTITY);
	assert_int_equal(mime_cte_parse("x-uuencode", 10), MIME_CTE_UNKNOWN);
	assert_int_equal(mime_cte_parse("base64; x", 9), MIME_CTE_UNKNOWN);
	assert_int_equal(mime_cte_parse("base-64", 7), MIME_CTE_UNKNOWN);
	/* Go's ToLower maps U+0130 to 'i' */
	assert_int_equal(mime_cte_parse("B\xC4\xB0NARY", 7),
	    MIME_CTE_IDENTITY);
}

static struct mime_header
header(const char *in, int ok)
{
	struct mime_header	h;
	char			err[128];

	assert_int_equal(mime_header_parse((const uint8_t *)in, strlen(in),
	    &h, err, sizeof(err)), ok ? 0 : -1);
	return h;
}

static void
test_header_rules(void **state)
{
	struct mime_header	h;
	const char		*m;

	(void)state;
	/* continuation and folded value; first occurrence wins */
	m = "Content-Type: text/plain;\r\n\tcharset=x\r\n"
	    "content-type: text/html\r\n\r\nbody";
	h = header(m, 1);
	assert_string_equal(h.field[MIME_CONTENT_TYPE],
	    "text/plain; charset=x");
	assert_string_equal((const char *)m + h.body, "body");
	mime_header_free(&h);
	/* a blank-only line continues; a line without colon is glued */
	h = header("Content-Type: text/plain\n \nbody text\n", 1);
	assert_string_equal(h.field[MIME_CONTENT_TYPE],
	    "text/plain  body text");
	mime_header_free(&h);
	/* one space before the colon; a name with a space never matches */
	h = header("Content-Type : text/html\nContent Disposition: x\n\n", 1);
	assert_string_equal(h.field[MIME_CONTENT_TYPE], "text/html");
	assert_null(h.field[MIME_CONTENT_DISPOSITION]);
	mime_header_free(&h);
	/* a line starting with ':' is dropped; so is a bad name byte */
	h = header(":x\nSubj\x01: a\nSubject: b\n\n", 1);
	assert_string_equal(h.field[MIME_SUBJECT], "b");
	mime_header_free(&h);
	/* the mbox From_ line is a harmless field */
	h = header("From x@y  Mon Aug 31 13:39:16 2001\nMessage-ID: <a@b>\n",
	    1);
	assert_string_equal(h.field[MIME_MESSAGE_ID], "<a@b>");
	mime_header_free(&h);
	/* fatal: a continuation or a colon-less line first (M15, bsmtp) */
	header("Hello body without headers\n", 0);
	header(" folded\nSubject: x\n\n", 0);
	header(":dropped\n continued\n\n", 0);
	/* end of input ends the block with an empty body */
	h = header("Subject: x", 1);
	assert_int_equal(h.body, 10);
	mime_header_free(&h);
	h = header("", 1);
	mime_header_free(&h);
}

static void
test_hostile(void **state)
{
	size_t		 n = 8 * 1024 * 1024, i;
	uint8_t		*p;
	struct buf	 b;
	struct mime_header h;
	char		 err[128];

	(void)state;
	assert_non_null(p = malloc(n));
	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 2654435761u >> 11);
	buf_init(&b, 0);
	assert_int_equal(mime_decode_qp(p, n, &b), 0);
	assert_true(b.len <= n);
	buf_reset(&b);
	assert_int_equal(mime_decode_base64(p, n, &b), 0);
	assert_true(b.len <= n);
	buf_free(&b);
	(void)mime_header_parse(p, n, &h, err, sizeof(err));
	mime_header_free(&h);
	/* one long folded header */
	memcpy(p, "Subject: x\n", 11);
	for (i = 11; i < n; i++)
		p[i] = i % 3 == 0 ? '\n' : ' ';
	assert_int_equal(mime_header_parse(p, n, &h, err, sizeof(err)), 0);
	mime_header_free(&h);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_quoted_printable),
		cmocka_unit_test(test_cte),
		cmocka_unit_test(test_header_rules),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
