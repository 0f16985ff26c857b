#ifndef GUARDIAN_LSH_H
#define GUARDIAN_LSH_H
/*
 * Upstream's locality-sensitive banding of a TLSH digest
 * (extractBands_6_3): the 64 body hex digits after the 8-digit header
 * ("T1", checksum, Lvalue, Q ratios) are cut into 20 windows of 6 digits
 * at a stride of 3, each named "<1-based index>:<6 hex digits>".  Two
 * digests sharing a band share those 24 bits of body exactly.  The
 * header and the last body digit are never in a band (upstream's
 * scheme, kept for compatibility with stored bands and the Oracle's).
 */
#include <stddef.h>

#define LSH_BANDS		20
#define LSH_BAND_SIZE		10	/* "20:ABCDEF" and its NUL */

/*
 * Fills bands and returns LSH_BANDS, or returns 0 (no bands, as upstream)
 * when the digest is shorter than 72 characters.  Upstream copies the
 * digits as they are; digests are upper-case, so the bands are too.
 */
size_t	lsh_bands(const char *digest, char bands[LSH_BANDS][LSH_BAND_SIZE]);

#endif
