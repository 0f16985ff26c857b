/*
 * TLSH 4.x (128 buckets, 1-byte checksum), streaming, in the reference and
 * the Guardian-compatible flavour.  docs/tlsh.md describes both.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "tlsh.h"
#include "tlsh_tables.h"

#define TLSH_MIN_LENGTH			50
#define TLSH_MIN_CONSERVATIVE_LENGTH	256
#define TLSH_EFFECTIVE_BUCKETS		128

/*
 * T[salt ^ a] of the reference, with T[salt] applied once: the checksum uses
 * salt 0 and the six buckets the salts 2, 3, 5, 7, 11 and 13.
 */
static const uint8_t tlsh_ms[7] = { 1, 49, 12, 178, 166, 84, 230 };

/*
 * Hashing is bound by memory operations (table loads and the six counter
 * increments per byte), so the tables are shaped to need as few as possible:
 *   first[c] byte k = T[ms_k ^ c]	(all seven first steps, one load)
 *   pair[c][y]      = T[T[y] ^ c]	(the last two steps, one load)
 * and a bucket index T[T[T[ms ^ c0] ^ c1] ^ c2] becomes
 * pair[c2][(first[c0] >> 8k & 0xff) ^ c1].  Pearson's table is copied in
 * too: in one structure, a single base register reaches every table, and
 * the hashing loop has no register to spare.
 */
static struct {
	uint64_t	first[256];
	uint8_t		pearson[256];
	uint8_t		pair[256][256];
} tlsh_tab;
static pthread_once_t	tlsh_tables_once = PTHREAD_ONCE_INIT;

#define T(x)		tlsh_pearson[(x)]
#define FIRST(f, k)	((unsigned int)((f) >> (8 * (k))) & 0xff)

static void
tlsh_build_tables(void)
{
	uint64_t	 v;
	int		 k, c, y;

	for (c = 0; c < 256; c++) {
		v = 0;
		for (k = 0; k < 7; k++)
			v |= (uint64_t)T(tlsh_ms[k] ^ c) << (8 * k);
		tlsh_tab.first[c] = v;
	}
	memcpy(tlsh_tab.pearson, tlsh_pearson, sizeof(tlsh_tab.pearson));
	for (c = 0; c < 256; c++)
		for (y = 0; y < 256; y++)
			tlsh_tab.pair[c][y] = T(T(y) ^ c);
}

void
tlsh_init(struct tlsh_ctx *ctx, enum tlsh_flavour flavour, int options)
{
	pthread_once(&tlsh_tables_once, tlsh_build_tables);
	memset(ctx, 0, sizeof(*ctx));
	ctx->flavour = flavour == TLSH_GUARDIAN ? TLSH_GUARDIAN :
	    TLSH_REFERENCE;
	ctx->options = options & TLSH_OPT_CONSERVATIVE;
}

/*
 * The window of 5 bytes spans calls: the 4 previous bytes live in the
 * context, so any chunking gives the one-shot result (unlike the reference's
 * optimised update, which reads zeros when its first call is short).
 *
 * Each salt increments its own counter row: consecutive increments then
 * never land on the same word through different salts, which spares the
 * store-to-load forwarding stalls a shared row suffers on repeated buckets.
 */
void
tlsh_update(struct tlsh_ctx *ctx, const void *data, size_t len)
{
	const uint8_t	*p = data, *start, *end;
	const uint8_t	*row2, *row3, *row4;
	uint32_t	(*b)[256] = ctx->counts;
	uint8_t		 old[4];
	uint64_t	 f;
	unsigned int	 c0, c1, c2, c3, checksum;
	size_t		 n, j;

	if (len == 0)
		return;
	end = p + len;
	/* The first 4 bytes of the stream only fill the window. */
	while (ctx->length < 4 && p < end) {
		memmove(ctx->window + 1, ctx->window, 3);
		ctx->window[0] = *p++;
		ctx->length++;
	}
	if (p == end)
		return;

	start = p;
	c1 = ctx->window[0];
	c2 = ctx->window[1];
	c3 = ctx->window[2];
	row2 = tlsh_tab.pair[c2];
	row3 = tlsh_tab.pair[c3];
	row4 = tlsh_tab.pair[ctx->window[3]];
	checksum = ctx->checksum;
	for (; p < end; p++) {
		c0 = *p;
		f = tlsh_tab.first[c0];
		checksum = tlsh_tab.pearson[tlsh_tab.pearson[FIRST(f, 0) ^ c1] ^
		    checksum];
		b[0][row2[FIRST(f, 1) ^ c1]]++;
		b[1][row3[FIRST(f, 2) ^ c1]]++;
		b[2][row3[FIRST(f, 3) ^ c2]]++;
		b[3][row4[FIRST(f, 4) ^ c2]]++;
		b[4][row4[FIRST(f, 5) ^ c1]]++;
		b[5][row4[FIRST(f, 6) ^ c3]]++;
		row4 = row3;
		row3 = row2;
		row2 = tlsh_tab.pair[c1];
		c3 = c2;
		c2 = c1;
		c1 = c0;
	}
	ctx->checksum = checksum;
	/* The new window: the newest bytes of this chunk, then older ones. */
	n = (size_t)(end - start);
	ctx->length += n;
	memcpy(old, ctx->window, sizeof(old));
	for (j = 0; j < 4; j++)
		ctx->window[j] = j < n ? end[-1 - (ptrdiff_t)j] : old[j - n];
}

/* Moves the k-th smallest of v[lo..hi] to v[k], smaller ones before it. */
static void
tlsh_select(uint32_t *v, int lo, int hi, int k)
{
	uint32_t	 pivot, tmp;
	int		 i, j;

	while (lo < hi) {
		pivot = v[lo + (hi - lo) / 2];
		i = lo;
		j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				tmp = v[i];
				v[i] = v[j];
				v[j] = tmp;
				i++;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return;
	}
}

/*
 * Counting select, for the usual case of inputs up to a few kilobytes where
 * every count is below 256: a histogram of the count values, scanned up to
 * q3.  Returns -1 when a count is too large for it.
 */
static int
tlsh_quartiles_counting(const uint32_t *b, uint32_t *q1, uint32_t *q2,
    uint32_t *q3)
{
	uint8_t		 hist[256];	/* at most 128 buckets per value */
	uint32_t	 any = 0;
	unsigned int	 v, seen;
	int		 i;

	for (i = 0; i < TLSH_EFFECTIVE_BUCKETS; i++)
		any |= b[i];
	if (any > 0xff)
		return -1;
	memset(hist, 0, sizeof(hist));
	for (i = 0; i < TLSH_EFFECTIVE_BUCKETS; i++)
		hist[b[i]]++;
	/* The value of rank r is the first whose running count exceeds r. */
	for (v = 0, seen = hist[0]; seen <= 31; seen += hist[++v])
		;
	*q1 = v;
	for (; seen <= 63; seen += hist[++v])
		;
	*q2 = v;
	for (; seen <= 95; seen += hist[++v])
		;
	*q3 = v;
	return 0;
}

/*
 * The three quartiles are the order statistics of ranks 31, 63 and 95 of
 * the 128 effective buckets.  Otherwise, selecting rank 95 first leaves
 * everything smaller in front, so the next selections work on shrinking
 * prefixes.
 */
static void
tlsh_quartiles(const uint32_t *buckets, uint32_t *q1, uint32_t *q2,
    uint32_t *q3)
{
	uint32_t	 v[TLSH_EFFECTIVE_BUCKETS];

	if (tlsh_quartiles_counting(buckets, q1, q2, q3) == 0)
		return;
	memcpy(v, buckets, sizeof(v));
	tlsh_select(v, 0, TLSH_EFFECTIVE_BUCKETS - 1, 95);
	*q3 = v[95];
	tlsh_select(v, 0, 94, 63);
	*q2 = v[63];
	tlsh_select(v, 0, 62, 31);
	*q1 = v[31];
}

/*
 * Reference Lvalue: the smallest i with n <= topval[i].  The reference
 * loops forever past the last entry (and counts in 32 bits); we clamp every
 * longer length to 170, the level the old log formula gives just past it.
 */
static uint8_t
tlsh_lvalue_reference(uint64_t n)
{
	int	 lo = 0, hi = TLSH_TOPVAL_COUNT - 1, mid;

	if (n > tlsh_topval[TLSH_TOPVAL_COUNT - 1])
		return TLSH_TOPVAL_COUNT;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (n <= tlsh_topval[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return (uint8_t)lo;
}

/*
 * Guardian Lvalue: the pre-4.x float64 formula with the constants and the
 * final "% 255" of glaslos/tlsh 0.4.0.  Lengths are 64-bit, so the formula
 * stays finite; it reaches 255 only past about 10^13 bytes.
 */
static uint8_t
tlsh_lvalue_guardian(uint64_t n)
{
	double	 l, x = log((double)n);

	if (n <= 656)
		l = floor(x / 0.4054651);
	else if (n <= 3199)
		l = floor(x / 0.26236426 - 8.72777);
	else
		l = floor(x / 0.095310180 - 62.5472);
	if (!(l >= 0.0))
		l = 0.0;
	if (l > 255.0)
		l = 255.0;
	return (uint8_t)((unsigned int)l % 255);
}

uint8_t
tlsh_lvalue(uint64_t n, enum tlsh_flavour flavour)
{
	if (flavour == TLSH_GUARDIAN)
		return tlsh_lvalue_guardian(n);
	return tlsh_lvalue_reference(n);
}

/* Q ratio in float32 as Go computes byte(float32(q)*100/float32(q3)). */
static uint8_t
tlsh_qratio_guardian(uint32_t q, uint32_t q3)
{
	volatile float	 r;

	r = (float)q * 100.0f;
	r = r / (float)q3;
	return (uint8_t)((unsigned int)r % 16);
}

int
tlsh_final(struct tlsh_ctx *ctx, struct tlsh_digest *d, const char **reason)
{
	uint32_t	 b[TLSH_EFFECTIVE_BUCKETS];
	uint32_t	 q1, q2, q3;
	int		 i, k, nonzero;
	unsigned int	 code;
	const char	*why;

	memset(d, 0, sizeof(*d));
	if (ctx->flavour == TLSH_GUARDIAN) {
		/* glaslos reads the first bytes through an io.Reader. */
		if (ctx->length == 0) {
			why = "EOF";
			goto fail;
		}
		if (ctx->length < TLSH_MIN_LENGTH) {
			why = "less than 50 bytes";
			goto fail;
		}
	} else if (ctx->options & TLSH_OPT_CONSERVATIVE) {
		if (ctx->length < TLSH_MIN_CONSERVATIVE_LENGTH) {
			why = "less than 256 bytes";
			goto fail;
		}
	} else if (ctx->length < TLSH_MIN_LENGTH) {
		why = "less than 50 bytes";
		goto fail;
	}

	/* Only buckets 0..127 count, as in the reference. */
	for (i = 0; i < TLSH_EFFECTIVE_BUCKETS; i++)
		b[i] = ctx->counts[0][i] + ctx->counts[1][i] +
		    ctx->counts[2][i] + ctx->counts[3][i] +
		    ctx->counts[4][i] + ctx->counts[5][i];
	tlsh_quartiles(b, &q1, &q2, &q3);
	if (q3 == 0) {
		why = "q3 is zero";
		goto fail;
	}
	if (ctx->flavour == TLSH_REFERENCE) {
		nonzero = 0;
		for (i = 0; i < TLSH_EFFECTIVE_BUCKETS; i++)
			nonzero += b[i] != 0;
		if (nonzero <= TLSH_EFFECTIVE_BUCKETS / 2) {
			why = "not more than half the buckets are non-zero";
			goto fail;
		}
	}

	for (i = 0; i < TLSH_BODY_BYTES; i++) {
		uint8_t	 byte = 0;

		for (k = 0; k < 4; k++) {
			uint32_t	 v = b[4 * i + k];

			code = (v > q3) ? 3 : (v > q2) ? 2 : (v > q1) ? 1 : 0;
			byte |= (uint8_t)(code << (2 * k));
		}
		d->body[i] = byte;
	}
	d->checksum = ctx->checksum;
	if (ctx->flavour == TLSH_GUARDIAN) {
		d->lvalue = tlsh_lvalue(ctx->length, TLSH_GUARDIAN);
		d->q1ratio = tlsh_qratio_guardian(q1, q3);
		d->q2ratio = tlsh_qratio_guardian(q2, q3);
	} else {
		d->lvalue = tlsh_lvalue(ctx->length, TLSH_REFERENCE);
		d->q1ratio = (uint8_t)(((uint64_t)q1 * 100 / q3) % 16);
		d->q2ratio = (uint8_t)(((uint64_t)q2 * 100 / q3) % 16);
	}
	if (reason != NULL)
		*reason = NULL;
	return 0;
fail:
	if (reason != NULL)
		*reason = why;
	return -1;
}

int
tlsh_hash(const void *data, size_t len, enum tlsh_flavour flavour,
    int options, char out[TLSH_STRING_SIZE])
{
	struct tlsh_ctx		 ctx;
	struct tlsh_digest	 d;

	tlsh_init(&ctx, flavour, options);
	tlsh_update(&ctx, data, len);
	if (tlsh_final(&ctx, &d, NULL) == -1) {
		memcpy(out, "TNULL", sizeof("TNULL"));
		return -1;
	}
	tlsh_format(&d, out);
	return 0;
}

static const char tlsh_hexdigits[] = "0123456789ABCDEF";

static char *
tlsh_put_hex(char *o, unsigned int hi, unsigned int lo)
{
	*o++ = tlsh_hexdigits[hi & 0xf];
	*o++ = tlsh_hexdigits[lo & 0xf];
	return o;
}

/*
 * Header bytes are written nibble-swapped (swap_byte in the reference); the
 * body runs from byte 31 down to byte 0, so buckets 0..3 come last.
 */
void
tlsh_format(const struct tlsh_digest *d, char out[TLSH_STRING_SIZE])
{
	char	*o = out;
	int	 i;

	*o++ = 'T';
	*o++ = '1';
	o = tlsh_put_hex(o, d->checksum, d->checksum >> 4);
	o = tlsh_put_hex(o, d->lvalue, d->lvalue >> 4);
	o = tlsh_put_hex(o, d->q1ratio, d->q2ratio);
	for (i = TLSH_BODY_BYTES - 1; i >= 0; i--)
		o = tlsh_put_hex(o, d->body[i] >> 4, d->body[i]);
	*o = '\0';
}

static int
tlsh_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
tlsh_parse(const char *s, struct tlsh_digest *d)
{
	uint8_t	 raw[TLSH_HEX_CHARS / 2];
	int	 i, hi, lo;

	if (s == NULL)
		return -1;
	if ((s[0] == 'T' || s[0] == 't') && s[1] == '1')
		s += 2;
	for (i = 0; i < TLSH_HEX_CHARS / 2; i++) {
		/* hi fails on a NUL first, so lo never reads past it. */
		if ((hi = tlsh_hexval((unsigned char)s[2 * i])) == -1 ||
		    (lo = tlsh_hexval((unsigned char)s[2 * i + 1])) == -1)
			return -1;
		raw[i] = (uint8_t)(hi << 4 | lo);
	}
	if (tlsh_hexval((unsigned char)s[TLSH_HEX_CHARS]) != -1)
		return -1;
	d->checksum = (uint8_t)(raw[0] << 4 | raw[0] >> 4);
	d->lvalue = (uint8_t)(raw[1] << 4 | raw[1] >> 4);
	d->q1ratio = raw[2] >> 4;
	d->q2ratio = raw[2] & 0xf;
	for (i = 0; i < TLSH_BODY_BYTES; i++)
		d->body[i] = raw[TLSH_HEX_CHARS / 2 - 1 - i];
	return 0;
}
