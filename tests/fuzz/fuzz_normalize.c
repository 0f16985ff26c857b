/*
 * normalize_body against arbitrary bytes, split into text and html at the
 * first byte's value.  The output is lower-cased, so it must be valid UTF-8
 * whenever the input was not pure ASCII, and it never grows beyond the
 * threefold expansion of invalid bytes.
 */
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "worker/digest/normalize.h"
#include "worker/digest/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out;
	size_t split;

	if (size == 0)
		return 0;
	split = data[0] % size;
	buf_init(&out, 0);
	if (normalize_body(data + 1, split > 0 ? split - 1 : 0, data + split,
	    size - split, &out) != 0)
		abort();
	if (out.len > 3 * size + 16)
		abort();
	buf_free(&out);
	return 0;
}
