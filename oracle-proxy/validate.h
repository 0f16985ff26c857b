#ifndef GUARDIAN_ORACLE_VALIDATE_H
#define GUARDIAN_ORACLE_VALIDATE_H
/*
 * What the oracle-proxy sends where, and what it accepts back.  Pure
 * functions: the Oracle is not trusted, neither are the bodies peers ask
 * it to send.
 */
#include <stddef.h>
#include <stdint.h>

struct oracle_endpoint {
	uint8_t		 id;		/* PROTO_ORACLE_ANALYZE... */
	const char	*name;
	const char	*path;		/* the only paths ever requested */
	long		 timeout_ms;	/* upstream's; analyze: ORACLE_TIMEOUT */
	size_t		 max_body;	/* answer bodies beyond: INVALID */
};

/* Request bodies: a peer's JSON object, at most this long. */
#define ORACLE_REQUEST_MAX	(192 * 1024)
/*
 * A sync answer travels to the learner in slices (PROTO_ORACLE_MORE);
 * the cap keeps the whole of it within one channel's outgoing queue
 * (IPC_QUEUE_MAX_BYTES) with room to spare.
 */
#define ORACLE_SYNC_MAX		(4 * 1024 * 1024)
/* Everything else is a few hundred bytes from a sane Oracle. */
#define ORACLE_SMALL_MAX	(64 * 1024)

/* NULL for an unknown endpoint. */
const struct oracle_endpoint *oracle_endpoint(uint8_t id);

/* 0 if body is a JSON object of at most ORACLE_REQUEST_MAX bytes. */
int	oracle_request_valid(const void *body, size_t len);

/*
 * The outcome (PROTO_ORACLE_OK or PROTO_ORACLE_INVALID) for an answer of
 * the given HTTP status and body to a request to endpoint:
 *   analyze  2xx and {"result":{"action":string, ...}} with label a
 *            string, proximity_match a boolean, distance an integer
 *            when present
 *   sync     304 (any body), or 200 and {"new_seq":int >= 0,
 *            "action":string, "ops":array or null or absent}
 *   report   any status, body relayed verbatim
 *   stats    likewise
 */
int	oracle_answer_outcome(uint8_t endpoint, long status, const void *body,
	    size_t len);

#endif
