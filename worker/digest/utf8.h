#ifndef GUARDIAN_UTF8_H
#define GUARDIAN_UTF8_H
/*
 * UTF-8 with Go's semantics.  Upstream hashes Go strings, which are byte
 * sequences that may hold invalid UTF-8; wherever Go decodes them (range
 * loops, strings.Map, regexp) every invalid byte is one step yielding
 * U+FFFD.  This is not the "maximal subpart" rule of WHATWG/ICU: "\xe2\x82"
 * is two errors here, one there.  Nothing here depends on the locale.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"

#define UTF8_RUNE_ERROR	0xFFFDu
#define UTF8_MAX_RUNE	0x10FFFFu
#define UTF8_MAX_BYTES	4

/*
 * Go utf8.DecodeRune: the rune at s[0 .. len).  *width is the bytes taken:
 * 0 when len is 0 (rune U+FFFD), 1 for an invalid byte (rune U+FFFD), else
 * the sequence length.  A well-formed encoded U+FFFD has width 3.
 */
uint32_t	utf8_decode(const uint8_t *s, size_t len, size_t *width);

/*
 * Go utf8.EncodeRune: writes 1-4 bytes, returns the count.  Surrogates and
 * values above U+10FFFF are written as U+FFFD.
 */
size_t		utf8_encode(uint32_t r, uint8_t out[UTF8_MAX_BYTES]);
int		utf8_append_rune(struct buf *, uint32_t r);

/* Number of decoding steps (Go utf8.RuneCount). */
size_t		utf8_rune_count(const uint8_t *s, size_t len);

/* The position of the first byte >= 0x80 at or after pos (len if none). */
static inline size_t
utf8_ascii_end(const uint8_t *p, size_t pos, size_t len)
{
	uint64_t	word;

	while (pos + 8 <= len) {
		memcpy(&word, p + pos, 8);
		if (word & 0x8080808080808080ull)
			break;
		pos += 8;
	}
	while (pos < len && p[pos] < 0x80)
		pos++;
	return pos;
}

/* 1 if every byte is < 0x80. */
static inline int
utf8_is_ascii(const uint8_t *s, size_t len)
{
	return utf8_ascii_end(s, 0, len) == len;
}

/* Appends s with every invalid byte replaced by EF BF BD (Go's per-byte rule;
 * what writing a Go string rune by rune produces). */
int		utf8_append_valid(struct buf *, const uint8_t *s, size_t len);

/*
 * Go strings.TrimSpace: the span of s left after removing leading and
 * trailing Unicode white space (unicode_is_space).  Invalid bytes decode as
 * U+FFFD, which is not space, so they stop the trim.  Sets *start and *end
 * (start <= end <= len).
 */
void		utf8_trim_space(const uint8_t *s, size_t len, size_t *start,
		    size_t *end);

/*
 * Go strings.ToLower appended to out.  A pure-ASCII string maps A-Z only and
 * stays byte-identical otherwise; any other string goes through
 * unicode_to_lower rune by rune and every invalid byte becomes EF BF BD.
 */
int		utf8_append_lower(struct buf *out, const uint8_t *s, size_t len);

#endif
