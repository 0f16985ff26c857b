#ifndef GUARDIAN_LEARNER_OUTBOX_H
#define GUARDIAN_LEARNER_OUTBOX_H
/*
 * The durable report outbox: a report the Oracle must get is written to
 * the Redis list OUTBOX_KEY before it is sent, and leaves the list only
 * once the Oracle gave a definitive answer (2xx, or 4xx other than 429).
 * Unavailable, 5xx and 429 leave it there; one delivery loop sends the
 * entries oldest first, backing off exponentially with jitter while the
 * Oracle fails, and picks the list up again whenever the learner starts.
 * An entry is removed right after its answer, so only a crash between
 * the answer and the LREM can deliver it twice.
 *
 * Entry (JSON, unique by "id"):
 *   {"id":"<request id>-<n>","request_id":"…","queued_at":<unix s>,
 *    "body":{"node_id":"…","signatures":[…],"report_type":"spam"|"ham"}}
 *
 * With REPORT_OUTBOX_MAX=0 nothing is written: one attempt, upstream's
 * behaviour (the Oracle's answer relayed, 503 without one).
 */
#include <stddef.h>
#include <stdint.h>

struct event_base;

#define OUTBOX_KEY		"mi:outbox:reports"

/*
 * oracle is a PROTO_REPORT_ORACLE_* value: RELAYED (status and body),
 * QUEUED or UNREACHABLE.
 */
typedef void	(*outbox_done_cb)(uint8_t oracle, uint32_t status,
		    const void *body, size_t len, void *arg);

/* Starts the delivery loop, which first picks up what is queued. */
void	outbox_start(struct event_base *);
/*
 * Forwards body (the /report JSON object) for request_id.  done runs
 * exactly once, possibly before this returns.
 */
void	outbox_submit(const char *request_id, const char *body,
	    outbox_done_cb done, void *arg);

#endif
