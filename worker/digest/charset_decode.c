/*
 * The decoders behind enmime's charset table, with the behaviour of
 * golang.org/x/text v0.33.0 (and cention-sany/utf7 for UTF-7): invalid or
 * unmapped input becomes U+FFFD and never fails, except in UTF-7, where
 * upstream fails the whole message.  Output grows at most 3 bytes per input
 * byte; the caller's buffer limit bounds it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "charset_tables.h"
#include "utf8.h"

static int
decode_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
decode_full(struct buf *out, char *err, size_t errlen)
{
	if (buf_failed(out))
		return decode_error(err, errlen, "charset: output limit reached");
	return 0;
}

static int
decode_sbcs(const uint16_t *upper, const uint8_t *in, size_t len,
    struct buf *out)
{
	size_t	i, run;

	if (buf_reserve(out, len) == -1)
		return -1;
	for (i = 0; i < len; i++) {
		/* ASCII maps to itself: copy runs of it at once */
		run = i;
		i = utf8_ascii_end(in, i, len);
		if (i > run && buf_append(out, in + run, i - run) == -1)
			return -1;
		if (i < len && utf8_append_rune(out, upper == NULL ? in[i] :
		    upper[in[i] - 0x80]) == -1)
			return -1;
	}
	return 0;
}

static int
decode_user_defined(const uint8_t *in, size_t len, struct buf *out)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		uint32_t r = in[i] < 0x80 ? in[i] : 0xf780u + (in[i] - 0x80u);

		if (utf8_append_rune(out, r) == -1)
			return -1;
	}
	return 0;
}

/* UTF-16 without BOM handling: a BOM decodes to U+FEFF like any unit. */
static int
decode_utf16(const uint8_t *in, size_t len, int big_endian, struct buf *out)
{
	size_t		i = 0;
	uint32_t	u, u2;

	while (i + 1 < len) {
		u = big_endian ? (uint32_t)in[i] << 8 | in[i + 1] :
		    (uint32_t)in[i + 1] << 8 | in[i];
		i += 2;
		if (u >= 0xd800 && u < 0xdc00) {
			if (i + 1 < len) {
				u2 = big_endian ? (uint32_t)in[i] << 8 |
				    in[i + 1] : (uint32_t)in[i + 1] << 8 |
				    in[i];
				if (u2 >= 0xdc00 && u2 < 0xe000) {
					u = 0x10000 + ((u - 0xd800) << 10) +
					    (u2 - 0xdc00);
					i += 2;
				} else
					u = UTF8_RUNE_ERROR;
			} else
				u = UTF8_RUNE_ERROR;
		} else if (u >= 0xdc00 && u < 0xe000)
			u = UTF8_RUNE_ERROR;
		if (utf8_append_rune(out, u) == -1)
			return -1;
	}
	if (i < len && utf8_append_rune(out, UTF8_RUNE_ERROR) == -1)
		return -1;
	return 0;
}

static int
utf7_is_base64(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

static int
utf7_value(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : 63;
}

/*
 * One shifted segment (the base64 between '+' and its end), as
 * cention-sany/utf7's utf7dec: padded base64 to UTF-16BE to UTF-8.  Returns
 * -1 where that returns nil (which fails the message): a segment whose
 * length is 1 mod 4 cannot be padded validly, an odd byte count or a bad
 * surrogate pair is rejected.  Leftover bits are ignored, as Go's
 * non-strict base64 does.
 */
static int
utf7_segment(const uint8_t *s, size_t len, struct buf *out)
{
	size_t		i, nbytes = 0;
	uint32_t	bits = 0;
	int		nbits = 0;
	uint8_t		unit[2];
	uint32_t	r, r2;
	size_t		start = out->len;
	int		have_high = 0;
	uint32_t	high = 0;

	if (len % 4 == 1)
		return -1;
	for (i = 0; i < len; i++) {
		bits = (bits << 6) | (uint32_t)utf7_value(s[i]);
		nbits += 6;
		if (nbits < 8)
			continue;
		nbits -= 8;
		unit[nbytes++ % 2] = (uint8_t)(bits >> nbits);
		bits &= (1u << nbits) - 1;
		if (nbytes % 2 != 0)
			continue;
		r = (uint32_t)unit[0] << 8 | unit[1];
		if (have_high) {
			have_high = 0;
			r2 = r;
			if (r2 < 0xdc00 || r2 >= 0xe000)
				goto bad;
			r = 0x10000 + ((high - 0xd800) << 10) + (r2 - 0xdc00);
		} else if (r >= 0xd800 && r < 0xe000) {
			/* A low surrogate first is never valid either. */
			if (r >= 0xdc00)
				goto bad;
			high = r;
			have_high = 1;
			continue;
		}
		if (utf8_append_rune(out, r) == -1)
			return -1;
	}
	if (nbytes % 2 != 0 || have_high)
		goto bad;
	return 0;
bad:
	out->len = start;
	if (out->data != NULL)
		out->data[start] = '\0';
	return -1;
}

static int
decode_utf7(const uint8_t *in, size_t len, struct buf *out, char *err,
    size_t errlen)
{
	size_t	i, start, end;
	int	implicit;

	for (i = 0; i < len; i++) {
		uint8_t c = in[i];

		if (((c < 0x20 || c > 0x7e) && c != '\t' && c != '\r' &&
		    c != '\n') || c == '~' || c == '\\')
			return decode_error(err, errlen,
			    "utf7: bad utf-7 encoding (byte 0x%02x)", c);
		if (c != '+') {
			if (buf_putc(out, c) == -1)
				return -1;
			continue;
		}
		start = i + 1;
		implicit = 0;
		for (end = start; end < len && in[end] != '-'; end++)
			if (!utf7_is_base64(in[end])) {
				if (end == start)
					return decode_error(err, errlen,
					    "utf7: bad utf-7 encoding");
				implicit = 1;
				break;
			}
		if (end == start) {
			if (end == len)
				return decode_error(err, errlen,
				    "utf7: bad utf-7 encoding ('+' at end)");
			if (buf_putc(out, '+') == -1)
				return -1;
		} else {
			if (utf7_segment(in + start, end - start, out) == -1) {
				if (buf_failed(out))
					return -1;
				return decode_error(err, errlen,
				    "utf7: bad utf-7 encoding");
			}
			/* The byte that ended the segment is copied as is. */
			if (implicit && buf_putc(out, in[end]) == -1)
				return -1;
			if (end == len)
				return 0;
		}
		i = end;
	}
	return 0;
}

int
charset_decode(const struct charset_entry *e, const uint8_t *in, size_t len,
    struct buf *out, char *err, size_t errlen)
{
	int	rc = 0;

	switch (e->decoder) {
	case CS_PASSTHROUGH:
		rc = buf_append(out, in, len);
		break;
	case CS_GBK:
		rc = charset_cjk_decode(CJK_GBK, in, len, out);
		break;
	case CS_GB18030:
		rc = charset_cjk_decode(CJK_GB18030, in, len, out);
		break;
	case CS_HZ_GB2312:
		rc = charset_cjk_decode(CJK_HZ_GB2312, in, len, out);
		break;
	case CS_BIG5:
		rc = charset_cjk_decode(CJK_BIG5, in, len, out);
		break;
	case CS_EUC_JP:
		rc = charset_cjk_decode(CJK_EUC_JP, in, len, out);
		break;
	case CS_ISO2022_JP:
		rc = charset_cjk_decode(CJK_ISO2022_JP, in, len, out);
		break;
	case CS_SHIFT_JIS:
		rc = charset_cjk_decode(CJK_SHIFT_JIS, in, len, out);
		break;
	case CS_EUC_KR:
		rc = charset_cjk_decode(CJK_EUC_KR, in, len, out);
		break;
	case CS_UTF7:
		if (decode_utf7(in, len, out, err, errlen) == -1 &&
		    !buf_failed(out))
			return -1;
		break;
	case CS_SBCS:
		rc = decode_sbcs(e->table, in, len, out);
		break;
	case CS_LATIN1:
		rc = decode_sbcs(NULL, in, len, out);
		break;
	case CS_UTF16LE:
		rc = decode_utf16(in, len, 0, out);
		break;
	case CS_UTF16BE:
		rc = decode_utf16(in, len, 1, out);
		break;
	case CS_REPLACEMENT:
		if (len > 0)
			rc = utf8_append_rune(out, UTF8_RUNE_ERROR);
		break;
	case CS_USER_DEFINED:
		rc = decode_user_defined(in, len, out);
		break;
	}
	(void)rc;
	return decode_full(out, err, errlen);
}
