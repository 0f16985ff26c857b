/*
 * Header blocks as enmime reads them: its readHeader repairs lines (joins
 * continuations, drops lines starting with ':', glues lines without a colon
 * to the previous field, removes one space before the colon) and hands the
 * result to its textproto reader, which rejects a block whose first logical
 * line is a continuation.  Only the few fields the digests depend on are
 * kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mediatype.h"
#include "mime.h"
#include "mime_util.h"

static const char *const header_names[MIME_FIELD_COUNT] = {
	"content-type",
	"content-transfer-encoding",
	"content-disposition",
	"message-id",
	"subject",
};

static int
header_valid_name_byte(uint8_t c)
{
	return c >= 0x21 && c <= 0x7E && c != ':';
}

/*
 * One logical line (a field with its continuations joined): textproto's
 * trimming, the name check and the first-occurrence rule.
 */
static int
header_field(struct mime_header *h, const uint8_t *p, size_t n)
{
	const uint8_t	*colon;
	size_t		 namelen, i, f;
	int		 has_space = 0;

	while (n > 0 && mime_is_header_space(p[0])) {
		p++;
		n--;
	}
	while (n > 0 && mime_is_header_space(p[n - 1]))
		n--;
	if ((colon = memchr(p, ':', n)) == NULL)
		return 0;
	namelen = (size_t)(colon - p);
	if (namelen == 0)
		return 0;
	for (i = 0; i < namelen; i++) {
		if (p[i] == ' ')
			has_space = 1;
		else if (!header_valid_name_byte(p[i]))
			return 0;	/* enmime drops such a line */
	}
	if (has_space)
		return 0;	/* kept by enmime under a name we never ask for */
	for (f = 0; f < MIME_FIELD_COUNT; f++) {
		if (strlen(header_names[f]) != namelen)
			continue;
		for (i = 0; i < namelen; i++)
			if (mime_ascii_lower(p[i]) != header_names[f][i])
				break;
		if (i == namelen)
			break;
	}
	if (f == MIME_FIELD_COUNT || h->field[f] != NULL)
		return 0;
	p = colon + 1;
	n -= namelen + 1;
	while (n > 0 && (p[0] == ' ' || p[0] == '\t')) {
		p++;
		n--;
	}
	if ((h->field[f] = malloc(n + 1)) == NULL)
		return -1;
	if (n > 0)
		memcpy(h->field[f], p, n);
	h->field[f][n] = '\0';
	h->fieldlen[f] = n;
	return 0;
}

int
mime_header_parse(const uint8_t *in, size_t len, struct mime_header *h,
    char *err, size_t errlen)
{
	struct buf	 line;
	size_t		 pos = 0, eol, n;
	const uint8_t	*s, *colon, *sp;
	int		 first = 1, rc = -1, have_line = 0;

	memset(h, 0, sizeof(*h));
	buf_init(&line, len + 16);
	while (pos < len) {
		s = in + pos;
		sp = memchr(s, '\n', len - pos);
		eol = sp != NULL ? (size_t)(sp - in) + 1 : len;
		n = eol - pos;
		pos = eol;
		if (n > 0 && s[n - 1] == '\n') {
			n--;
			if (n > 0 && s[n - 1] == '\r')
				n--;
		}
		if (n == 0)
			break;		/* the empty line: the body follows */
		if (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' ||
		    s[0] == '\r') {
			/* continuation: " " + the line trimmed */
			size_t	a = 0, b = n;

			while (a < b && mime_is_header_space(s[a]))
				a++;
			while (b > a && mime_is_header_space(s[b - 1]))
				b--;
			buf_putc(&line, ' ');
			buf_append(&line, s + a, b - a);
			have_line = 1;
			continue;
		}
		colon = memchr(s, ':', n);
		if (colon == s)
			continue;	/* starts with a colon: dropped */
		if (colon != NULL) {
			if (have_line) {
				if (first)
					goto malformed;
				if (header_field(h, line.data, line.len) == -1)
					goto done;
			}
			buf_reset(&line);
			/* one space before the first colon is tolerated */
			if (s[colon - s - 1] == ' ') {
				buf_append(&line, s, (size_t)(colon - s) - 1);
				buf_append(&line, colon, n - (size_t)(colon - s));
			} else
				buf_append(&line, s, n);
			have_line = 1;
			if (first && line.len > 0)
				first = 0;
			continue;
		}
		/* no colon: glued to the previous field */
		buf_putc(&line, ' ');
		buf_append(&line, s, n);
		have_line = 1;
	}
	if (have_line) {
		if (first)
			goto malformed;
		if (header_field(h, line.data, line.len) == -1)
			goto done;
	}
	if (buf_failed(&line))
		goto done;
	h->body = pos;
	rc = 0;
	goto done;
malformed:
	snprintf(err, errlen, "malformed MIME header initial line");
done:
	buf_free(&line);
	if (rc == -1)
		mime_header_free(h);
	return rc;
}

void
mime_header_free(struct mime_header *h)
{
	size_t	f;

	for (f = 0; f < MIME_FIELD_COUNT; f++)
		free(h->field[f]);
	memset(h, 0, sizeof(*h));
}
