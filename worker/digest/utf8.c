/*
 * UTF-8 decoding, encoding and the few Go strings functions the digest
 * pipeline reproduces (see utf8.h for why the per-byte error rule matters).
 */
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "unicode.h"
#include "utf8.h"

static const uint8_t utf8_replacement[3] = { 0xEF, 0xBF, 0xBD };

uint32_t
utf8_decode(const uint8_t *s, size_t len, size_t *width)
{
	uint8_t b0, lo = 0x80, hi = 0xBF;
	size_t n, i;
	uint32_t r;

	if (len == 0) {
		*width = 0;
		return UTF8_RUNE_ERROR;
	}
	b0 = s[0];
	*width = 1;
	if (b0 < 0x80)
		return b0;
	if (b0 >= 0xC2 && b0 <= 0xDF) {
		n = 2;
		r = b0 & 0x1F;
	} else if (b0 >= 0xE0 && b0 <= 0xEF) {
		n = 3;
		r = b0 & 0x0F;
		if (b0 == 0xE0)
			lo = 0xA0;
		else if (b0 == 0xED)
			hi = 0x9F;	/* no surrogates */
	} else if (b0 >= 0xF0 && b0 <= 0xF4) {
		n = 4;
		r = b0 & 0x07;
		if (b0 == 0xF0)
			lo = 0x90;
		else if (b0 == 0xF4)
			hi = 0x8F;	/* nothing above U+10FFFF */
	} else
		return UTF8_RUNE_ERROR;
	for (i = 1; i < n; i++) {
		if (i >= len)
			return UTF8_RUNE_ERROR;
		if (s[i] < lo || s[i] > hi)
			return UTF8_RUNE_ERROR;
		lo = 0x80;
		hi = 0xBF;
		r = (r << 6) | (s[i] & 0x3F);
	}
	*width = n;
	return r;
}

size_t
utf8_encode(uint32_t r, uint8_t out[UTF8_MAX_BYTES])
{
	if (r < 0x80) {
		out[0] = (uint8_t)r;
		return 1;
	}
	if (r < 0x800) {
		out[0] = (uint8_t)(0xC0 | (r >> 6));
		out[1] = (uint8_t)(0x80 | (r & 0x3F));
		return 2;
	}
	if (r > UTF8_MAX_RUNE || (r >= 0xD800 && r <= 0xDFFF))
		r = UTF8_RUNE_ERROR;
	if (r < 0x10000) {
		out[0] = (uint8_t)(0xE0 | (r >> 12));
		out[1] = (uint8_t)(0x80 | ((r >> 6) & 0x3F));
		out[2] = (uint8_t)(0x80 | (r & 0x3F));
		return 3;
	}
	out[0] = (uint8_t)(0xF0 | (r >> 18));
	out[1] = (uint8_t)(0x80 | ((r >> 12) & 0x3F));
	out[2] = (uint8_t)(0x80 | ((r >> 6) & 0x3F));
	out[3] = (uint8_t)(0x80 | (r & 0x3F));
	return 4;
}

int
utf8_append_rune(struct buf *b, uint32_t r)
{
	uint8_t tmp[UTF8_MAX_BYTES];

	return buf_append(b, tmp, utf8_encode(r, tmp));
}

size_t
utf8_rune_count(const uint8_t *s, size_t len)
{
	size_t i = 0, n = 0, w;

	while (i < len) {
		if (s[i] < 0x80)
			w = 1;
		else
			(void)utf8_decode(s + i, len - i, &w);
		i += w;
		n++;
	}
	return n;
}

int
utf8_append_valid(struct buf *b, const uint8_t *s, size_t len)
{
	size_t i = 0, run = 0, w;
	uint32_t r;

	/* Copies valid stretches in one append each. */
	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		r = utf8_decode(s + i, len - i, &w);
		if (r == UTF8_RUNE_ERROR && w == 1) {
			if (buf_append(b, s + run, i - run) == -1 ||
			    buf_append(b, utf8_replacement, 3) == -1)
				return -1;
			run = i + 1;
		}
		i += w;
	}
	return buf_append(b, s + run, len - run);
}

void
utf8_trim_space(const uint8_t *s, size_t len, size_t *start, size_t *end)
{
	size_t i = 0, j = len, k, w;
	uint32_t r;

	while (i < len) {
		r = utf8_decode(s + i, len - i, &w);
		if (!unicode_is_space(r))
			break;
		i += w;
	}
	/*
	 * From the right, as Go's DecodeLastRune: find the last byte that is
	 * not a continuation byte (at most 4 back) and accept the rune only if
	 * it ends exactly at j.  Every non-continuation byte is a boundary of
	 * the forward decoding too, so both directions agree.
	 */
	while (j > i) {
		if (s[j - 1] < 0x80) {
			if (!unicode_is_space(s[j - 1]))
				break;
			j--;
			continue;
		}
		k = j - 1;
		while (k > i && j - k < UTF8_MAX_BYTES && (s[k] & 0xC0) == 0x80)
			k--;
		r = utf8_decode(s + k, j - k, &w);
		if (w != j - k || !unicode_is_space(r))
			break;
		j = k;
	}
	*start = i;
	*end = j;
}

int
utf8_append_lower(struct buf *out, const uint8_t *s, size_t len)
{
	size_t i, w, start;
	uint32_t r;

	if (utf8_is_ascii(s, len)) {
		start = out->len;
		if (buf_append(out, s, len) == -1)
			return -1;
		for (i = start; i < out->len; i++)
			if (out->data[i] >= 'A' && out->data[i] <= 'Z')
				out->data[i] += 'a' - 'A';
		return 0;
	}
	if (buf_reserve(out, len) == -1)
		return -1;
	for (i = 0; i < len; i += w) {
		if (s[i] < 0x80) {
			w = 1;
			r = s[i];
			if (r >= 'A' && r <= 'Z')
				r += 'a' - 'A';
			if (buf_putc(out, (int)r) == -1)
				return -1;
			continue;
		}
		r = utf8_decode(s + i, len - i, &w);
		if (utf8_append_rune(out, unicode_to_lower(r)) == -1)
			return -1;
	}
	return 0;
}
