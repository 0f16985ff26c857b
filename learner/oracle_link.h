#ifndef GUARDIAN_LEARNER_ORACLE_LINK_H
#define GUARDIAN_LEARNER_ORACLE_LINK_H
/*
 * The learner's side of its channel to the oracle-proxy: ORACLE_REQUEST
 * out, ORACLE_REPLY back under the same request id.  Replies larger than
 * one message come as PROTO_ORACLE_MORE slices and are joined here, up
 * to a bound set per call (an answer beyond it counts as INVALID).  When
 * the channel goes away (the proxy is replaced) every pending call
 * completes as UNAVAILABLE, so a caller always hears back exactly once.
 */
#include <stddef.h>
#include <stdint.h>

struct event_base;

/* outcome is PROTO_ORACLE_OK, _UNAVAILABLE or _INVALID. */
typedef void	(*oracle_link_cb)(uint8_t outcome, uint32_t status,
		    const void *body, size_t len, void *arg);

void	oracle_link_init(struct event_base *);
/* A new channel from the master (fd is taken); the old one is dropped. */
void	oracle_link_attach(int fd);
int	oracle_link_up(void);
/*
 * Sends body (a JSON object) to endpoint (PROTO_ORACLE_*).  Returns 0 and
 * cb runs exactly once later, or -1 (no channel, queue full) and cb never
 * runs.  Answers over max bytes complete as INVALID.
 */
int	oracle_link_ask(uint8_t endpoint, const void *body, size_t len,
	    size_t max, oracle_link_cb, void *arg);

#endif
