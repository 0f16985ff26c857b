#ifndef GUARDIAN_MEDIATYPE_H
#define GUARDIAN_MEDIATYPE_H
/*
 * Media type values (Content-Type, Content-Disposition) parsed exactly as
 * enmime v1.3.0's mediatype.Parse does: its repairs of mangled values, then
 * Go's mime.ParseMediaType.  Upstream's part tree, and therefore its
 * digests, depend on every quirk of that pair (docs/digests.md).
 */
#include <stddef.h>
#include <stdint.h>

/* Longer values are cut here: the repairs are quadratic in the worst case. */
#define MEDIATYPE_MAX_INPUT	(64 * 1024)
#define MEDIATYPE_MAX_INVALID	8

struct mediatype {
	char	*type;		/* lower-case media type, "" when none */
	char	*charset;	/* the charset parameter, NULL when absent */
	char	*boundary;	/* the boundary parameter, NULL when absent */
	/* parameters without a value, lower-case, in input order */
	char	*invalid[MEDIATYPE_MAX_INVALID];
	size_t	 ninvalid;
	const char *error;	/* Go's error text when the value is invalid */
};

/*
 * Returns 0 with the result (all fields empty and error set when enmime
 * reports an error), or -1 when out of memory.  Free with mediatype_free.
 */
int	mediatype_parse(const uint8_t *value, size_t len, struct mediatype *);
void	mediatype_free(struct mediatype *);

/*
 * Go's mime.WordDecoder.DecodeHeader with enmime's charset table: decodes
 * RFC 2047 encoded words.  Returns 0 with the decoded text in out, or -1
 * when Go returns an error (then the caller keeps the input).
 */
struct buf;
int	mediatype_decode_words(const uint8_t *in, size_t len, struct buf *out);

#endif
