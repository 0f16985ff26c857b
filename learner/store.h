#ifndef GUARDIAN_LEARNER_STORE_H
#define GUARDIAN_LEARNER_STORE_H
/*
 * The learner's Redis connection: hiredis async on the learner's libevent
 * loop.  Redis being unreachable is never fatal: the connection is retried
 * in the background with exponential backoff, and queries fail fast while
 * it is down (so /status answers 503, as upstream does).
 */
#include <stddef.h>
#include <stdint.h>

struct event_base;

#define STORE_NODE_ID_LEN	36	/* a textual UUID */

struct store_params {
	const char	*host;		/* resolved to an address before use */
	unsigned int	 port;
	const char	*socket_path;	/* Unix socket when non-empty */
	const char	*password;	/* AUTH when non-empty */
	unsigned int	 db;		/* SELECT when non-zero */
};

/*
 * Resolves the host now (the sandbox forbids reading resolver files
 * later) and starts connecting.  0, or -1 with a reason in err.
 */
int	store_init(struct event_base *, const struct store_params *, char *err,
	    size_t errlen);
int	store_ready(void);
const char *store_node_id(void);

/*
 * Reads mi_meta:v.  The callback runs exactly once, possibly before
 * store_status returns: ok = 0 when Redis is unavailable or the value is
 * not an integer.
 */
typedef void (*store_status_cb)(int ok, int64_t seq, const char *node_id,
	    void *arg);
void	store_status(store_status_cb, void *arg);

/* The connection for pipelined commands, or NULL while not ready. */
struct redisAsyncContext;
struct redisAsyncContext *store_async(void);

/*
 * Writes the commands queued so far once the callbacks ready in this
 * loop pass have run, instead of in the next pass (batch.c calls it).
 */
void	store_flush_soon(void);

/* Drops the connection (used at exit). */
void	store_close(void);

#endif
