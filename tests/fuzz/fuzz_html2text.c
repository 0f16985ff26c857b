/*
 * html2text against arbitrary bytes: the preparation pass, gumbo under its
 * memory budget and the renderer must never crash, and the text they give
 * must be valid UTF-8 (upstream writes it rune by rune).  The shrinking
 * rewrites of the preparation pass must not change the text: it is
 * compared with the rendering of the input prepared without them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "worker/digest/html2text.h"
#include "worker/digest/html2text_prep.h"
#include "worker/digest/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out, plain;
	size_t i, w;
	int rc, plain_rc;

	buf_init(&out, 0);
	buf_init(&plain, 0);
	rc = html2text(data, size, &out);
	if (rc == 0) {
		for (i = 0; i < out.len; i += w)
			if (utf8_decode(out.data + i, out.len - i, &w) ==
			    UTF8_RUNE_ERROR && w == 1)
				__builtin_trap();
	}
	/*
	 * Gumbo's memory budget is the only thing the shrinking may change:
	 * a parse abandoned without it can succeed with it.
	 */
	plain_rc = html2text_with(data, size, &plain, 0);
	if (rc == 0 && plain_rc == 0 && (out.len != plain.len ||
	    memcmp(out.data, plain.data, out.len) != 0))
		__builtin_trap();
	if (rc == -1 && plain_rc == 0)
		__builtin_trap();
	buf_free(&out);
	buf_free(&plain);
	return 0;
}
