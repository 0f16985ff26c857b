#ifndef TESTUTIL_H
#define TESTUTIL_H
/* Shared includes for the cmocka unit tests. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

/*
 * Optional extra cases read from ../shared next to the checkout; tests that
 * use it skip when it is absent.  SHARED_DIR overrides the location.
 */
#include <stdlib.h>
static inline const char *
testutil_shared_dir(void)
{
	const char *d = getenv("SHARED_DIR");
	return d != NULL ? d : "../shared";
}

/* Marsaglia's xorshift32: the random soups, the same on every run. */
static inline uint32_t
testutil_rand(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/*
 * Standard base64, as the committed vector files encode their fields:
 * decoding stops at '=' or the end of the string, and any other character,
 * or an output longer than max, fails the test.  Returns the length.
 */
#include <stdio.h>
#include <string.h>
#include "buf.h"

static inline size_t
testutil_b64_decode(const char *s, uint8_t *out, size_t max)
{
	static const char	 alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const char		*p;
	uint32_t		 acc = 0;
	size_t			 n = 0;
	int			 bits = 0;

	for (; *s != '\0' && *s != '='; s++) {
		p = strchr(alphabet, *s);
		assert_non_null(p);
		acc = (acc << 6 | (uint32_t)(p - alphabet)) & 0xFFFFFF;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			assert_true(n < max);
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	return n;
}

/* The same into a buffer, replacing its contents (NUL-terminated). */
static inline void
testutil_b64_decode_buf(const char *s, struct buf *out)
{
	size_t	 max = strlen(s) / 4 * 3 + 3;

	buf_reset(out);
	assert_int_equal(buf_reserve(out, max), 0);
	out->len = testutil_b64_decode(s, out->data, max);
	out->data[out->len] = '\0';
}

/* A whole file into b, replacing its contents; -1 when unreadable. */
static inline int
testutil_read_file(const char *path, struct buf *b)
{
	char	 chunk[65536];
	FILE	*fp;
	size_t	 n;

	buf_reset(b);
	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(b, chunk, n);
	fclose(fp);
	return buf_failed(b) ? -1 : 0;
}
#endif
