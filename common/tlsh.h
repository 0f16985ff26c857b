#ifndef GUARDIAN_TLSH_H
#define GUARDIAN_TLSH_H
/*
 * TLSH 4.x, 128 buckets, 1-byte checksum (the "T1" digests), in two flavours:
 *   TLSH_REFERENCE: bit-exact with TrendMicro TLSH 4.12.1;
 *   TLSH_GUARDIAN:  what upstream Guardian 0.7.6 computes (glaslos/tlsh 0.4.0):
 *                   no non-zero-bucket rule, float32 Q ratios, float64
 *                   log-formula Lvalue.
 * The algorithm and both flavours are described in docs/tlsh.md.
 */
#include <stddef.h>
#include <stdint.h>

#define TLSH_BODY_BYTES		32
#define TLSH_HEX_CHARS		70	/* without the "T1" prefix */
#define TLSH_STRING_LEN		72	/* "T1" + 70 upper-case hex digits */
#define TLSH_STRING_SIZE	(TLSH_STRING_LEN + 1)

enum tlsh_flavour {
	TLSH_REFERENCE = 0,
	TLSH_GUARDIAN = 1,
};

/* Options (bit flags); conservative: minimum length 256 (reference only). */
#define TLSH_OPT_CONSERVATIVE	0x01

/* A parsed digest. */
struct tlsh_digest {
	uint8_t		checksum;
	uint8_t		lvalue;
	uint8_t		q1ratio;	/* 0..15 */
	uint8_t		q2ratio;	/* 0..15 */
	uint8_t		body[TLSH_BODY_BYTES];	/* tmp_code[0..31], bucket 0 in
						   the low bits of body[0] */
};

#define TLSH_SALTS		6	/* bucket increments per window */

/*
 * Streaming state: update with chunks of any size (even 0..4 bytes).
 * Each salt counts into its own row (see docs/tlsh.md); a bucket's count is
 * the sum of its column.
 */
struct tlsh_ctx {
	uint32_t	counts[TLSH_SALTS][256];
	uint64_t	length;
	uint8_t		window[4];	/* last 4 bytes seen, newest first */
	uint8_t		checksum;
	uint8_t		flavour;
	uint8_t		options;
};

void	tlsh_init(struct tlsh_ctx *, enum tlsh_flavour, int options);
void	tlsh_update(struct tlsh_ctx *, const void *, size_t);
/*
 * Returns 0 and fills the digest, or -1 when the input yields none; then
 * *reason (when not NULL) points to a static explanation such as
 * "less than 50 bytes" or "q3 is zero".
 */
int	tlsh_final(struct tlsh_ctx *, struct tlsh_digest *,
	    const char **reason);

/*
 * The Lvalue (log-length byte) each flavour gives a length.  The reference
 * table ends at 4,224,281,216 bytes; longer lengths get 170 (see
 * docs/tlsh.md).
 */
uint8_t	tlsh_lvalue(uint64_t, enum tlsh_flavour);

/* One-shot: writes "T1" + 70 upper-case hex into out, or "TNULL" and -1. */
int	tlsh_hash(const void *, size_t, enum tlsh_flavour, int options,
	    char out[TLSH_STRING_SIZE]);

/* "T1" + 70 upper-case hex digits, NUL-terminated. */
void	tlsh_format(const struct tlsh_digest *, char out[TLSH_STRING_SIZE]);
/* Accepts an optional "T1" (any case) and 70 hex digits of any case. */
int	tlsh_parse(const char *, struct tlsh_digest *);
/* TLSH distance; with_length = 0 leaves out the Lvalue term (CLI -xlen). */
int	tlsh_distance(const struct tlsh_digest *, const struct tlsh_digest *,
	    int with_length);

#endif
