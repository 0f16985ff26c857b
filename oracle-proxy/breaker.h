#ifndef GUARDIAN_ORACLE_BREAKER_H
#define GUARDIAN_ORACLE_BREAKER_H
/*
 * Circuit breaker in front of the Oracle: after `threshold` consecutive
 * failures (transport error, timeout, 5xx) requests are refused without
 * network for a backoff that doubles at each reopening, up to a cap, with
 * jitter so that many nodes do not come back in step.  When it expires,
 * one probe request goes out (half-open); its result closes or reopens
 * the circuit.  Pure state: the caller passes the clock and the random.
 */
#include <stdint.h>

enum breaker_state {
	BREAKER_CLOSED,
	BREAKER_OPEN,
	BREAKER_HALF_OPEN
};

struct breaker {
	enum breaker_state	 state;
	unsigned int		 failures;	/* consecutive, while closed */
	unsigned int		 opens;		/* consecutive openings */
	uint64_t		 open_until;	/* ms, while open */
	int			 probing;	/* half-open probe in flight */
	/* Settings. */
	unsigned int		 threshold;
	uint64_t		 base_ms;
	uint64_t		 max_ms;
};

#define BREAKER_THRESHOLD	5
#define BREAKER_BASE_MS		1000
#define BREAKER_MAX_MS		(5 * 60 * 1000)

void	breaker_init(struct breaker *, unsigned int threshold,
	    uint64_t base_ms, uint64_t max_ms);
/*
 * 1 if a request may go out now, 0 if it must be refused.  An expired
 * open circuit becomes half-open and lets this one request through as
 * the probe (*probe set to 1); other requests wait for its result.
 */
int	breaker_allow(struct breaker *, uint64_t now_ms, int *probe);
/*
 * Records the result of a request.  Returns the new state when it
 * changed, else -1, so the caller logs transitions once.
 */
int	breaker_record(struct breaker *, int success, int probe,
	    uint64_t now_ms, uint32_t random);
/* The backoff of the n-th consecutive opening (n >= 1), before jitter. */
uint64_t breaker_backoff(const struct breaker *, unsigned int n);
const char *breaker_state_name(enum breaker_state);

#endif
