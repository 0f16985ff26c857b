/*
 * Learner side of Redis: connection state machine and node identity.
 *
 *   DOWN --connect--> CONNECTING --AUTH/SELECT/init--> READY
 *     ^                    |                             |
 *     +------ backoff <----+-------- disconnect <--------+
 *
 * Node identity follows upstream initNode: mi_meta:id holds a UUIDv4
 * created when absent, mi_meta:v an integer sequence created as 0.  Both
 * are written with SET NX so two nodes sharing a Redis agree on one id.
 */
#include <sys/random.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <hiredis/adapters/libevent.h>

#include "log.h"
#include "store.h"

#define STORE_BACKOFF_MIN_MS	250
#define STORE_BACKOFF_MAX_MS	5000
/* hiredis 0.14 has no asynchronous connect timeout: ours. */
#define STORE_CONNECT_TIMEOUT_S	5

enum store_state {
	STORE_DOWN,
	STORE_CONNECTING,
	STORE_READY
};

static struct {
	struct event_base	*base;
	redisAsyncContext	*ac;
	struct event		*retry_ev;
	struct event		*timeout_ev;
	struct event		*flush_ev;
	enum store_state	 state;
	unsigned int		 backoff_ms;
	char			 addr[INET6_ADDRSTRLEN];
	unsigned int		 port;
	char			*socket_path;
	char			*password;
	unsigned int		 db;
	char			 node_id[STORE_NODE_ID_LEN + 1];
	int			 logged_down;
	int			 closing;
} store;

static void	store_connect(void);

static void
store_schedule_retry(void)
{
	struct timeval	tv;

	store.state = STORE_DOWN;
	tv.tv_sec = store.backoff_ms / 1000;
	tv.tv_usec = (store.backoff_ms % 1000) * 1000;
	evtimer_add(store.retry_ev, &tv);
	store.backoff_ms *= 2;
	if (store.backoff_ms > STORE_BACKOFF_MAX_MS)
		store.backoff_ms = STORE_BACKOFF_MAX_MS;
}

static void
store_retry_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	store_connect();
}

/* A failed setup step: drop the connection; the callback retries. */
static void
store_fail(const char *why)
{
	if (!store.logged_down) {
		log_warnx("%s: redis unavailable: %s", __func__, why);
		store.logged_down = 1;
	}
	if (store.ac != NULL)
		redisAsyncDisconnect(store.ac);
}

static int
store_reply_ok(const redisReply *reply, int type)
{
	return reply != NULL && reply->type == type;
}

static void
store_uuid4(char out[STORE_NODE_ID_LEN + 1])
{
	uint8_t	b[16];
	size_t	got = 0;
	ssize_t	n;

	while (got < sizeof(b)) {
		n = getrandom(b + got, sizeof(b) - got, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			fatal("%s: getrandom", __func__);
		got += (size_t)n;
	}
	b[6] = (b[6] & 0x0f) | 0x40;	/* version 4 */
	b[8] = (b[8] & 0x3f) | 0x80;	/* RFC 4122 variant */
	snprintf(out, STORE_NODE_ID_LEN + 1,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static void
store_id_cb(redisAsyncContext *ac, void *r, void *privdata)
{
	redisReply	*reply = r;

	(void)ac;
	(void)privdata;
	if (!store_reply_ok(reply, REDIS_REPLY_STRING) || reply->len == 0 ||
	    reply->len > STORE_NODE_ID_LEN) {
		store_fail("cannot read mi_meta:id");
		return;
	}
	memcpy(store.node_id, reply->str, reply->len);
	store.node_id[reply->len] = '\0';
	store.state = STORE_READY;
	store.backoff_ms = STORE_BACKOFF_MIN_MS;
	store.logged_down = 0;
	log_kv(LOG_INFO, "Engine started", "version", "0.7.6", "node_id",
	    store.node_id, NULL);
}

static void
store_setnx_cb(redisAsyncContext *ac, void *r, void *privdata)
{
	redisReply	*reply = r;

	(void)ac;
	(void)privdata;
	/* OK when created, nil when it existed; anything else fails. */
	if (reply == NULL || reply->type == REDIS_REPLY_ERROR)
		store_fail(reply != NULL ? reply->str : "SET failed");
}

/* initNode: create the identity if absent, then read it back. */
static void
store_init_node(void)
{
	char	id[STORE_NODE_ID_LEN + 1];

	store_uuid4(id);
	redisAsyncCommand(store.ac, store_setnx_cb, NULL,
	    "SET mi_meta:id %s NX", id);
	redisAsyncCommand(store.ac, store_setnx_cb, NULL,
	    "SET mi_meta:v 0 NX");
	redisAsyncCommand(store.ac, store_id_cb, NULL, "GET mi_meta:id");
}

static void
store_select_cb(redisAsyncContext *ac, void *r, void *privdata)
{
	redisReply	*reply = r;

	(void)ac;
	(void)privdata;
	if (!store_reply_ok(reply, REDIS_REPLY_STATUS)) {
		store_fail(reply != NULL && reply->type == REDIS_REPLY_ERROR ?
		    reply->str : "SELECT failed");
		return;
	}
	store_init_node();
}

static void
store_auth_cb(redisAsyncContext *ac, void *r, void *privdata)
{
	redisReply	*reply = r;

	(void)ac;
	(void)privdata;
	if (!store_reply_ok(reply, REDIS_REPLY_STATUS)) {
		store_fail(reply != NULL && reply->type == REDIS_REPLY_ERROR ?
		    reply->str : "AUTH failed");
		return;
	}
	if (store.db != 0)
		redisAsyncCommand(store.ac, store_select_cb, NULL,
		    "SELECT %u", store.db);
	else
		store_init_node();
}

static void
store_connect_cb(const redisAsyncContext *ac, int status)
{
	evtimer_del(store.timeout_ev);
	if (status != REDIS_OK) {
		if (!store.logged_down) {
			log_warnx("store_connect: redis unavailable: %s",
			    ac->errstr);
			store.logged_down = 1;
		}
		/* hiredis frees the context after this callback. */
		store.ac = NULL;
		store_schedule_retry();
		return;
	}
	if (store.password != NULL)
		redisAsyncCommand(store.ac, store_auth_cb, NULL, "AUTH %s",
		    store.password);
	else if (store.db != 0)
		redisAsyncCommand(store.ac, store_select_cb, NULL,
		    "SELECT %u", store.db);
	else
		store_init_node();
}

static void
store_disconnect_cb(const redisAsyncContext *ac, int status)
{
	(void)ac;
	evtimer_del(store.timeout_ev);
	if (status != REDIS_OK && !store.logged_down) {
		log_warnx("store_disconnect: redis connection lost: %s",
		    ac->errstr);
		store.logged_down = 1;
	}
	store.ac = NULL;
	if (!store.closing)
		store_schedule_retry();
}

static void
store_timeout_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	if (store.ac != NULL && store.state == STORE_CONNECTING) {
		if (!store.logged_down) {
			log_warnx("%s: redis connect timed out", __func__);
			store.logged_down = 1;
		}
		/* Frees the context and runs the disconnect callback. */
		redisAsyncFree(store.ac);
		if (store.ac != NULL) {
			store.ac = NULL;
			store_schedule_retry();
		}
	}
}

static void
store_connect(void)
{
	struct timeval	tv = { STORE_CONNECT_TIMEOUT_S, 0 };

	store.state = STORE_CONNECTING;
	if (store.socket_path != NULL)
		store.ac = redisAsyncConnectUnix(store.socket_path);
	else
		store.ac = redisAsyncConnect(store.addr, (int)store.port);
	if (store.ac == NULL || store.ac->err) {
		if (!store.logged_down) {
			log_warnx("%s: redis unavailable: %s", __func__,
			    store.ac != NULL ? store.ac->errstr : "no memory");
			store.logged_down = 1;
		}
		if (store.ac != NULL)
			redisAsyncFree(store.ac);
		store.ac = NULL;
		store_schedule_retry();
		return;
	}
	redisLibeventAttach(store.ac, store.base);
	redisAsyncSetConnectCallback(store.ac, store_connect_cb);
	redisAsyncSetDisconnectCallback(store.ac, store_disconnect_cb);
	evtimer_add(store.timeout_ev, &tv);
}

/*
 * hiredis writes queued commands from a write event, which libevent
 * reports in the loop's next pass: an epoll_wait and two epoll_ctl for
 * every pipeline.  Written from an event activated in this pass instead,
 * once the ready callbacks have queued their commands, the pipelines of
 * one pass leave in one write and hiredis's write event is armed and
 * disarmed within the pass, which libevent folds into no system call.
 */
static void
store_flush_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	if (store.ac != NULL && store.state == STORE_READY)
		redisAsyncHandleWrite(store.ac);
}

void
store_flush_soon(void)
{
	if (store.ac != NULL && store.state == STORE_READY &&
	    store.flush_ev != NULL)
		event_active(store.flush_ev, 0, 0);
}

static int
store_resolve(const char *host, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res;
	int		 families[2] = { AF_INET, AF_INET6 }, i, rc = 0;
	const void	*a;

	/* Prefer IPv4: "localhost" must reach a Redis bound to 127.0.0.1. */
	for (i = 0; i < 2; i++) {
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = families[i];
		hints.ai_socktype = SOCK_STREAM;
		if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0)
			continue;
		if (res->ai_family == AF_INET)
			a = &((struct sockaddr_in *)res->ai_addr)->sin_addr;
		else
			a = &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr;
		inet_ntop(res->ai_family, a, store.addr, sizeof(store.addr));
		freeaddrinfo(res);
		return 0;
	}
	snprintf(err, errlen, "cannot resolve REDIS_HOST %s: %s", host,
	    gai_strerror(rc));
	return -1;
}

int
store_init(struct event_base *base, const struct store_params *p, char *err,
    size_t errlen)
{
	memset(&store, 0, sizeof(store));
	store.base = base;
	store.port = p->port;
	store.db = p->db;
	store.backoff_ms = STORE_BACKOFF_MIN_MS;
	if (p->socket_path != NULL && *p->socket_path != '\0') {
		if ((store.socket_path = strdup(p->socket_path)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	} else if (store_resolve(p->host, err, errlen) == -1)
		return -1;
	if (p->password != NULL && *p->password != '\0' &&
	    (store.password = strdup(p->password)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	store.retry_ev = evtimer_new(base, store_retry_cb, NULL);
	store.timeout_ev = evtimer_new(base, store_timeout_cb, NULL);
	store.flush_ev = event_new(base, -1, 0, store_flush_cb, NULL);
	if (store.retry_ev == NULL || store.timeout_ev == NULL ||
	    store.flush_ev == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	store_connect();
	return 0;
}

int
store_ready(void)
{
	return store.state == STORE_READY;
}

const char *
store_node_id(void)
{
	return store.node_id;
}

struct store_status_req {
	store_status_cb	 cb;
	void		*arg;
};

static int
store_parse_int(const char *s, size_t len, int64_t *out)
{
	char		 tmp[32];
	char		*end;
	long long	 v;

	if (len == 0 || len >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	errno = 0;
	v = strtoll(tmp, &end, 10);
	if (errno != 0 || *end != '\0' || end == tmp)
		return -1;
	*out = v;
	return 0;
}

static void
store_status_reply(redisAsyncContext *ac, void *r, void *privdata)
{
	struct store_status_req	*req = privdata;
	redisReply		*reply = r;
	int64_t			 seq = 0;
	int			 ok = 1;

	(void)ac;
	if (reply == NULL || reply->type == REDIS_REPLY_ERROR)
		ok = 0;
	else if (reply->type == REDIS_REPLY_STRING)
		ok = store_parse_int(reply->str, reply->len, &seq) == 0;
	else if (reply->type != REDIS_REPLY_NIL)
		ok = 0;
	req->cb(ok, seq, store.node_id, req->arg);
	free(req);
}

void
store_status(store_status_cb cb, void *arg)
{
	struct store_status_req	*req;

	if (store.state != STORE_READY || store.ac == NULL ||
	    (req = malloc(sizeof(*req))) == NULL) {
		cb(0, 0, store.node_id, arg);
		return;
	}
	req->cb = cb;
	req->arg = arg;
	if (redisAsyncCommand(store.ac, store_status_reply, req,
	    "GET mi_meta:v") != REDIS_OK) {
		free(req);
		cb(0, 0, store.node_id, arg);
	}
}

redisAsyncContext *
store_async(void)
{
	return store.state == STORE_READY ? store.ac : NULL;
}

void
store_close(void)
{
	store.closing = 1;
	if (store.ac != NULL) {
		redisAsyncFree(store.ac);
		store.ac = NULL;
	}
	store.state = STORE_DOWN;
}
