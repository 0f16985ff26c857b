/*
 * The whole pipeline: the spec's enmime vectors (Text, HTML, attachments
 * and normalized body, or the 400 cases) and committed messages with the
 * digests upstream Guardian 0.7.6 returns for them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "buf.h"
#include "worker/digest/digest.h"
#include "worker/digest/mime.h"
#include "worker/digest/normalize.h"

#define VECTORS		"tests/data/digest/mime/vectors.tsv"
#define MESSAGES	"tests/data/digest/messages"


static int
same(const struct buf *b, const uint8_t *want, size_t wantlen)
{
	return b->len == wantlen && (wantlen == 0 ||
	    memcmp(b->data, want, wantlen) == 0);
}

static void
test_enmime_vectors(void **state)
{
	FILE		*f;
	static char	 line[65536];
	static uint8_t	 in[16384], text[16384], html[16384], norm[16384];
	int		 rows = 0, bad = 0;

	(void)state;
	assert_non_null(f = fopen(VECTORS, "r"));
	assert_non_null(fgets(line, sizeof(line), f));
	while (fgets(line, sizeof(line), f) != NULL) {
		char			*col[9] = { 0 }, *p = line, err[256];
		char			 atts[1024] = "";
		int			 n = 0, ok;
		size_t			 inlen, tl, hl, nl, i;
		struct mime_envelope	 env;
		struct buf		 nb;

		line[strcspn(line, "\n")] = '\0';
		col[n++] = p;
		while (n < 9 && (p = strchr(p, '\t')) != NULL) {
			*p++ = '\0';
			col[n++] = p;
		}
		assert_true(n >= 8);
		inlen = testutil_b64_decode(col[2], in, sizeof(in));
		tl = testutil_b64_decode(col[3], text, sizeof(text));
		hl = testutil_b64_decode(col[4], html, sizeof(html));
		nl = testutil_b64_decode(col[6], norm, sizeof(norm));
		rows++;
		ok = mime_read_envelope(in, inlen, &env, 0, err,
		    sizeof(err)) == 0;
		if (col[7][0] != '\0') {
			/* upstream: ReadEnvelope fails, HTTP 400 */
			if (ok) {
				fprintf(stderr, "%s: parsed, expected %s\n",
				    col[0], col[7]);
				bad++;
				mime_envelope_free(&env);
			}
			continue;
		}
		if (!ok) {
			fprintf(stderr, "%s: error %s\n", col[0], err);
			bad++;
			continue;
		}
		for (i = 0; i < env.nattachments; i++)
			snprintf(atts + strlen(atts), sizeof(atts) -
			    strlen(atts), "%s%s:%zu", i ? ";" : "",
			    env.attachments[i].type, env.attachments[i].len);
		buf_init(&nb, 0);
		assert_int_equal(normalize_body(env.text.data, env.text.len,
		    env.html.data, env.html.len, &nb), 0);
		if (!same(&env.text, text, tl) || !same(&env.html, html, hl) ||
		    strcmp(atts, col[5]) != 0 || !same(&nb, norm, nl)) {
			fprintf(stderr, "%s: differs (text %zu/%zu html "
			    "%zu/%zu att '%s'/'%s' norm %zu/%zu)\n", col[0],
			    env.text.len, tl, env.html.len, hl, atts, col[5],
			    nb.len, nl);
			bad++;
		}
		buf_free(&nb);
		mime_envelope_free(&env);
	}
	fclose(f);
	assert_int_equal(rows, 23);
	assert_int_equal(bad, 0);
}

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	uint8_t	*p;
	long	 n;

	assert_non_null(f = fopen(path, "rb"));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	assert_true((n = ftell(f)) >= 0);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	assert_non_null(p = malloc((size_t)n + 1));
	*len = fread(p, 1, (size_t)n, f);
	fclose(f);
	return p;
}

static void
test_upstream_messages(void **state)
{
	FILE		*f;
	char		 line[8192], path[512], got[8192], err[256];
	int		 rows = 0;

	(void)state;
	assert_non_null(f = fopen(MESSAGES "/expected.tsv", "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		char			*want;
		uint8_t			*msg;
		size_t			 len, i;
		struct digest_list	 dl;

		line[strcspn(line, "\n")] = '\0';
		assert_non_null(want = strchr(line, '\t'));
		*want++ = '\0';
		assert_true((size_t)snprintf(path, sizeof(path), MESSAGES
		    "/%s", line) < sizeof(path));
		msg = slurp(path, &len);
		if (digest_message(msg, len, &dl, err, sizeof(err)) == -1)
			snprintf(got, sizeof(got), "ERROR:400");
		else {
			got[0] = '\0';
			for (i = 0; i < dl.count; i++)
				snprintf(got + strlen(got), sizeof(got) -
				    strlen(got), "%s%s", i ? "," : "",
				    dl.digest[i]);
			digest_list_free(&dl);
		}
		free(msg);
		if (strcmp(got, want) != 0)
			fprintf(stderr, "%s:\n  want %s\n  got  %s\n", line,
			    want, got);
		assert_string_equal(got, want);
		rows++;
	}
	fclose(f);
	assert_true(rows >= 8);
}

static void
test_gates(void **state)
{
	struct digest_list	 dl;
	char			 err[256], msg[4096];
	int			 n;

	(void)state;
	/* 100 bytes of body: no digest; the gates are "> 100" */
	n = snprintf(msg, sizeof(msg), "Subject: x\n\n%s",
	    "abcdefghij0123456789abcdefghij0123456789abcdefghij"
	    "0123456789abcdefghij0123456789abcdefghij0123456789");
	assert_int_equal(digest_message((uint8_t *)msg, (size_t)n, &dl, err,
	    sizeof(err)), 0);
	assert_int_equal(dl.count, 0);
	digest_list_free(&dl);
	/* 400: multipart without boundary (M16); a reason is given */
	n = snprintf(msg, sizeof(msg), "Content-Type: multipart/mixed\n\nx\n");
	assert_int_equal(digest_message((uint8_t *)msg, (size_t)n, &dl, err,
	    sizeof(err)), -1);
	assert_true(err[0] != '\0');
	/* Message-ID and Subject are returned for the logs */
	n = snprintf(msg, sizeof(msg), "Message-ID: <a@b>\nSubject: "
	    "=?utf-8?q?caf=C3=A9?=\n\nbody\n");
	assert_int_equal(digest_message((uint8_t *)msg, (size_t)n, &dl, err,
	    sizeof(err)), 0);
	assert_string_equal(dl.message_id, "<a@b>");
	assert_non_null(dl.subject);
	digest_list_free(&dl);
}

static void
test_hostile(void **state)
{
	struct digest_list	 dl;
	char			 err[256];
	size_t			 n = 4 * 1024 * 1024, i, o;
	uint8_t			*p;

	(void)state;
	assert_non_null(p = malloc(n));
	/* deeply nested multiparts */
	o = 0;
	for (i = 0; o + 200 < n / 2; i++)
		o += (size_t)snprintf((char *)p + o, n - o, "Content-Type: "
		    "multipart/mixed; boundary=b%zu\n\n--b%zu\n", i, i);
	assert_true(digest_message(p, o, &dl, err, sizeof(err)) == 0 ||
	    err[0] != '\0');
	if (dl.digest != NULL || dl.count == 0)
		digest_list_free(&dl);
	/* many empty parts and almost-delimiters */
	o = (size_t)snprintf((char *)p, n, "Content-Type: multipart/mixed; "
	    "boundary=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n\n");
	while (o + 64 < n)
		o += (size_t)snprintf((char *)p + o, n - o,
		    "--aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n");
	assert_true(digest_message(p, o, &dl, err, sizeof(err)) == 0 ||
	    err[0] != '\0');
	digest_list_free(&dl);
	/* random bytes */
	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 2654435761u >> 9);
	if (digest_message(p, n, &dl, err, sizeof(err)) == 0)
		digest_list_free(&dl);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enmime_vectors),
		cmocka_unit_test(test_upstream_messages),
		cmocka_unit_test(test_gates),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
