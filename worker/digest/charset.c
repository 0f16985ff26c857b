/*
 * The charset step of enmime v1.3.0 for one text part: the decision between
 * chardet's verdict and the declared charset, and enmime's table of charset
 * names (lower-cased, never trimmed: "utf-8 " is unknown and keeps the raw
 * bytes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "charset_tables.h"
#include "chardet.h"
#include "utf8.h"

/* Sorted by bytes, for bsearch. */
static const struct charset_entry charset_names[] = {
	{ "136", CS_BIG5, NULL },
	{ "238", CS_SBCS, charset_sbcs_windows_1250 },
	{ "866", CS_SBCS, charset_sbcs_ibm866 },
	{ "8859-1", CS_SBCS, charset_sbcs_windows_1252 },
	{ "8859-10", CS_SBCS, charset_sbcs_iso_8859_10 },
	{ "8859-13", CS_SBCS, charset_sbcs_iso_8859_13 },
	{ "8859-14", CS_SBCS, charset_sbcs_iso_8859_14 },
	{ "8859-15", CS_SBCS, charset_sbcs_iso_8859_15 },
	{ "8859-16", CS_SBCS, charset_sbcs_iso_8859_16 },
	{ "8859-2", CS_SBCS, charset_sbcs_iso_8859_2 },
	{ "8859-3", CS_SBCS, charset_sbcs_iso_8859_3 },
	{ "8859-4", CS_SBCS, charset_sbcs_iso_8859_4 },
	{ "8859-5", CS_SBCS, charset_sbcs_iso_8859_5 },
	{ "8859-6", CS_SBCS, charset_sbcs_iso_8859_6 },
	{ "8859-7", CS_SBCS, charset_sbcs_iso_8859_7 },
	{ "8859-8", CS_SBCS, charset_sbcs_iso_8859_8 },
	{ "8859_1", CS_SBCS, charset_sbcs_windows_1252 },
	{ "8859_10", CS_SBCS, charset_sbcs_iso_8859_10 },
	{ "8859_13", CS_SBCS, charset_sbcs_iso_8859_13 },
	{ "8859_14", CS_SBCS, charset_sbcs_iso_8859_14 },
	{ "8859_15", CS_SBCS, charset_sbcs_iso_8859_15 },
	{ "8859_16", CS_SBCS, charset_sbcs_iso_8859_16 },
	{ "8859_2", CS_SBCS, charset_sbcs_iso_8859_2 },
	{ "8859_3", CS_SBCS, charset_sbcs_iso_8859_3 },
	{ "8859_4", CS_SBCS, charset_sbcs_iso_8859_4 },
	{ "8859_5", CS_SBCS, charset_sbcs_iso_8859_5 },
	{ "8859_6", CS_SBCS, charset_sbcs_iso_8859_6 },
	{ "8859_7", CS_SBCS, charset_sbcs_iso_8859_7 },
	{ "8859_8", CS_SBCS, charset_sbcs_iso_8859_8 },
	{ "ansi_x3.4-1968", CS_SBCS, charset_sbcs_windows_1252 },
	{ "arabic", CS_SBCS, charset_sbcs_iso_8859_6 },
	{ "ascii", CS_SBCS, charset_sbcs_windows_1252 },
	{ "asmo-708", CS_SBCS, charset_sbcs_iso_8859_6 },
	{ "big5", CS_BIG5, NULL },
	{ "big5-hkscs", CS_BIG5, NULL },
	{ "chinese", CS_GBK, NULL },
	{ "cn-big5", CS_BIG5, NULL },
	{ "cp-850", CS_SBCS, charset_sbcs_cp850 },
	{ "cp1250", CS_SBCS, charset_sbcs_windows_1250 },
	{ "cp1251", CS_SBCS, charset_sbcs_windows_1251 },
	{ "cp1252", CS_SBCS, charset_sbcs_windows_1252 },
	{ "cp1253", CS_SBCS, charset_sbcs_windows_1253 },
	{ "cp1254", CS_SBCS, charset_sbcs_windows_1254 },
	{ "cp1255", CS_SBCS, charset_sbcs_windows_1255 },
	{ "cp1256", CS_SBCS, charset_sbcs_windows_1256 },
	{ "cp1257", CS_SBCS, charset_sbcs_windows_1257 },
	{ "cp1258", CS_SBCS, charset_sbcs_windows_1258 },
	{ "cp819", CS_SBCS, charset_sbcs_windows_1252 },
	{ "cp850", CS_SBCS, charset_sbcs_cp850 },
	{ "cp866", CS_SBCS, charset_sbcs_ibm866 },
	{ "cp932", CS_SHIFT_JIS, NULL },
	{ "cp936", CS_GBK, NULL },
	{ "csbig5", CS_BIG5, NULL },
	{ "cseuckr", CS_EUC_KR, NULL },
	{ "cseucpkdfmtjapanese", CS_EUC_JP, NULL },
	{ "csgb2312", CS_GBK, NULL },
	{ "csibm866", CS_SBCS, charset_sbcs_ibm866 },
	{ "csiso2022jp", CS_ISO2022_JP, NULL },
	{ "csiso2022kr", CS_REPLACEMENT, NULL },
	{ "csiso58gb231280", CS_GBK, NULL },
	{ "csiso88596e", CS_SBCS, charset_sbcs_iso_8859_6 },
	{ "csiso88596i", CS_SBCS, charset_sbcs_iso_8859_6 },
	{ "csiso88598e", CS_SBCS, charset_sbcs_iso_8859_8 },
	{ "csiso88598i", CS_SBCS, charset_sbcs_iso_8859_8 },
	{ "csisolatin1", CS_SBCS, charset_sbcs_windows_1252 },
	{ "csisolatin2", CS_SBCS, charset_sbcs_iso_8859_2 },
	{ "csisolatin3", CS_SBCS, charset_sbcs_iso_8859_3 },
	{ "csisolatin4", CS_SBCS, charset_sbcs_iso_8859_4 },
	{ "csisolatin5", CS_SBCS, charset_sbcs_windows_1254 },
	{ "csisolatin6", CS_SBCS, charset_sbcs_iso_8859_10 },
	{ "csisolatin9", CS_SBCS, charset_sbcs_iso_8859_15 },
	{ "csisolatinarabic", CS_SBCS, charset_sbcs_iso_8859_6 },
	{ "csisolatincyrillic", CS_SBCS, charset_sbcs_iso_8859_5 },
	{ "csisolatingreek", CS_SBCS, charset_sbcs_iso_8859_7 },
	{ "csisolatinhebrew", CS_SBCS, charset_sbcs_iso_8859_8 },
	{ "cskoi8r", CS_SBCS, charset_sbcs_koi8_r },
	{ "csksc56011987", CS_EUC_KR, NULL },
	{ "csmacintosh", CS_SBCS, charset_sbcs_macintosh },
	{ "csshiftjis", CS_SHIFT_JIS, NULL },
	{ "cyrillic", CS_SBCS, charset_sbcs_iso_8859_5 },
	{ "dos-874", CS_SBCS, charset_sbcs_windows_874 },
	{ "ecma-114", CS_SBCS, charset_sbcs_iso_8859_6 },
	{ "ecma-118", CS_SBCS, charset_sbcs_iso_8859_7 },
	{ "elot_928", CS_SBCS, charset_sbcs_iso_8859_7 },
	{ "euc-jp", CS_EUC_JP, NULL },
	{ "euc-kr", CS_EUC_KR, NULL },
	{ "gb18030", CS_GB18030, NULL },
	{ "gb2312", CS_GBK, NULL },
	{ "gb_2312", CS_GBK, NULL },
	{ "gb_2312-80", CS_GBK, NULL },
	{ "gbk", CS_GBK, NULL },
	{ "greek", CS_SBCS, charset_sbcs_iso_8859_7 },
	{ "greek8", CS_SBCS, charset_sbcs_iso_8859_7 },
	{ "hebrew", CS_SBCS, charset_sbcs_iso_8859_8 },
	{ "hz-gb-2312", CS_HZ_GB2312, NULL },
	{ "ibm819", CS_SBCS, charset_sbcs_windows_1252 },
	{ "ibm850", CS_SBCS, charset_sbcs_cp850 },
	{ "ibm866", CS_SBCS, charset_sbcs_ibm866 },
	{ "iso-2022-cn", CS_REPLACEMENT, NULL },
	{ "iso-2022-cn-ext", CS_REPLACEMENT, NULL },
	{ "iso-2022-jp", CS_ISO2022_JP, NULL },
	{ "iso-2022-kr", CS_REPLACEMENT, NULL },
	{ "iso-8859-1", CS_LATIN1, NULL },
	{ "iso-8859-10", CS_SBCS, charset_sbcs_iso_8859_10 },
	{ "iso-8859-11", CS_SBCS, charset_sbcs_windows_874 },
	{ "iso-8859-13", CS_SBCS, charset_sbcs_iso_8859_13 },
	{ "iso-8859-14", CS_SBCS, charset_sbcs_iso_8859_14 },
	{ "iso-8859-15", CS_SBCS, charset_sbcs_iso_8859_15 },
	{ "iso-8859-16", CS_SBCS, charset_sbcs_iso_8859_16 },
	{ "iso-8859-2", CS_SBCS, charset_sbcs_iso_8859_2 },
	{ "iso-8859-3", CS_SBCS, charset_sbcs_iso_8859_3 },
	{ "iso-8859-4", CS_SBCS, charset_sbcs_iso_8859_4 },
	{ "iso-8859-5", CS_SBCS, charset_sbcs_iso_8859_5 },
	{ "iso-8859-6", CS_SBCS, charset_sbcs_iso_8859_6 },
	{ "iso-8859-6-e", CS_SBCS, charset_sbcs_iso_8859_6 },
	{ "iso-8859-6-i", CS_SBCS, charset_sbcs_iso_8859_6 },
	{ "iso-8859-7", CS_SBCS, charset_sbcs_iso_8859_7 },
	{ "iso-8859-8", CS_SBCS, charset_sbcs_iso_8859_8 },
	{ "iso-8859-8-e", CS_SBCS, charset_sbcs_iso_8859_8 },
	{ "iso-8859-8-i", CS_SBCS, charset_sbcs_iso_8859_8 },
	{ "iso-8859-9", CS_SBCS, charset_sbcs_windows_1254 },
	{ "iso-ir-100", CS_SBCS, charset_sbcs_windows_1252 },
	{ "iso-ir-101", CS_SBCS, charset_sbcs_iso_8859_2 },
	{ "iso-ir-109", CS_SBCS, charset_sbcs_iso_8859_3 },
	{ "iso-ir-110", CS_SBCS, charset_sbcs_iso_8859_4 },
	{ "iso-ir-126", CS_SBCS, charset_sbcs_iso_8859_7 },
	{ "iso-ir-127", CS_SBCS, charset_sbcs_iso_8859_6 },
	{ "iso-ir-138", CS_SBCS, charset_sbcs_iso_8859_8 },
	{ "iso-ir-144", CS_SBCS, charset_sbcs_iso_8859_5 },
	{ "iso-ir-148", CS_SBCS, charset_sbcs_windows_1254 },
	{ "iso-ir-149", CS_EUC_KR, NULL },
	{ "iso-ir-157", CS_SBCS, charset_sbcs_iso_8859_10 },
	{ "iso-ir-58", CS_GBK, NULL },
	{ "iso646-us", CS_SBCS, charset_sbcs_windows_1252 },
	{ "iso8859-1", CS_LATIN1, NULL },
	{ "iso8859-10", CS_SBCS, charset_sbcs_iso_8859_10 },
	{ "iso8859-11", CS_SBCS, charset_sbcs_windows_874 },
	{ "iso8859-13", CS_SBCS, charset_sbcs_iso_8859_13 },
	{ "iso8859-14", CS_SBCS, charset_sbcs_iso_8859_14 },
	{ "iso8859-15", CS_SBCS, charset_sbcs_iso_8859_15 },
	{ "iso8859-2", CS_SBCS, charset_sbcs_iso_8859_2 },
	{ "iso8859-3", CS_SBCS, charset_sbcs_iso_8859_3 },
	{ "iso8859-4", CS_SBCS, charset_sbcs_iso_8859_4 },
	{ "iso8859-5", CS_SBCS, charset_sbcs_iso_8859_5 },
	{ "iso8859-6", CS_SBCS, charset_sbcs_iso_8859_6 },
	{ "iso8859-7", CS_SBCS, charset_sbcs_iso_8859_7 },
	{ "iso8859-8", CS_SBCS, charset_sbcs_iso_8859_8 },
	{ "iso8859-9", CS_SBCS, charset_sbcs_windows_1254 },
	{ "iso88591", CS_LATIN1, NULL },
	{ "iso885910", CS_SBCS, charset_sbcs_iso_8859_10 },
	{ "iso885911", CS_SBCS, charset_sbcs_windows_874 },
	{ "iso885913", CS_SBCS, charset_sbcs_iso_8859_13 },
	{ "iso885914", CS_SBCS, charset_sbcs_iso_8859_14 },
	{ "iso885915", CS_SBCS, charset_sbcs_iso_8859_15 },
	{ "iso88592", CS_SBCS, charset_sbcs_iso_8859_2 },
	{ "iso88593", CS_SBCS, charset_sbcs_iso_8859_3 },
	{ "iso88594", CS_SBCS, charset_sbcs_iso_8859_4 },
	{ "iso88595", CS_SBCS, charset_sbcs_iso_8859_5 },
	{ "iso88596", CS_SBCS, charset_sbcs_iso_8859_6 },
	{ "iso88597", CS_SBCS, charset_sbcs_iso_8859_7 },
	{ "iso88598", CS_SBCS, charset_sbcs_iso_8859_8 },
	{ "iso88599", CS_SBCS, charset_sbcs_windows_1254 },
	{ "iso8859_1", CS_LATIN1, NULL },
	{ "iso: western", CS_SBCS, charset_sbcs_windows_1252 },
	{ "iso_8859-1", CS_LATIN1, NULL },
	{ "iso_8859-15", CS_SBCS, charset_sbcs_iso_8859_15 },
	{ "iso_8859-1:1987", CS_LATIN1, NULL },
	{ "iso_8859-2", CS_SBCS, charset_sbcs_iso_8859_2 },
	{ "iso_8859-2:1987", CS_SBCS, charset_sbcs_iso_8859_2 },
	{ "iso_8859-3", CS_SBCS, charset_sbcs_iso_8859_3 },
	{ "iso_8859-3:1988", CS_SBCS, charset_sbcs_iso_8859_3 },
	{ "iso_8859-4", CS_SBCS, charset_sbcs_iso_8859_4 },
	{ "iso_8859-4:1988", CS_SBCS, charset_sbcs_iso_8859_4 },
	{ "iso_8859-5", CS_SBCS, charset_sbcs_iso_8859_5 },
	{ "iso_8859-5:1988", CS_SBCS, charset_sbcs_iso_8859_5 },
	{ "iso_8859-6", CS_SBCS, charset_sbcs_iso_8859_6 },
	{ "iso_8859-6:1987", CS_SBCS, charset_sbcs_iso_8859_6 },
	{ "iso_8859-7", CS_SBCS, charset_sbcs_iso_8859_7 },
	{ "iso_8859-7:1987", CS_SBCS, charset_sbcs_iso_8859_7 },
	{ "iso_8859-8", CS_SBCS, charset_sbcs_iso_8859_8 },
	{ "iso_8859-8:1988", CS_SBCS, charset_sbcs_iso_8859_8 },
	{ "iso_8859-9", CS_SBCS, charset_sbcs_windows_1254 },
	{ "iso_8859-9:1989", CS_SBCS, charset_sbcs_windows_1254 },
	{ "koi", CS_SBCS, charset_sbcs_koi8_r },
	{ "koi8", CS_SBCS, charset_sbcs_koi8_r },
	{ "koi8-r", CS_SBCS, charset_sbcs_koi8_r },
	{ "koi8-u", CS_SBCS, charset_sbcs_koi8_u },
	{ "koi8_r", CS_SBCS, charset_sbcs_koi8_r },
	{ "korean", CS_EUC_KR, NULL },
	{ "ks_c_5601-1987", CS_EUC_KR, NULL },
	{ "ks_c_5601-1989", CS_EUC_KR, NULL },
	{ "ksc5601", CS_EUC_KR, NULL },
	{ "ksc_5601", CS_EUC_KR, NULL },
	{ "l1", CS_SBCS, charset_sbcs_windows_1252 },
	{ "l2", CS_SBCS, charset_sbcs_iso_8859_2 },
	{ "l3", CS_SBCS, charset_sbcs_iso_8859_3 },
	{ "l4", CS_SBCS, charset_sbcs_iso_8859_4 },
	{ "l5", CS_SBCS, charset_sbcs_windows_1254 },
	{ "l6", CS_SBCS, charset_sbcs_iso_8859_10 },
	{ "l9", CS_SBCS, charset_sbcs_iso_8859_15 },
	{ "latin1", CS_SBCS, charset_sbcs_windows_1252 },
	{ "latin2", CS_SBCS, charset_sbcs_iso_8859_2 },
	{ "latin3", CS_SBCS, charset_sbcs_iso_8859_3 },
	{ "latin4", CS_SBCS, charset_sbcs_iso_8859_4 },
	{ "latin5", CS_SBCS, charset_sbcs_windows_1254 },
	{ "latin6", CS_SBCS, charset_sbcs_iso_8859_10 },
	{ "logical", CS_SBCS, charset_sbcs_iso_8859_8 },
	{ "mac", CS_SBCS, charset_sbcs_macintosh },
	{ "macintosh", CS_SBCS, charset_sbcs_macintosh },
	{ "ms_kanji", CS_SHIFT_JIS, NULL },
	{ "shift-jis", CS_SHIFT_JIS, NULL },
	{ "shift_jis", CS_SHIFT_JIS, NULL },
	{ "sjis", CS_SHIFT_JIS, NULL },
	{ "sun_eu_greek", CS_SBCS, charset_sbcs_iso_8859_7 },
	{ "tis-620", CS_SBCS, charset_sbcs_windows_874 },
	{ "unicode-1-1-utf-8", CS_PASSTHROUGH, NULL },
	{ "us-ascii", CS_SBCS, charset_sbcs_windows_1252 },
	{ "utf-16", CS_UTF16LE, NULL },
	{ "utf-16be", CS_UTF16BE, NULL },
	{ "utf-16le", CS_UTF16LE, NULL },
	{ "utf-7", CS_UTF7, NULL },
	{ "utf-8", CS_PASSTHROUGH, NULL },
	{ "utf7", CS_UTF7, NULL },
	{ "utf8", CS_PASSTHROUGH, NULL },
	{ "utf8mb4", CS_PASSTHROUGH, NULL },
	{ "visual", CS_SBCS, charset_sbcs_iso_8859_8 },
	{ "we8iso8859p1", CS_SBCS, charset_sbcs_windows_1252 },
	{ "windows-1250", CS_SBCS, charset_sbcs_windows_1250 },
	{ "windows-1251", CS_SBCS, charset_sbcs_windows_1251 },
	{ "windows-1252", CS_SBCS, charset_sbcs_windows_1252 },
	{ "windows-1253", CS_SBCS, charset_sbcs_windows_1253 },
	{ "windows-1254", CS_SBCS, charset_sbcs_windows_1254 },
	{ "windows-1255", CS_SBCS, charset_sbcs_windows_1255 },
	{ "windows-1256", CS_SBCS, charset_sbcs_windows_1256 },
	{ "windows-1257", CS_SBCS, charset_sbcs_windows_1257 },
	{ "windows-1258", CS_SBCS, charset_sbcs_windows_1258 },
	{ "windows-31j", CS_SHIFT_JIS, NULL },
	{ "windows-874", CS_SBCS, charset_sbcs_windows_874 },
	{ "windows-949", CS_EUC_KR, NULL },
	{ "x-cp1250", CS_SBCS, charset_sbcs_windows_1250 },
	{ "x-cp1251", CS_SBCS, charset_sbcs_windows_1251 },
	{ "x-cp1252", CS_SBCS, charset_sbcs_windows_1252 },
	{ "x-cp1253", CS_SBCS, charset_sbcs_windows_1253 },
	{ "x-cp1254", CS_SBCS, charset_sbcs_windows_1254 },
	{ "x-cp1255", CS_SBCS, charset_sbcs_windows_1255 },
	{ "x-cp1256", CS_SBCS, charset_sbcs_windows_1256 },
	{ "x-cp1257", CS_SBCS, charset_sbcs_windows_1257 },
	{ "x-cp1258", CS_SBCS, charset_sbcs_windows_1258 },
	{ "x-euc-jp", CS_EUC_JP, NULL },
	{ "x-gbk", CS_GBK, NULL },
	{ "x-mac-cyrillic", CS_SBCS, charset_sbcs_x_mac_cyrillic },
	{ "x-mac-roman", CS_SBCS, charset_sbcs_macintosh },
	{ "x-mac-ukrainian", CS_SBCS, charset_sbcs_x_mac_cyrillic },
	{ "x-sjis", CS_SHIFT_JIS, NULL },
	{ "x-user-defined", CS_USER_DEFINED, NULL },
	{ "x-x-big5", CS_BIG5, NULL },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define CHARSET_NAME_MAX	64	/* longer names are never in the table */

/* The thresholds upstream applies to chardet's verdict. */
#define CHARSET_MIN_CONFIDENCE	85
#define CHARSET_MIN_RUNES	100

static int
charset_name_cmp(const void *key, const void *elem)
{
	const struct charset_entry *e = elem;

	return strcmp(key, e->name);
}

/*
 * Go's strings.ToLower, as far as it can matter for names in the table: a
 * name that matches holds ASCII only, except that U+212A (KELVIN SIGN)
 * lower-cases to "k".  Anything else non-ASCII cannot match.
 */
static int
charset_lower(const char *name, size_t len, char *out, size_t outlen)
{
	size_t	i, n = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (n + 1 >= outlen)
			return -1;
		if (c >= 'A' && c <= 'Z')
			out[n++] = (char)(c - 'A' + 'a');
		else if (c == 0)
			return -1;
		else if (c < 0x80)
			out[n++] = (char)c;
		else if (c == 0xe2 && i + 2 < len &&
		    (unsigned char)name[i + 1] == 0x84 &&
		    (unsigned char)name[i + 2] == 0xaa) {
			out[n++] = 'k';
			i += 2;
		} else
			return -1;
	}
	out[n] = '\0';
	return 0;
}

const struct charset_entry *
charset_lookup(const char *name, size_t len)
{
	char	lower[CHARSET_NAME_MAX + 1];

	if (charset_lower(name, len, lower, sizeof(lower)) == -1)
		return NULL;
	return bsearch(lower, charset_names, NELEM(charset_names),
	    sizeof(charset_names[0]), charset_name_cmp);
}

const struct charset_entry *
charset_entry_at(size_t i)
{
	return i < NELEM(charset_names) ? &charset_names[i] : NULL;
}

static int
charset_ieq(const char *a, size_t alen, const char *b)
{
	size_t	i;

	if (alen != strlen(b))
		return 0;
	for (i = 0; i < alen; i++) {
		unsigned char c = (unsigned char)a[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c != (unsigned char)b[i])
			return 0;
	}
	return 1;
}

/*
 * enmime's lookup of a declared name: the table, then, for names like
 * "charset=utf-8" or "iso=8859-1", the piece after the first '=' (up to
 * the next one).
 */
static const struct charset_entry *
charset_lookup_declared(const char *name)
{
	const struct charset_entry	*e;
	const char			*eq, *second, *end;
	size_t				 len = strlen(name);

	if ((e = charset_lookup(name, len)) != NULL)
		return e;
	if ((eq = memchr(name, '=', len)) == NULL)
		return NULL;
	if (!charset_ieq(name, (size_t)(eq - name), "charset") &&
	    !charset_ieq(name, (size_t)(eq - name), "iso"))
		return NULL;
	second = eq + 1;
	end = memchr(second, '=', len - (size_t)(second - name));
	if (end == NULL)
		end = name + len;
	return charset_lookup(second, (size_t)(end - second));
}

static int
charset_keep(const uint8_t *in, size_t inlen, struct buf *out, char *err,
    size_t errlen)
{
	if (buf_append(out, in, inlen) == -1) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "charset: output limit reached");
		return -1;
	}
	return 0;
}

int
charset_decode_named(const char *name, const uint8_t *in, size_t inlen,
    struct buf *out, char *err, size_t errlen)
{
	const struct charset_entry	*e;

	if (name == NULL || (e = charset_lookup(name, strlen(name))) == NULL)
		return 1;
	return charset_decode(e, in, inlen, out, err, errlen);
}

/*
 * Whether the decoder gives back unchanged any text made of bytes below
 * 0x80 other than ESC.  The stateful ones do not: UTF-7 ('+'), HZ ("~{"),
 * ISO-2022-JP (ESC aside, kept out to be safe), UTF-16 and the single
 * U+FFFD of ISO-2022-KR/CN.  Every other decoder copies ASCII as is.
 */
int
charset_ascii_transparent(const struct charset_entry *e)
{
	switch (e->decoder) {
	case CS_PASSTHROUGH:
	case CS_SBCS:
	case CS_LATIN1:
	case CS_USER_DEFINED:
	case CS_GBK:
	case CS_GB18030:
	case CS_BIG5:
	case CS_EUC_JP:
	case CS_SHIFT_JIS:
	case CS_EUC_KR:
		return 1;
	case CS_UTF7:
	case CS_UTF16LE:
	case CS_UTF16BE:
	case CS_REPLACEMENT:
	case CS_HZ_GB2312:
	case CS_ISO2022_JP:
		break;
	}
	return 0;
}

/* Every byte is below 0x80 and none is ESC. */
static int
charset_plain_ascii(const uint8_t *in, size_t len)
{
	return utf8_is_ascii(in, len) && memchr(in, 0x1b, len) == NULL;
}

/*
 * Plain ASCII without ESC decodes to itself under every name chardet can
 * give it: its UTF-16 and ISO-2022 recognizers need bytes it does not
 * have, UTF-32 and the IBM42x names are not in the table (the bytes are
 * kept), and every other name is a transparent decoder.  So when the
 * declared charset is transparent too, or unknown, the verdict cannot
 * change the text and chardet, about a tenth of a message's digest work,
 * is skipped.  tests/unit/test_charset.c checks those claims against the
 * recognizers and the table, and compares both paths.
 */
int
charset_convert_part(int is_html, const char *declared, const uint8_t *in,
    size_t inlen, struct buf *out, char *err, size_t errlen)
{
	const struct charset_entry	*e;

	if (charset_plain_ascii(in, inlen) && (declared == NULL ||
	    *declared == '\0' || (e = charset_lookup_declared(declared)) ==
	    NULL || charset_ascii_transparent(e)))
		return charset_keep(in, inlen, out, err, errlen);
	return charset_convert_part_detect(is_html, declared, in, inlen, out,
	    err, errlen);
}

int
charset_convert_part_detect(int is_html, const char *declared,
    const uint8_t *in, size_t inlen, struct buf *out, char *err,
    size_t errlen)
{
	struct chardet_result		 best;
	const struct charset_entry	*e;

	chardet_detect(in, inlen, is_html, &best);
	if (best.charset != NULL && best.confidence >= CHARSET_MIN_CONFIDENCE &&
	    utf8_rune_count(in, inlen) >= CHARSET_MIN_RUNES) {
		/* A confident verdict wins even over a declared charset. */
		e = charset_lookup(best.charset, strlen(best.charset));
		if (e == NULL)
			return charset_keep(in, inlen, out, err, errlen);
		return charset_decode(e, in, inlen, out, err, errlen);
	}
	if (declared == NULL || *declared == '\0' ||
	    (e = charset_lookup_declared(declared)) == NULL)
		return charset_keep(in, inlen, out, err, errlen);
	return charset_decode(e, in, inlen, out, err, errlen);
}
