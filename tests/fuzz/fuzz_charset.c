/*
 * The charset step both ways: charset_convert_part, which skips chardet
 * for plain ASCII, against charset_convert_part_detect, which always runs
 * it.  The first byte picks the declared charset and the mode; when its
 * top bit is set the rest is folded to 7 bits, so that most inputs take
 * the shortcut.  Any difference in result or text aborts, as does any
 * difference between the single-byte recognizers' counts corrected
 * around bytes above 0x7F and full passes, or between those and the
 * parser run one recognizer at a time with a binary search of its table
 * (on the first CHARDET_WINDOW bytes, as chardet sees them).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "worker/digest/chardet_tables.h"
#include "worker/digest/charset.h"

#define FUZZ_MAX_INPUT	(64 * 1024)
#define CHARDET_WINDOW	8192
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *declared[] = {
	NULL, "", "us-ascii", "utf-8", "iso-8859-1", "windows-1252", "koi8-r",
	"shift_jis", "euc-jp", "gb18030", "big5", "euc-kr", "x-user-defined",
	"utf-7", "utf-16le", "utf-16be", "iso-2022-kr", "iso-2022-jp",
	"hz-gb-2312", "charset=utf-7", "ibm866", "no-such-charset",
};

/* Whether ngram is in the sorted 64-entry table. */
static int
sbcs_ref_lookup(const uint32_t *table, uint32_t ngram)
{
	size_t	lo = 0, hi = 64, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (table[mid] < ngram)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < 64 && table[lo] == ngram;
}

/* Upstream's parser: bytes mapped to 0 and a space after a space skipped. */
static void
sbcs_ref_hits(const uint8_t *p, size_t len,
    const struct chardet_sbcs_model *ref, uint32_t *count, uint32_t *hits)
{
	uint32_t	ngram = 0;
	size_t		i;
	int		after_space = 0;
	uint8_t		b;

	*count = *hits = 0;
	for (i = 0; i <= len; i++) {
		b = i < len ? ref->map[p[i]] : 0x20;
		if (b == 0 || (b == 0x20 && after_space))
			continue;
		after_space = b == 0x20;
		ngram = ((ngram << 8) | b) & 0xffffff;
		(*count)++;
		*hits += sbcs_ref_lookup(ref->ngrams, ngram);
	}
}

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
	if (len > CHARDET_WINDOW)
		len = CHARDET_WINDOW;
	chardet_sbcs_hits(text, len, 1, c1, h1);
	for (i = 0; i < CHARDET_NSBCS; i++) {
		sbcs_ref_hits(text, len, &chardet_sbcs_models[i], &c2[i], &h2[i]);
		if (c1[i] != c2[i] || h1[i] != h2[i])
			abort();
	}
	return 0;
}
