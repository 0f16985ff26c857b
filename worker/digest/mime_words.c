/*
 * RFC 2047 encoded words as Go's mime.WordDecoder.DecodeHeader decodes them
 * (enmime passes its own charset table as CharsetReader).  enmime applies it
 * to media-type parameters, so it can change a charset or a boundary.
 */
#include <string.h>

#include "buf.h"
#include "charset.h"
#include "mediatype.h"
#include "mime_util.h"
#include "utf8.h"

static const uint8_t *
words_find(const uint8_t *p, size_t n, const char *needle)
{
	size_t	nl = strlen(needle);

	return n < nl ? NULL : memmem(p, n, needle, nl);
}

static int
words_b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* base64.StdEncoding.DecodeString: padded, CR and LF ignored. */
static int
words_b64_decode(const uint8_t *p, size_t n, struct buf *out)
{
	int	 q[4], nq = 0, pad = 0, v;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\r' || p[i] == '\n')
			continue;
		if (pad > 0) {
			/* only more padding may follow in the same quantum */
			if (p[i] != '=' || nq + pad >= 4)
				return -1;
			pad++;
			continue;
		}
		if (p[i] == '=') {
			if (nq < 2)
				return -1;
			pad = 1;
			continue;
		}
		if ((v = words_b64_value(p[i])) < 0)
			return -1;
		q[nq++] = v;
		if (nq == 4) {
			buf_putc(out, q[0] << 2 | q[1] >> 4);
			buf_putc(out, (q[1] & 15) << 4 | q[2] >> 2);
			buf_putc(out, (q[2] & 3) << 6 | q[3]);
			nq = 0;
		}
	}
	if (pad > 0 && nq + pad != 4)
		return -1;
	if (pad == 0 && nq != 0)
		return -1;
	if (nq >= 2)
		buf_putc(out, q[0] << 2 | q[1] >> 4);
	if (nq == 3)
		buf_putc(out, (q[1] & 15) << 4 | q[2] >> 2);
	return 0;
}

static int
words_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
words_q_decode(const uint8_t *p, size_t n, struct buf *out)
{
	size_t	i;
	int	hi, lo;

	for (i = 0; i < n; i++) {
		uint8_t	c = p[i];

		if (c == '_')
			buf_putc(out, ' ');
		else if (c == '=') {
			if (i + 2 >= n)
				return -1;
			if ((hi = words_hex(p[i + 1])) < 0 ||
			    (lo = words_hex(p[i + 2])) < 0)
				return -1;
			buf_putc(out, hi << 4 | lo);
			i += 2;
		} else if ((c >= ' ' && c <= '~') || c == '\n' || c == '\r' ||
		    c == '\t')
			buf_putc(out, c);
		else
			return -1;
	}
	return 0;
}

static int
words_equal_fold(const uint8_t *a, size_t n, const char *b)
{
	size_t	i;

	if (strlen(b) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (mime_ascii_lower(a[i]) != b[i])
			return 0;
	return 1;
}

static int
words_convert(const uint8_t *cs, size_t cslen, const struct buf *content,
    struct buf *out)
{
	char	 name[64], err[64];
	size_t	 i;

	if (words_equal_fold(cs, cslen, "utf-8")) {
		buf_append(out, content->data, content->len);
		return 0;
	}
	if (words_equal_fold(cs, cslen, "iso-8859-1")) {
		for (i = 0; i < content->len; i++)
			utf8_append_rune(out, content->data[i]);
		return 0;
	}
	if (words_equal_fold(cs, cslen, "us-ascii")) {
		for (i = 0; i < content->len; i++)
			if (content->data[i] >= 0x80)
				utf8_append_rune(out, UTF8_RUNE_ERROR);
			else
				buf_putc(out, content->data[i]);
		return 0;
	}
	/* Go lower-cases the name for the CharsetReader (ASCII is enough:
	 * no table name has other letters) */
	if (cslen >= sizeof(name) || memchr(cs, '\0', cslen) != NULL)
		return -1;
	for (i = 0; i < cslen; i++)
		name[i] = (char)mime_ascii_lower(cs[i]);
	name[cslen] = '\0';
	if (strcmp(name, "utf-8") == 0) {
		buf_append(out, content->data, content->len);
		return 0;
	}
	return charset_decode_named(name, content->len ? content->data :
	    (const uint8_t *)"", content->len, out, err, sizeof(err)) == 0 ?
	    0 : -1;
}

static int
words_has_non_space(const uint8_t *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return 1;
	return 0;
}

int
mediatype_decode_words(const uint8_t *h, size_t n, struct buf *out)
{
	const uint8_t	*start, *q, *cs, *text, *e;
	size_t		 cur, cslen, textlen, end, limit;
	int		 between = 0, enc, rc = -1;
	struct buf	 content;

	if ((start = words_find(h, n, "=?")) == NULL) {
		buf_append(out, h, n);
		return buf_failed(out) ? -1 : 0;
	}
	limit = 4 * n + 64;
	buf_init(&content, limit);
	buf_append(out, h, (size_t)(start - h));
	n -= (size_t)(start - h);
	h = start;
	for (;;) {
		size_t	s;

		if ((start = words_find(h, n, "=?")) == NULL)
			break;
		s = (size_t)(start - h);
		cur = s + 2;
		if ((q = memchr(h + cur, '?', n - cur)) == NULL)
			break;
		cs = h + cur;
		cslen = (size_t)(q - cs);
		cur += cslen + 1;
		if (n < cur + 4)
			break;
		enc = h[cur++];
		if (h[cur] != '?')
			break;
		cur++;
		if ((e = words_find(h + cur, n - cur, "?=")) == NULL)
			break;
		text = h + cur;
		textlen = (size_t)(e - text);
		end = cur + textlen + 2;
		buf_reset(&content);
		if (enc == 'B' || enc == 'b')
			rc = words_b64_decode(text, textlen, &content);
		else if (enc == 'Q' || enc == 'q')
			rc = words_q_decode(text, textlen, &content);
		else
			rc = -1;
		if (rc == -1) {
			between = 0;
			buf_append(out, h, s + 2);
			h += s + 2;
			n -= s + 2;
			continue;
		}
		if (s > 0 && (!between || words_has_non_space(h, s)))
			buf_append(out, h, s);
		if (words_convert(cs, cslen, &content, out) == -1) {
			rc = -1;
			goto done;
		}
		h += end;
		n -= end;
		between = 1;
	}
	buf_append(out, h, n);
	rc = buf_failed(out) || buf_failed(&content) ? -1 : 0;
done:
	buf_free(&content);
	return rc;
}
