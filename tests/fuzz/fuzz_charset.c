/*
 * The charset step both ways: charset_convert_part, which skips chardet
 * for plain ASCII, against charset_convert_part_detect, which always runs
 * it.  The first byte picks the declared charset and the mode; when its
 * top bit is set the rest is folded to 7 bits, so that most inputs take
 * the shortcut.  Any difference in result or text aborts, as does any
 * difference between the single-byte recognizers' counts corrected
 * around bytes above 0x7F and full passes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "worker/digest/chardet_tables.h"
#include "worker/digest/charset.h"

#define FUZZ_MAX_INPUT	(64 * 1024)
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *declared[] = {
	NULL, "", "us-ascii", "utf-8", "iso-8859-1", "windows-1252", "koi8-r",
	"shift_jis", "euc-jp", "gb18030", "big5", "euc-kr", "x-user-defined",
	"utf-7", "utf-16le", "utf-16be", "iso-2022-kr", "iso-2022-jp",
	"hz-gb-2312", "charset=utf-7", "ibm866", "no-such-charset",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t	 text[FUZZ_MAX_INPUT];
	uint32_t	 c1[CHARDET_NSBCS], h1[CHARDET_NSBCS];
	uint32_t	 c2[CHARDET_NSBCS], h2[CHARDET_NSBCS];
	char		 err1[128], err2[128];
	const char	*cs;
	struct buf	 a, b;
	size_t		 i, len;
	int		 ra, rb, html;

	if (size == 0 || size - 1 > FUZZ_MAX_INPUT)
		return 0;
	len = size - 1;
	for (i = 0; i < len; i++)
		text[i] = (data[0] & 0x80) ? data[i + 1] & 0x7f : data[i + 1];
	cs = declared[(data[0] & 0x3f) % NELEM(declared)];
	html = (data[0] & 0x40) != 0;
	buf_init(&a, 0);
	buf_init(&b, 0);
	ra = charset_convert_part(html, cs, text, len, &a, err1, sizeof(err1));
	rb = charset_convert_part_detect(html, cs, text, len, &b, err2,
	    sizeof(err2));
	if (ra != rb || (ra == 0 && (a.len != b.len ||
	    (a.len > 0 && memcmp(a.data, b.data, a.len) != 0))))
		abort();
	buf_free(&a);
	buf_free(&b);
	chardet_sbcs_hits(text, len, 1, c1, h1);
	chardet_sbcs_hits(text, len, 0, c2, h2);
	if (memcmp(c1, c2, sizeof(c1)) != 0 || memcmp(h1, h2, sizeof(h1)) != 0)
		abort();
	return 0;
}
