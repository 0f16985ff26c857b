#ifndef GUARDIAN_NORMALIZE_H
#define GUARDIAN_NORMALIZE_H
/*
 * Upstream's normalizeEmailBody(text, html): the nine replacement steps
 * whose output is hashed as the "normalized body" digest.  Each regular
 * expression of upstream is implemented as a linear scanner with Go RE2's
 * semantics (leftmost-first, non-overlapping, invalid bytes as U+FFFD).
 */
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Appends the normalized body to out.  Returns 0, or -1 (memory/limit). */
int	normalize_body(const uint8_t *text, size_t textlen,
	    const uint8_t *html, size_t htmllen, struct buf *out);

#endif
