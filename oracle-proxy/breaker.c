/*
 * The Oracle circuit breaker state machine (breaker.h).
 */
#include "breaker.h"

void
breaker_init(struct breaker *b, unsigned int threshold, uint64_t base_ms,
    uint64_t max_ms)
{
	b->state = BREAKER_CLOSED;
	b->failures = 0;
	b->opens = 0;
	b->open_until = 0;
	b->probing = 0;
	b->threshold = threshold > 0 ? threshold : 1;
	b->base_ms = base_ms > 0 ? base_ms : 1;
	b->max_ms = max_ms >= b->base_ms ? max_ms : b->base_ms;
}

uint64_t
breaker_backoff(const struct breaker *b, unsigned int n)
{
	uint64_t	d = b->base_ms;

	while (n-- > 1 && d < b->max_ms)
		d *= 2;
	return d < b->max_ms ? d : b->max_ms;
}

const char *
breaker_state_name(enum breaker_state s)
{
	switch (s) {
	case BREAKER_CLOSED:
		return "closed";
	case BREAKER_OPEN:
		return "open";
	case BREAKER_HALF_OPEN:
		return "half-open";
	}
	return "?";
}

int
breaker_allow(struct breaker *b, uint64_t now_ms, int *probe)
{
	*probe = 0;
	switch (b->state) {
	case BREAKER_CLOSED:
		return 1;
	case BREAKER_OPEN:
		if (now_ms < b->open_until)
			return 0;
		b->state = BREAKER_HALF_OPEN;
		b->probing = 0;
		/* FALLTHROUGH */
	case BREAKER_HALF_OPEN:
		if (b->probing)
			return 0;
		b->probing = 1;
		*probe = 1;
		return 1;
	}
	return 0;
}

/* Opens for the next backoff, jittered into [half, full]. */
static void
breaker_open(struct breaker *b, uint64_t now_ms, uint32_t random)
{
	uint64_t	d, half;

	if (b->opens < 64)
		b->opens++;
	d = breaker_backoff(b, b->opens);
	half = d / 2;
	b->open_until = now_ms + half + (half > 0 ? random % (half + 1) : 0);
	b->state = BREAKER_OPEN;
	b->probing = 0;
	b->failures = 0;
}

int
breaker_record(struct breaker *b, int success, int probe, uint64_t now_ms,
    uint32_t random)
{
	enum breaker_state	 before = b->state;

	if (probe)
		b->probing = 0;
	if (success) {
		/* Any answer proves the Oracle reachable again. */
		b->state = BREAKER_CLOSED;
		b->failures = 0;
		b->opens = 0;
	} else {
		switch (b->state) {
		case BREAKER_CLOSED:
			if (++b->failures >= b->threshold)
				breaker_open(b, now_ms, random);
			break;
		case BREAKER_HALF_OPEN:
			/* Only the probe's verdict reopens; a late result
			 * of a request sent before the opening does not. */
			if (probe)
				breaker_open(b, now_ms, random);
			break;
		case BREAKER_OPEN:
			break;
		}
	}
	return b->state != before ? (int)b->state : -1;
}
