#ifndef GUARDIAN_CHARSET_H
#define GUARDIAN_CHARSET_H
/*
 * Charset conversion of text parts, reproducing what enmime v1.3.0 does with
 * gogs/chardet and the golang.org/x/text v0.33.0 decoders, so the decoded
 * text (and therefore every digest) is byte-identical to upstream's.
 * Everything is compiled in: no iconv, no locale, no file access, as the
 * digest code runs inside the worker's sandbox.
 */
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * One transfer-decoded text/ leaf: chardet (HTML mode if is_html), then the
 * detected or the declared charset.  declared may be NULL or "" (a root
 * without Content-Type passes "us-ascii").  Appends the result to out.
 * Returns 0, or -1 when enmime fails the whole message (a UTF-7 decoding
 * error, which upstream answers with HTTP 400, or out of memory), with a
 * reason in err.
 */
int	charset_convert_part(int is_html, const char *declared,
	    const uint8_t *in, size_t inlen, struct buf *out,
	    char *err, size_t errlen);

/*
 * The same, always running chardet: charset_convert_part skips it for
 * plain ASCII, where its verdict cannot change the text.  The reference
 * that shortcut is tested against.
 */
int	charset_convert_part_detect(int is_html, const char *declared,
	    const uint8_t *in, size_t inlen, struct buf *out,
	    char *err, size_t errlen);

/*
 * Decodes with a named charset from enmime's table (used to re-decode with
 * an HTML meta charset).  Returns 0 when decoded, 1 when the name is not in
 * the table (out untouched), -1 on a decoding error or out of memory.
 */
int	charset_decode_named(const char *name, const uint8_t *in,
	    size_t inlen, struct buf *out, char *err, size_t errlen);

#endif
