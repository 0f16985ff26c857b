#ifndef GUARDIAN_CHARSET_TABLES_H
#define GUARDIAN_CHARSET_TABLES_H
/*
 * Internal interface between the charset name table (charset.c), the
 * decoders (charset_decode.c) and the generated tables (cs_*.c).
 */
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "charset_cjk.h"

enum charset_decoder {
	CS_PASSTHROUGH,		/* UTF-8: bytes kept, not even validated */
	CS_UTF7,
	CS_SBCS,		/* table of the upper half */
	CS_LATIN1,		/* true ISO-8859-1 */
	CS_UTF16LE,
	CS_UTF16BE,
	CS_REPLACEMENT,		/* ISO-2022-KR/CN: one U+FFFD */
	CS_USER_DEFINED,	/* x-user-defined */
	/* The multi-byte decoders of charset_cjk.c. */
	CS_GBK,
	CS_GB18030,
	CS_HZ_GB2312,
	CS_BIG5,
	CS_EUC_JP,
	CS_ISO2022_JP,
	CS_SHIFT_JIS,
	CS_EUC_KR,
};

struct charset_entry {
	const char		*name;
	enum charset_decoder	 decoder;
	const uint16_t		*table;	/* CS_SBCS only: bytes 0x80..0xFF */
};

const struct charset_entry *charset_lookup(const char *name, size_t len);

/* The i-th entry of the name table, NULL past its end (for tests). */
const struct charset_entry *charset_entry_at(size_t i);

/* Whether ASCII without ESC decodes to itself. */
int	charset_ascii_transparent(const struct charset_entry *);

/* Returns 0, or -1 on a decoding error (UTF-7 only) or a full buffer. */
int	charset_decode(const struct charset_entry *, const uint8_t *, size_t,
	    struct buf *, char *err, size_t errlen);

extern const uint16_t	charset_sbcs_windows_1252[128];
extern const uint16_t	charset_sbcs_iso_8859_2[128];
extern const uint16_t	charset_sbcs_iso_8859_3[128];
extern const uint16_t	charset_sbcs_iso_8859_4[128];
extern const uint16_t	charset_sbcs_iso_8859_5[128];
extern const uint16_t	charset_sbcs_iso_8859_6[128];
extern const uint16_t	charset_sbcs_iso_8859_7[128];
extern const uint16_t	charset_sbcs_iso_8859_8[128];
extern const uint16_t	charset_sbcs_iso_8859_10[128];
extern const uint16_t	charset_sbcs_iso_8859_13[128];
extern const uint16_t	charset_sbcs_iso_8859_14[128];
extern const uint16_t	charset_sbcs_iso_8859_15[128];
extern const uint16_t	charset_sbcs_iso_8859_16[128];
extern const uint16_t	charset_sbcs_ibm866[128];
extern const uint16_t	charset_sbcs_cp850[128];
extern const uint16_t	charset_sbcs_koi8_r[128];
extern const uint16_t	charset_sbcs_koi8_u[128];
extern const uint16_t	charset_sbcs_macintosh[128];
extern const uint16_t	charset_sbcs_x_mac_cyrillic[128];
extern const uint16_t	charset_sbcs_windows_874[128];
extern const uint16_t	charset_sbcs_windows_1250[128];
extern const uint16_t	charset_sbcs_windows_1251[128];
extern const uint16_t	charset_sbcs_windows_1253[128];
extern const uint16_t	charset_sbcs_windows_1254[128];
extern const uint16_t	charset_sbcs_windows_1255[128];
extern const uint16_t	charset_sbcs_windows_1256[128];
extern const uint16_t	charset_sbcs_windows_1257[128];
extern const uint16_t	charset_sbcs_windows_1258[128];

#endif
