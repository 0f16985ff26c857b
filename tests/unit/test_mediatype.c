/*
 * Media-type parsing against enmime's own results: a committed subset of
 * the crafted edge cases, every value of the shared corpus when present,
 * and hostile values that must neither crash nor run long.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "buf.h"
#include "worker/digest/mediatype.h"


/* Go's %q for the ASCII strings of the table. */
static void
go_quote(const char *s, char *out)
{
	*out++ = '"';
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			*out++ = '\\';
			*out++ = (char)c;
		} else if (c == '\n') {
			*out++ = '\\';
			*out++ = 'n';
		} else if (c == '\r') {
			*out++ = '\\';
			*out++ = 'r';
		} else if (c == '\t') {
			*out++ = '\\';
			*out++ = 't';
		} else if (c < 0x20 || c == 0x7f)
			out += sprintf(out, "\\x%02x", c);
		else
			*out++ = (char)c;
	}
	*out++ = '"';
	*out = '\0';
}

/* Returns the number of rows that differ; *total gets the row count. */
static int
run_table(const char *path, int *total)
{
	FILE		*f;
	static char	 line[200000], want_t[200000], got[3][200000];
	static unsigned char value[150000];
	int		 bad = 0;

	*total = 0;
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) == NULL) {
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char		*col[8] = { 0 }, *p = line, inv[1024] = "";
		int		 n = 0;
		size_t		 vl, i;
		struct mediatype mt;

		line[strcspn(line, "\n")] = '\0';
		col[n++] = p;
		while (n < 8 && (p = strchr(p, '\t')) != NULL) {
			*p++ = '\0';
			col[n++] = p;
		}
		if (n < 8)
			continue;
		vl = testutil_b64_decode(col[1], value, sizeof(value));
		assert_int_equal(mediatype_parse(value, vl, &mt), 0);
		go_quote(mt.type, got[0]);
		go_quote(mt.charset, got[1]);
		go_quote(mt.boundary, got[2]);
		for (i = 0; i < mt.ninvalid; i++) {
			if (i > 0)
				strcat(inv, ",");
			strncat(inv, mt.invalid[i], 64);
		}
		(*total)++;
		if (strcmp(got[0], col[3]) != 0 || strcmp(got[1], col[4]) != 0
		    || strcmp(got[2], col[5]) != 0 || strcmp(inv, col[6]) != 0
		    || strcmp(mt.error ? mt.error : "", col[7]) != 0) {
			bad++;
			snprintf(want_t, sizeof(want_t), "%s", col[2]);
			fprintf(stderr, "differs: %s: %s %s %s [%s] %s\n",
			    want_t, got[0], got[1], got[2], inv,
			    mt.error ? mt.error : "");
		}
		mediatype_free(&mt);
	}
	fclose(f);
	return bad;
}

static void
test_committed_cases(void **state)
{
	int	total;

	(void)state;
	assert_int_equal(run_table("tests/data/digest/mime/mediatype.tsv",
	    &total), 0);
	assert_true(total >= 50);
}

static void
test_shared_cases(void **state)
{
	char	path[512];
	int	total, bad;

	(void)state;
	snprintf(path, sizeof(path),
	    "%s/testdata/digest-parity/mediatype.tsv", testutil_shared_dir());
	if ((bad = run_table(path, &total)) == -1)
		skip();
	printf("mediatype: %d/%d values as enmime parses them\n",
	    total - bad, total);
	assert_int_equal(bad, 0);
}

static void
check(const char *value, const char *type, const char *charset,
    const char *boundary)
{
	struct mediatype mt;

	assert_int_equal(mediatype_parse((const uint8_t *)value,
	    strlen(value), &mt), 0);
	assert_string_equal(mt.type, type);
	if (charset == NULL)
		assert_null(mt.charset);
	else
		assert_string_equal(mt.charset, charset);
	if (boundary == NULL)
		assert_null(mt.boundary);
	else
		assert_string_equal(mt.boundary, boundary);
	mediatype_free(&mt);
}

static void
test_rules(void **state)
{
	(void)state;
	/* RFC 2047 inside a parameter: the quirk of spec section 3 */
	check("text/plain; =?utf-8?B?Y2hhcnNldD11dGYtOA==?=", "text/plain",
	    "utf-8", NULL);
	check("multipart/mixed; boundary==_NextPart_000", "multipart/mixed",
	    NULL, "=_NextPart_000");
	check("text/plain; xcharset=a; charset=b", "text/plain", NULL, NULL);
	check("text/html charset=utf-8", "application/octet-stream", NULL,
	    NULL);
	/* a NUL byte is just another non-token byte */
	{
		struct mediatype mt;

		assert_int_equal(mediatype_parse((const uint8_t *)"text/pl\0in",
		    10, &mt), 0);
		assert_non_null(mt.error);
		mediatype_free(&mt);
	}
}

static void
test_hostile(void **state)
{
	struct mediatype mt;
	size_t		 n = 4 * 1024 * 1024, i;
	uint8_t		*v;
	const char	*pat[] = { "a=b;", "\"", "=?x?q?", ";", "\\\"" };

	(void)state;
	assert_non_null(v = malloc(n));
	for (size_t k = 0; k < sizeof(pat) / sizeof(pat[0]); k++) {
		size_t pl = strlen(pat[k]);

		memcpy(v, "text/plain;", 11);
		for (i = 11; i < n; i++)
			v[i] = (uint8_t)pat[k][(i - 11) % pl];
		assert_int_equal(mediatype_parse(v, n, &mt), 0);
		mediatype_free(&mt);
	}
	for (i = 0; i < n; i++)
		v[i] = (uint8_t)(i * 2654435761u >> 13);
	assert_int_equal(mediatype_parse(v, n, &mt), 0);
	mediatype_free(&mt);
	free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_committed_cases),
		cmocka_unit_test(test_shared_cases),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
