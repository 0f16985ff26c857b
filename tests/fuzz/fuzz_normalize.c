/*
 * normalize_body against arbitrary bytes, split into text and html at the
 * first byte's value.  normalize_body fuses steps and skips bytes in
 * blocks, so its output must equal the separate scanners of
 * normalize_step run one after the other (tests/unit/test_normalize.c
 * checks those against a model of each regular expression).  The output
 * never grows beyond the threefold expansion of invalid bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "worker/digest/normalize.h"
#include "worker/digest/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
step_by_step(const uint8_t *text, size_t textlen, const uint8_t *html,
    size_t htmllen, struct buf *out)
{
	struct buf a, b, *cur = &a, *next = &b, *tmp;
	size_t start, end;
	int step;

	buf_init(&a, 0);
	buf_init(&b, 0);
	if (buf_append(&a, text, textlen) == -1 ||
	    buf_append(&a, "\n\n", 2) == -1 ||
	    buf_append(&a, html, htmllen) == -1)
		abort();
	utf8_trim_space(a.data, a.len, &start, &end);
	if (buf_append(&b, a.data + start, end - start) == -1)
		abort();
	cur = &b;
	next = &a;
	for (step = NORMALIZE_IMG; step <= NORMALIZE_NEWLINES; step++) {
		buf_reset(next);
		if (buf_append(next, "", 0) == -1 ||
		    normalize_step(step, cur->data, cur->len, next) == -1)
			abort();
		tmp = cur;
		cur = next;
		next = tmp;
	}
	if (buf_append(out, cur->data, cur->len) == -1)
		abort();
	buf_free(&a);
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out, ref;
	size_t split;

	if (size == 0)
		return 0;
	split = data[0] % size;
	buf_init(&out, 0);
	buf_init(&ref, 0);
	if (normalize_body(data + 1, split > 0 ? split - 1 : 0, data + split,
	    size - split, &out) != 0)
		abort();
	if (out.len > 3 * size + 16)
		abort();
	step_by_step(data + 1, split > 0 ? split - 1 : 0, data + split,
	    size - split, &ref);
	if (out.len != ref.len || memcmp(out.data, ref.data, out.len) != 0)
		abort();
	buf_free(&out);
	buf_free(&ref);
	return 0;
}
