#ifndef GUARDIAN_ORACLE_CLIENT_H
#define GUARDIAN_ORACLE_CLIENT_H
/*
 * The Oracle HTTP client: libcurl's multi interface driven by the
 * libevent loop (curl_multi_socket_action), many requests in flight,
 * each answered once through the completion callback with its owner and
 * request id.  Behind it: the destination check (dest.h), answer
 * validation (validate.h) and the circuit breaker (breaker.h).
 */
#include <stddef.h>
#include <stdint.h>

#include "breaker.h"
#include "dest.h"

struct event_base;
struct oracle_client;

struct oracle_result {
	uint8_t		 outcome;	/* PROTO_ORACLE_OK... */
	long		 status;	/* HTTP status, 0 without an answer */
	const uint8_t	*body;		/* valid during the callback */
	size_t		 len;
};

typedef void	(*oracle_done_cb)(void *owner, uint32_t id,
		    const struct oracle_result *, void *arg);

struct oracle_client_settings {
	int		 enabled;		/* ORACLE_ENABLED */
	long		 analyze_timeout_ms;	/* ORACLE_TIMEOUT */
	const void	*ca;			/* PEM bundle or NULL */
	size_t		 ca_len;
	unsigned int	 max_inflight;		/* transfers at once */
	unsigned int	 max_queued;		/* waiting beyond those */
};

#define ORACLE_MAX_INFLIGHT	32
#define ORACLE_MAX_QUEUED	1024

/* NULL on failure (logged).  The client copies what it keeps. */
struct oracle_client *oracle_client_new(struct event_base *,
		    const struct oracle_dest *,
		    const struct oracle_client_settings *, oracle_done_cb,
		    void *arg);
/*
 * Sends body (a validated JSON object) to endpoint.  done is called
 * exactly once for it, possibly before this returns (disabled, circuit
 * open, queue full: UNAVAILABLE).
 */
void		 oracle_client_submit(struct oracle_client *, void *owner,
		    uint32_t id, uint8_t endpoint, const void *body,
		    size_t len);
/* The owner is gone: its pending requests complete without callback. */
void		 oracle_client_forget(struct oracle_client *, void *owner);
const struct breaker *oracle_client_breaker(const struct oracle_client *);

#endif
