#ifndef GUARDIAN_WORKER_H
#define GUARDIAN_WORKER_H
#include <stdint.h>

typedef struct evhtp_request evhtp_request_t;
struct guardian_config;
struct msg;
struct msg_reader;

/* A learner that does not answer within this is treated as down. */
#define WORKER_PEER_TIMEOUT_S	5
#define WORKER_REQUEST_ID_SIZE	17	/* 16 hex digits */

enum worker_peer {
	WORKER_LEARNER,
	WORKER_ORACLE
};

/*
 * The answer to a worker_ask: type and reply, or type 0 and reply NULL
 * when none will come (timeout, peer gone).  req is NULL when the client
 * went away meanwhile; the callback owns arg either way.
 */
typedef void	(*worker_reply_cb)(evhtp_request_t *req, uint32_t type,
		    struct msg_reader *reply, void *arg);
/*
 * Sends a request to a peer; cb runs exactly once, later.  -1 (and no
 * callback) when the peer is not connected or the send failed.
 */
int	worker_ask(enum worker_peer, uint32_t type, const struct msg *,
	    unsigned int timeout_s, evhtp_request_t *, worker_reply_cb,
	    void *arg);
/* Replies to a request paused while waiting for a peer. */
void	worker_finish(evhtp_request_t *, int status, const char *json);
const struct guardian_config *worker_config(void);
/* A new id for a request, unique per worker. */
void	worker_request_id(char out[WORKER_REQUEST_ID_SIZE]);

/* GET /status: asks the learner, replies when it answers. */
void	worker_status_request(evhtp_request_t *);
/* evhtp is freeing req: forget any reply still pending for it. */
void	worker_request_gone(evhtp_request_t *);
/* Exits once draining and nothing is in flight. */
void	worker_check_drained(void);

#endif
