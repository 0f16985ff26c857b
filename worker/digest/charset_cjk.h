#ifndef GUARDIAN_CHARSET_CJK_H
#define GUARDIAN_CHARSET_CJK_H
/*
 * The CJK multi-byte decoders of golang.org/x/text v0.33.0 as enmime drives
 * them (a transform.Reader over the whole part), with x/text's own rules for
 * how many bytes one U+FFFD consumes.  None of them fails: bad input becomes
 * U+FFFD.  Tables come from scripts/gen-cjk-tables.py.
 */
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum charset_cjk {
	CJK_GBK,
	CJK_GB18030,
	CJK_HZ_GB2312,
	CJK_BIG5,
	CJK_EUC_JP,
	CJK_ISO2022_JP,
	CJK_SHIFT_JIS,
	CJK_EUC_KR,
};

/* Appends the UTF-8 decoding of in to out; -1 when out is full. */
int	charset_cjk_decode(enum charset_cjk, const uint8_t *in, size_t len,
	    struct buf *out);

extern const uint16_t	cs_cjk_jis0208[11280];
extern const uint16_t	cs_cjk_jis0212[8836];
extern const uint16_t	cs_cjk_gbk[23940];
extern const uint16_t	cs_cjk_gb18030_ranges[206][2];
extern const uint16_t	cs_cjk_big5[19782];
extern const uint8_t	cs_cjk_big5_plane2[2473];
extern const uint16_t	cs_cjk_euckr[17724];

#endif
