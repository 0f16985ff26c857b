/*
 * The Oracle HTTP client (client.h).
 *
 * Trust boundary: every byte of an answer is hostile.  The body is cut at
 * the endpoint's cap while it arrives (never buffered beyond it), then
 * validated; curl follows no redirect, uses no proxy from the
 * environment, speaks only the configured scheme, and its sockets are
 * opened here, only to the configured port.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "buf.h"
#include "common/config.h"
#include "log.h"
#include "master/proto.h"

#include "client.h"
#include "validate.h"

struct oracle_req {
	TAILQ_ENTRY(oracle_req)	 entry;
	struct oracle_client	*client;
	void			*owner;		/* NULL: forgotten */
	uint32_t		 id;
	const struct oracle_endpoint *ep;
	char			*body;
	size_t			 len;
	uint64_t		 deadline;	/* ms, monotonic */
	CURL			*easy;
	struct buf		 answer;
	int			 oversized;
	int			 probe;
	char			 error[CURL_ERROR_SIZE];
};

TAILQ_HEAD(oracle_reqs, oracle_req);

struct oracle_client {
	struct event_base	*base;
	struct oracle_dest	 dest;
	struct oracle_client_settings set;
	oracle_done_cb		 done;
	void			*arg;
	CURLM			*multi;
	struct event		*timer;
	struct event		*sweep;		/* expires waiting requests */
	struct curl_slist	*headers;
	struct curl_blob	 ca;
	struct breaker		 breaker;
	struct oracle_reqs	 running;
	struct oracle_reqs	 waiting;
	unsigned int		 nrunning;
	unsigned int		 nwaiting;
};

static void	oracle_client_start_waiting(struct oracle_client *);

static uint64_t
oracle_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
oracle_req_free(struct oracle_req *r)
{
	if (r->easy != NULL)
		curl_easy_cleanup(r->easy);
	buf_free(&r->answer);
	free(r->body);
	free(r);
}

/* Answers a request and frees it (it is on no list any more). */
static void
oracle_req_finish(struct oracle_req *r, uint8_t outcome, long status)
{
	struct oracle_result	 res;

	res.outcome = outcome;
	res.status = status;
	res.body = outcome == PROTO_ORACLE_UNAVAILABLE ? NULL : r->answer.data;
	res.len = outcome == PROTO_ORACLE_UNAVAILABLE ? 0 : r->answer.len;
	if (res.body == NULL)
		res.body = (const uint8_t *)"", res.len = 0;
	if (r->owner != NULL)
		r->client->done(r->owner, r->id, &res, r->client->arg);
	oracle_req_free(r);
}

static void
oracle_breaker_record(struct oracle_client *c, int success, int probe)
{
	int	changed;

	changed = breaker_record(&c->breaker, success, probe, oracle_now_ms(),
	    arc4random());
	if (changed == BREAKER_OPEN)
		log_warnx("oracle: circuit open for %llu ms after repeated "
		    "failures: requests are answered unavailable",
		    (unsigned long long)(c->breaker.open_until -
		    oracle_now_ms()));
	else if (changed == BREAKER_CLOSED)
		log_info("oracle: circuit closed: the Oracle answers again");
}

static size_t
oracle_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct oracle_req	*r = arg;

	/* curl guarantees size == 1; n is at most CURL_MAX_WRITE_SIZE. */
	if (n > r->ep->max_body - r->answer.len) {
		r->oversized = 1;
		return 0;
	}
	if (buf_append(&r->answer, data, size * n) == -1)
		return 0;
	return size * n;
}

static curl_socket_t
oracle_opensocket_cb(void *arg, curlsocktype purpose,
    struct curl_sockaddr *addr)
{
	struct oracle_client	*c = arg;
	curl_socket_t		 s;

	if (purpose != CURLSOCKTYPE_IPCXN || addr->socktype != SOCK_STREAM ||
	    !oracle_dest_allowed(&c->dest, &addr->addr, addr->addrlen)) {
		log_warnx("oracle: refused a connection outside %s",
		    c->dest.base);
		return CURL_SOCKET_BAD;
	}
	s = socket(addr->family, addr->socktype | SOCK_CLOEXEC,
	    addr->protocol);
	return s == -1 ? CURL_SOCKET_BAD : s;
}

/* Sets every option that pins the transfer to the Oracle. */
static int
oracle_easy_setup(struct oracle_client *c, struct oracle_req *r,
    long timeout_ms)
{
	const char	*proto = c->dest.https ? "https" : "http";
	char		 url[ORACLE_URL_MAX + 16];
	CURL		*e = r->easy;
	int		 bad = 0;

	if (oracle_dest_url(&c->dest, r->ep->path, url, sizeof(url)) == -1)
		return -1;
#define SET(opt, val)	bad |= curl_easy_setopt(e, opt, val) != CURLE_OK
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, proto);
	SET(CURLOPT_REDIR_PROTOCOLS_STR, proto);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_NOPROXY, "*");
	SET(CURLOPT_OPENSOCKETFUNCTION, oracle_opensocket_cb);
	SET(CURLOPT_OPENSOCKETDATA, c);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_POST, 1L);
	SET(CURLOPT_POSTFIELDS, r->body);
	SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->len);
	SET(CURLOPT_HTTPHEADER, c->headers);
	SET(CURLOPT_USERAGENT, "mailuminati-guardian-c/" PACKAGE_VERSION);
	SET(CURLOPT_TIMEOUT_MS, timeout_ms);
	SET(CURLOPT_WRITEFUNCTION, oracle_write_cb);
	SET(CURLOPT_WRITEDATA, r);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->ep->max_body);
	SET(CURLOPT_ERRORBUFFER, r->error);
	SET(CURLOPT_PRIVATE, r);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca.data != NULL)
		SET(CURLOPT_CAINFO_BLOB, &c->ca);
#undef SET
	return bad ? -1 : 0;
}

/* Starts a transfer, or answers at once when it cannot go out. */
static void
oracle_client_start(struct oracle_client *c, struct oracle_req *r)
{
	uint64_t	now = oracle_now_ms();

	if (!breaker_allow(&c->breaker, now, &r->probe)) {
		log_debug("oracle: %s request %u refused: circuit %s",
		    r->ep->name, r->id, breaker_state_name(c->breaker.state));
		oracle_req_finish(r, PROTO_ORACLE_UNAVAILABLE, 0);
		return;
	}
	if (now >= r->deadline) {
		log_warnx("oracle: %s request %u timed out waiting to be sent",
		    r->ep->name, r->id);
		if (r->probe)
			oracle_breaker_record(c, 0, 1);
		oracle_req_finish(r, PROTO_ORACLE_UNAVAILABLE, 0);
		return;
	}
	if ((r->easy = curl_easy_init()) == NULL ||
	    oracle_easy_setup(c, r, (long)(r->deadline - now)) == -1 ||
	    curl_multi_add_handle(c->multi, r->easy) != CURLM_OK) {
		log_warnx("oracle: %s request %u: cannot set up a transfer",
		    r->ep->name, r->id);
		if (r->probe)
			oracle_breaker_record(c, 0, 1);
		oracle_req_finish(r, PROTO_ORACLE_UNAVAILABLE, 0);
		return;
	}
	TAILQ_INSERT_TAIL(&c->running, r, entry);
	c->nrunning++;
}

/* A finished transfer: classify, feed the breaker, answer. */
static void
oracle_client_done(struct oracle_client *c, struct oracle_req *r,
    CURLcode rc)
{
	long		status = 0;
	uint8_t		outcome;
	int		success;

	TAILQ_REMOVE(&c->running, r, entry);
	c->nrunning--;
	curl_multi_remove_handle(c->multi, r->easy);
	if (rc == CURLE_OK)
		(void)curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE,
		    &status);
	if (rc == CURLE_OK && status >= 100) {
		outcome = oracle_answer_outcome(r->ep->id, status,
		    r->answer.data, r->answer.len);
		success = status < 500;
		if (outcome != PROTO_ORACLE_OK)
			log_warnx("oracle: %s request %u: invalid answer "
			    "(HTTP %ld, %zu bytes)", r->ep->name, r->id,
			    status, r->answer.len);
		else
			log_debug("oracle: %s request %u: HTTP %ld, %zu bytes",
			    r->ep->name, r->id, status, r->answer.len);
	} else if (r->oversized || rc == CURLE_FILESIZE_EXCEEDED) {
		/* A hostile or broken Oracle: do not keep pulling. */
		outcome = PROTO_ORACLE_INVALID;
		success = 0;
		log_warnx("oracle: %s request %u: answer larger than %zu "
		    "bytes", r->ep->name, r->id, r->ep->max_body);
	} else {
		outcome = PROTO_ORACLE_UNAVAILABLE;
		success = 0;
		log_warnx("oracle: %s request %u: %s", r->ep->name, r->id,
		    r->error[0] != '\0' ? r->error : curl_easy_strerror(rc));
	}
	oracle_breaker_record(c, success, r->probe);
	oracle_req_finish(r, outcome, status);
}

static void
oracle_client_check(struct oracle_client *c)
{
	struct oracle_req	*r;
	CURLMsg			*m;
	int			 left;
	char			*priv;

	while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		priv = NULL;
		(void)curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
		    &priv);
		if ((r = (struct oracle_req *)(void *)priv) == NULL)
			continue;
		oracle_client_done(c, r, m->data.result);
	}
	oracle_client_start_waiting(c);
}

static void
oracle_client_start_waiting(struct oracle_client *c)
{
	struct oracle_req	*r;

	while (c->nrunning < c->set.max_inflight &&
	    (r = TAILQ_FIRST(&c->waiting)) != NULL) {
		TAILQ_REMOVE(&c->waiting, r, entry);
		c->nwaiting--;
		oracle_client_start(c, r);
	}
}

/*
 * Requests waiting for a free transfer slot must still be answered
 * within their timeout, even while every slot is taken by slow ones.
 */
static void
oracle_sweep_cb(evutil_socket_t fd, short events, void *arg)
{
	struct oracle_client	*c = arg;
	struct oracle_req	*r, *next;
	uint64_t		 now = oracle_now_ms();

	(void)fd;
	(void)events;
	for (r = TAILQ_FIRST(&c->waiting); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		if (now < r->deadline)
			continue;
		TAILQ_REMOVE(&c->waiting, r, entry);
		c->nwaiting--;
		log_warnx("oracle: %s request %u timed out waiting to be sent",
		    r->ep->name, r->id);
		oracle_req_finish(r, PROTO_ORACLE_UNAVAILABLE, 0);
	}
	if (c->nwaiting == 0)
		evtimer_del(c->sweep);
}

static void
oracle_event_cb(evutil_socket_t fd, short events, void *arg)
{
	struct oracle_client	*c = arg;
	int			 flags = 0, running;

	if (events & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (events & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	(void)curl_multi_socket_action(c->multi, fd, flags, &running);
	oracle_client_check(c);
}

static void
oracle_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	struct oracle_client	*c = arg;
	int			 running;

	(void)fd;
	(void)events;
	(void)curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0,
	    &running);
	oracle_client_check(c);
}

/* curl tells which sockets to watch for what. */
static int
oracle_socket_cb(CURL *e, curl_socket_t s, int what, void *arg,
    void *sockp)
{
	struct oracle_client	*c = arg;
	struct event		*ev = sockp;
	short			 kind;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		if (ev != NULL) {
			event_free(ev);
			curl_multi_assign(c->multi, s, NULL);
		}
		return 0;
	}
	kind = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
	    ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
	if (ev == NULL) {
		if ((ev = event_new(c->base, s, kind, oracle_event_cb,
		    c)) == NULL)
			return -1;
		curl_multi_assign(c->multi, s, ev);
	} else {
		event_del(ev);
		event_assign(ev, c->base, s, kind, oracle_event_cb, c);
	}
	return event_add(ev, NULL) == 0 ? 0 : -1;
}

static int
oracle_timer_set_cb(CURLM *m, long timeout_ms, void *arg)
{
	struct oracle_client	*c = arg;
	struct timeval		 tv;

	(void)m;
	if (timeout_ms < 0)
		return evtimer_del(c->timer) == 0 ? 0 : -1;
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	return evtimer_add(c->timer, &tv) == 0 ? 0 : -1;
}

struct oracle_client *
oracle_client_new(struct event_base *base, const struct oracle_dest *dest,
    const struct oracle_client_settings *set, oracle_done_cb done, void *arg)
{
	struct oracle_client	*c;
	struct curl_slist	*h = NULL;
	const char *const	 headers[] = {
		"Content-Type: application/json",
		"Accept: application/json",
		/* No 100-continue round trip for larger reports. */
		"Expect:",
	};
	size_t			 i;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->base = base;
	c->dest = *dest;
	c->set = *set;
	if (c->set.max_inflight == 0)
		c->set.max_inflight = ORACLE_MAX_INFLIGHT;
	if (c->set.max_queued == 0)
		c->set.max_queued = ORACLE_MAX_QUEUED;
	c->done = done;
	c->arg = arg;
	TAILQ_INIT(&c->running);
	TAILQ_INIT(&c->waiting);
	breaker_init(&c->breaker, BREAKER_THRESHOLD, BREAKER_BASE_MS,
	    BREAKER_MAX_MS);
	if (set->ca != NULL && set->ca_len > 0) {
		if ((c->ca.data = malloc(set->ca_len)) == NULL)
			goto fail;
		memcpy(c->ca.data, set->ca, set->ca_len);
		c->ca.len = set->ca_len;
		c->ca.flags = CURL_BLOB_NOCOPY;
	}
	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		struct curl_slist *n = curl_slist_append(h, headers[i]);

		if (n == NULL)
			goto fail;
		h = n;
	}
	c->headers = h;
	h = NULL;
	if ((c->timer = evtimer_new(base, oracle_timer_cb, c)) == NULL ||
	    (c->sweep = event_new(base, -1, EV_PERSIST, oracle_sweep_cb,
	    c)) == NULL || (c->multi = curl_multi_init()) == NULL)
		goto fail;
	if (curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION,
	    oracle_socket_cb) != CURLM_OK ||
	    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c) != CURLM_OK ||
	    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION,
	    oracle_timer_set_cb) != CURLM_OK ||
	    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c) != CURLM_OK ||
	    curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    (long)c->set.max_inflight) != CURLM_OK)
		goto fail;
	return c;
fail:
	log_warnx("%s: cannot set up the HTTP client", __func__);
	curl_slist_free_all(h);
	curl_slist_free_all(c->headers);
	if (c->multi != NULL)
		curl_multi_cleanup(c->multi);
	if (c->timer != NULL)
		event_free(c->timer);
	if (c->sweep != NULL)
		event_free(c->sweep);
	free(c->ca.data);
	free(c);
	return NULL;
}

void
oracle_client_submit(struct oracle_client *c, void *owner, uint32_t id,
    uint8_t endpoint, const void *body, size_t len)
{
	static const struct timeval sweep_every = { 0, 100 * 1000 };
	struct oracle_req	*r;
	struct oracle_result	 res = { PROTO_ORACLE_UNAVAILABLE, 0,
				    (const uint8_t *)"", 0 };
	long			 timeout;

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->body = malloc(len > 0 ? len : 1)) == NULL) {
		log_warn("%s: request %u", __func__, id);
		free(r);
		c->done(owner, id, &res, c->arg);
		return;
	}
	memcpy(r->body, body, len);
	r->len = len;
	r->client = c;
	r->owner = owner;
	r->id = id;
	r->ep = oracle_endpoint(endpoint);
	buf_init(&r->answer, r->ep != NULL ? r->ep->max_body : 1);
	if (r->ep == NULL || !c->set.enabled) {
		oracle_req_finish(r, PROTO_ORACLE_UNAVAILABLE, 0);
		return;
	}
	timeout = r->ep->id == PROTO_ORACLE_ANALYZE ?
	    c->set.analyze_timeout_ms : r->ep->timeout_ms;
	r->deadline = oracle_now_ms() + (uint64_t)timeout;
	if (c->nrunning < c->set.max_inflight) {
		oracle_client_start(c, r);
		return;
	}
	if (c->nwaiting >= c->set.max_queued) {
		log_warnx("oracle: %s request %u refused: %u requests waiting",
		    r->ep->name, id, c->nwaiting);
		oracle_req_finish(r, PROTO_ORACLE_UNAVAILABLE, 0);
		return;
	}
	TAILQ_INSERT_TAIL(&c->waiting, r, entry);
	if (c->nwaiting++ == 0)
		evtimer_add(c->sweep, &sweep_every);
}

void
oracle_client_forget(struct oracle_client *c, void *owner)
{
	struct oracle_req	*r;

	TAILQ_FOREACH(r, &c->running, entry)
		if (r->owner == owner)
			r->owner = NULL;
	TAILQ_FOREACH(r, &c->waiting, entry)
		if (r->owner == owner)
			r->owner = NULL;
}

const struct breaker *
oracle_client_breaker(const struct oracle_client *c)
{
	return &c->breaker;
}
