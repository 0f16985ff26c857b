/*
 * libFuzzer target for TLSH digest parsing and distance: any string that
 * parses must format back to the same digest, and the distance must be
 * symmetric, zero to itself and within the documented range.  Hashing of
 * the same bytes in both flavours and in odd chunks checks the streaming
 * state against the one-shot result.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/tlsh.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct tlsh_digest	 a, b;
	struct tlsh_ctx		 ctx;
	char			 text[256], s1[TLSH_STRING_SIZE];
	char			 s2[TLSH_STRING_SIZE];
	size_t			 n, off, step;
	int			 d, rc1, rc2;

	n = len < sizeof(text) - 1 ? len : sizeof(text) - 1;
	memcpy(text, data, n);
	text[n] = '\0';
	if (tlsh_parse(text, &a) == 0) {
		tlsh_format(&a, s1);
		assert(tlsh_parse(s1, &b) == 0);
		tlsh_format(&b, s2);
		assert(strcmp(s1, s2) == 0);
		assert(tlsh_distance(&a, &b, 1) == 0);
		/* A second digest from the tail of the input, if any. */
		if (n > 72 && tlsh_parse(text + n - 72, &b) == 0) {
			d = tlsh_distance(&a, &b, 1);
			assert(d == tlsh_distance(&b, &a, 1));
			assert(d >= 0 && d <= 2473);
			d = tlsh_distance(&a, &b, 0);
			assert(d >= 0 && d <= 937);
		}
	}

	rc1 = tlsh_hash(data, len, TLSH_GUARDIAN, 0, s1);
	step = len == 0 ? 1 : (size_t)data[0] % 7 + 1;
	tlsh_init(&ctx, TLSH_GUARDIAN, 0);
	for (off = 0; off < len; off += step)
		tlsh_update(&ctx, data + off, len - off < step ? len - off : step);
	rc2 = tlsh_final(&ctx, &a, NULL);
	assert(rc1 == rc2);
	if (rc2 == 0) {
		tlsh_format(&a, s2);
		assert(strcmp(s1, s2) == 0);
	}
	(void)tlsh_hash(data, len, TLSH_REFERENCE, TLSH_OPT_CONSERVATIVE, s1);
	return 0;
}
