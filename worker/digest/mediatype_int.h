#ifndef GUARDIAN_MEDIATYPE_INT_H
#define GUARDIAN_MEDIATYPE_INT_H
/* Shared by mediatype.c (enmime's repairs) and mediatype_go.c (Go's parser). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "mediatype.h"
#include "unicode.h"
#include "utf8.h"

#define MT_PLACEHOLDER_TYPE	"x-not-a-mime-type/x-not-a-mime-type"
#define MT_PLACEHOLDER_VALUE	"not-a-param-value"
#define MT_MAX_PARAMS		256

struct span {
	const uint8_t	*p;
	size_t		 n;
};

/* Go's utf8.DecodeRune, returning the width (1 for an invalid byte). */
static inline size_t
mt_rune(const uint8_t *p, size_t n, uint32_t *r)
{
	size_t	w;

	*r = utf8_decode(p, n, &w);
	return w;
}

static inline size_t
mt_buf_limit(size_t n)
{
	return 8 * n + 4096;
}

static inline const uint8_t *
mt_find(struct span h, const char *needle, size_t nlen)
{
	if (nlen == 0)
		return h.p;
	if (h.n < nlen)
		return NULL;
	return memmem(h.p, h.n, needle, nlen);
}

static inline int
mt_contains(struct span h, struct span needle)
{
	return mt_find(h, (const char *)needle.p, needle.n) != NULL;
}

/* Go's strings.TrimLeftFunc(s, unicode.IsSpace). */
static inline struct span
mt_trim_left(struct span s)
{
	uint32_t	 r;
	size_t		 k;

	while (s.n > 0) {
		k = mt_rune(s.p, s.n, &r);
		if (!unicode_is_space(r))
			break;
		s.p += k;
		s.n -= k;
	}
	return s;
}

static inline struct span
mt_trim_space(struct span s)
{
	size_t	start, end;

	utf8_trim_space(s.p, s.n, &start, &end);
	s.p += start;
	s.n = end - start;
	return s;
}

static inline struct span
mt_span(const struct buf *b)
{
	struct span	s = { b->data, b->len };

	return s;
}

struct mt_param {
	char	*name;
	char	*value;
	int	 continued;	/* the name contains '*' */
};

struct mt_params {
	struct mt_param	 p[MT_MAX_PARAMS];
	size_t		 n;
};

/* Go's mime.ParseMediaType; sets mt->type or mt->error.  -1: no memory. */
int	mediatype_parse_go(struct span, struct mediatype *, struct mt_params *);

#endif
