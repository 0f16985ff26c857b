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

/*
 * The steps after the first (join and TrimSpace), one replacement each,
 * exposed so that tests can compare every scanner with a straightforward
 * model of its regular expression.  Each appends to out.
 */
enum normalize_step {
	NORMALIZE_IMG = 2,	/* (?i)<img([^>]*?)src="[^"]*"([^>]*?)> */
	NORMALIZE_HEX,		/* [0-9a-fA-F]{8,} -> **** */
	NORMALIZE_DIGITS,	/* \d{6,} -> **** */
	NORMALIZE_STYLE,	/* (?i)\s*style\s*=\s*"[^"]*" -> "" */
	NORMALIZE_TRACKER,	/* (?i)([?&])(utm_[^=&]+|gclid|...)=[^&\s"'>]+ */
	NORMALIZE_LOWER,	/* strings.ToLower */
	NORMALIZE_BLANKS,	/* [ \t]+ -> " " */
	NORMALIZE_NEWLINES	/* \r?\n{2,} -> "\n\n" */
};

int	normalize_step(enum normalize_step, const uint8_t *in, size_t len,
	    struct buf *out);

#endif
