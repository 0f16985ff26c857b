/*
 * html2text against arbitrary bytes: the preparation pass, gumbo under its
 * memory budget and the renderer must never crash, and the text they give
 * must be valid UTF-8 (upstream writes it rune by rune).
 */
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "worker/digest/html2text.h"
#include "worker/digest/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out;
	size_t i, w;

	buf_init(&out, 0);
	if (html2text(data, size, &out) == 0) {
		for (i = 0; i < out.len; i += w)
			if (utf8_decode(out.data + i, out.len - i, &w) ==
			    UTF8_RUNE_ERROR && w == 1)
				abort();
	}
	buf_free(&out);
	return 0;
}
