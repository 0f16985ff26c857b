/*
 * Content-Transfer-Encoding decoders with enmime's cleaners in front:
 * base64 masks each byte to 7 bits before asking whether it is in the
 * alphabet (so a high byte can empty a whole part), and quoted-printable
 * first escapes what Go's strict decoder would reject, then decodes line by
 * line.  Both only ever shrink their input.
 */
#include <string.h>

#include "buf.h"
#include "mime.h"
#include "utf8.h"

static const int8_t b64_values[128] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
	-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
	-1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
};

enum mime_cte
mime_cte_parse(const char *value, size_t len)
{
	struct buf	 low;
	enum mime_cte	 cte = MIME_CTE_UNKNOWN;
	const char	*v;

	if (value == NULL || len == 0)
		return MIME_CTE_IDENTITY;
	if (len > 64)
		return MIME_CTE_UNKNOWN;
	/* Go's strings.ToLower: U+0130 and U+212A become ASCII too */
	buf_init(&low, 1024);
	if (utf8_append_lower(&low, (const uint8_t *)value, len) == -1) {
		buf_free(&low);
		return MIME_CTE_UNKNOWN;
	}
	v = (const char *)low.data;
	if (strcmp(v, "quoted-printable") == 0)
		cte = MIME_CTE_QP;
	else if (strcmp(v, "base64") == 0)
		cte = MIME_CTE_BASE64;
	else if (strcmp(v, "7bit") == 0 || strcmp(v, "8bit") == 0 ||
	    strcmp(v, "binary") == 0)
		cte = MIME_CTE_IDENTITY;
	buf_free(&low);
	return cte;
}

int
mime_decode_base64(const uint8_t *in, size_t len, struct buf *out)
{
	size_t		 i, start = out->len;
	uint32_t	 acc = 0;
	int		 nq = 0, corrupt = 0, v;

	if (buf_reserve(out, len / 4 * 3 + 3) == -1)
		return -1;
	for (i = 0; i < len; i++) {
		if ((v = b64_values[in[i] & 0x7F]) < 0)
			continue;	/* whitespace, '=', junk: skipped */
		if (in[i] >= 0x80)
			corrupt = 1;	/* kept by the mask, rejected by Go */
		acc = acc << 6 | (uint32_t)v;
		if (++nq == 4) {
			buf_putc(out, (int)(acc >> 16 & 0xFF));
			buf_putc(out, (int)(acc >> 8 & 0xFF));
			buf_putc(out, (int)(acc & 0xFF));
			acc = 0;
			nq = 0;
		}
	}
	if (nq == 1)
		corrupt = 1;
	else if (nq == 2)
		buf_putc(out, (int)(acc >> 4 & 0xFF));
	else if (nq == 3) {
		buf_putc(out, (int)(acc >> 10 & 0xFF));
		buf_putc(out, (int)(acc >> 2 & 0xFF));
	}
	if (corrupt) {
		/* enmime drops the whole content of a corrupt part */
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
	}
	return buf_failed(out) ? -1 : 0;
}

static int
qp_hex(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * One line of input, up to and including its LF.  After the cleaner a '='
 * stays an escape introducer only before a line break or two hex digits;
 * every other '=' means itself, and the bytes the cleaner escaped decode
 * to themselves.  So the line decodes as Go's reader then sees it: trailing
 * blanks dropped, a final kept '=' is a soft break, otherwise the line
 * break (LF or CRLF) is kept, and valid escapes are replaced.
 */
static void
qp_line(const uint8_t *p, size_t n, struct buf *out)
{
	size_t	i, end = n, brk = 0;
	int	soft = 0, hi, lo;

	if (n > 0 && p[n - 1] == '\n')
		brk = n >= 2 && p[n - 2] == '\r' ? 2 : 1;
	while (end > 0 && (p[end - 1] == ' ' || p[end - 1] == '\t' ||
	    p[end - 1] == '\r' || p[end - 1] == '\n'))
		end--;
	if (end > 0 && p[end - 1] == '=' && end < n && (p[end] == '\n' ||
	    (p[end] == '\r' && end + 1 < n && p[end + 1] == '\n')))
		soft = 1;
	for (i = 0; i < end; i++) {
		if (p[i] == '=') {
			if (soft && i == end - 1)
				break;
			if (i + 2 < end && (hi = qp_hex(p[i + 1])) >= 0 &&
			    (lo = qp_hex(p[i + 2])) >= 0) {
				buf_putc(out, hi << 4 | lo);
				i += 2;
				continue;
			}
		}
		buf_putc(out, p[i]);
	}
	if (!soft && brk > 0)
		buf_append(out, p + n - brk, brk);
}

int
mime_decode_qp(const uint8_t *in, size_t len, struct buf *out)
{
	size_t		 pos = 0, eol;
	const uint8_t	*lf;

	if (buf_reserve(out, len) == -1)
		return -1;
	while (pos < len) {
		lf = memchr(in + pos, '\n', len - pos);
		eol = lf != NULL ? (size_t)(lf - in) + 1 : len;
		qp_line(in + pos, eol - pos, out);
		pos = eol;
	}
	return buf_failed(out) ? -1 : 0;
}
