#ifndef GUARDIAN_LEARNER_REFRESH_H
#define GUARDIAN_LEARNER_REFRESH_H
/*
 * The learner's memory of the TTL refreshes it sent: which key names got
 * an EXPIRE to the retention, and when (monotonic seconds).  An /analyze
 * skips the EXPIRE of a key refreshed less than a window ago, the window
 * being a thousandth of the retention, so a TTL is never more than 0.1%
 * shorter than upstream's would be (docs/redis-schema.md, "TTL rule").
 *
 * A fixed table of 4-way sets, nothing allocated per lookup.  Names are
 * hashed with SipHash-2-4 under a key drawn at the first use, so whoever
 * chooses digests (a worker, a sender) cannot aim collisions.  An entry
 * holds the full 64-bit hash: a fifth name in a set evicts the oldest
 * (one more EXPIRE); only equal hashes could skip a refresh, and then a
 * single one.
 */
#include <stddef.h>
#include <stdint.h>

#define REFRESH_ENTRIES		8192	/* a power of two */
#define REFRESH_WAYS		4
#define REFRESH_KEY_SIZE	16

/* Seconds of CLOCK_MONOTONIC. */
int64_t		refresh_now(void);
/* A thousandth of the retention, in seconds. */
int64_t		refresh_window(int retention_days);
/*
 * Sets the window (seconds) the next calls use; a window other than the
 * one in force (a new retention) forgets everything.
 */
void		refresh_set_window(int64_t window);
/*
 * 1 when the key name needs its EXPIRE: not remembered as refreshed in
 * the window before now.
 */
int		refresh_due(const char *name, size_t len, int64_t now);
/* Remembers that the key name was refreshed at now. */
void		refresh_note(const char *name, size_t len, int64_t now);
/* Forgets every refresh (reload, a report applied, a failed refresh). */
void		refresh_clear(void);
/* SipHash-2-4 of data under key (exposed for its test vectors). */
uint64_t	refresh_siphash(const uint8_t key[REFRESH_KEY_SIZE],
		    const void *data, size_t len);

#endif
