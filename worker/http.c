/*
 * HTTP front of a worker.
 *
 * Body size: Content-Length is checked as soon as the headers are in, so
 * an oversized upload is refused with 413 before any of it is read; a
 * chunked body is counted as it arrives and cut off the same way.
 * Upstream reads 15 MiB and silently drops the rest.
 *
 * Sharing the listeners: every worker accepts on the same sockets, and the
 * first one awake takes every connection waiting.  Clients that keep a few
 * connections open for good (a filter's connection pool, a benchmark)
 * could then all sit on one worker while the others idle.  Each worker
 * publishes how many connections it holds (stats segment), and one that
 * holds two more than the least loaded of the others stops accepting for
 * a while: it looks again every HTTP_PAUSE_STEP and resumes at the latest
 * after HTTP_PAUSE_MAX, so a stuck or lying neighbour can only delay new
 * connections, never refuse them.
 */
#include <sys/time.h>

#include <errno.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <evhtp.h>

#include "common/config.h"
#include "log.h"
#include "analyze.h"
#include "http.h"
#include "metrics.h"
#include "report.h"
#include "stats.h"
#include "worker.h"

#define HTTP_ANY	0
#define HTTP_POST_ONLY	1

#define HTTP_PAUSE_STEP_USEC	2000
#define HTTP_PAUSE_MAX_USEC	50000

struct http_route {
	const char	*path;
	int		 methods;
	void		(*handler)(evhtp_request_t *);
};

static const struct http_route http_routes[] = {
	/* Upstream counts a scan before its method check: analyze checks. */
	{ "/analyze", HTTP_ANY, analyze_request },
	{ "/report", HTTP_POST_ONLY, report_request },
	{ "/status", HTTP_ANY, worker_status_request },
	{ "/metrics", HTTP_ANY, worker_metrics_request },
};

static struct {
	evhtp_t		*tcp;
	evhtp_t		*unx;
	size_t		 max_body;
	unsigned int	 max_connections;
	unsigned int	 connections;
	unsigned int	 fresh;		/* accepted, no request begun yet */
	unsigned int	 inflight;
	char		*api_token;
	struct timeval	 idle_timeout;
	struct timeval	 read_timeout;
	struct timeval	 write_timeout;
	unsigned int	 workers;	/* WORKERS: the slots to look at */
	struct event	*resume;	/* accepting paused: when to look */
	uint64_t	 paused_at;	/* usec, 0 while accepting */
	int		 draining;
} http;

/* The argument of a request's fini hook: when it began, how it ended. */
struct http_timing {
	uint64_t	 started;	/* usec, CLOCK_MONOTONIC */
	int		 status;	/* 0: take evhtp's */
};

/*
 * evhtp overwrites req->status with hook results (a paused request that
 * is answered later ends with 200 or PAUSE whatever was sent), so the
 * status counted on /metrics is the one noted here when replying.
 */
void
http_note_status(evhtp_request_t *req, int status)
{
	struct http_timing	*t;

	if (req->hooks != NULL &&
	    (t = req->hooks->on_request_fini_arg) != NULL)
		t->status = status;
}

void
http_reply_json(evhtp_request_t *req, int status, const char *json)
{
	http_note_status(req, status);
	evhtp_headers_add_header(req->headers_out,
	    evhtp_header_new("Content-Type", "application/json", 0, 0));
	evhtp_headers_add_header(req->headers_out,
	    evhtp_header_new("Cache-Control", "no-store", 0, 0));
	evbuffer_add(req->buffer_out, json, strlen(json));
	evhtp_send_reply(req, (evhtp_res)status);
}

void
http_reply_error(evhtp_request_t *req, int status, const char *message)
{
	char	body[256];

	/* Messages are fixed strings of ours: nothing to escape. */
	snprintf(body, sizeof(body), "{\"error\":\"%s\"}", message);
	http_reply_json(req, status, body);
}

static void	http_close_after_reply(evhtp_connection_t *);

/* Refuse before reading: reply now, stop reading, close after writing. */
static evhtp_res
http_refuse_body(evhtp_request_t *req)
{
	evhtp_request_set_keepalive(req, 0);
	http_reply_error(req, 413, "request body too large");
	http_close_after_reply(req->conn);
	return EVHTP_RES_PAUSE;
}

static evhtp_res
http_on_read(evhtp_request_t *req, struct evbuffer *buf, void *arg)
{
	(void)arg;
	if (evbuffer_get_length(req->buffer_in) + evbuffer_get_length(buf) >
	    http.max_body && !(req->flags & EVHTP_REQ_FLAG_ERROR)) {
		req->flags |= EVHTP_REQ_FLAG_ERROR;
		return http_refuse_body(req);
	}
	return EVHTP_RES_OK;
}

/* The argument of a connection's hooks. */
struct http_conn {
	evhtp_connection_t	*conn;
	struct event		*deadline;	/* headers due */
	int			 fresh;		/* no request begun yet */
	int			 closing;	/* refused: close soon */
	unsigned int		 linger;	/* polls left */
};

/* How often a refused connection checks that its answer is out. */
#define HTTP_LINGER_POLL_USEC	10000

/*
 * Header deadline.  The bufferevent timeouts restart with every byte read,
 * so alone they let a client that trickles a byte at a time (slowloris)
 * hold a connection forever.  evhtp has no hook for the first byte of a
 * request, so the deadline counts from what we do see: a new connection
 * must complete its request headers within HTTP_READ_TIMEOUT, and a
 * kept-alive one within HTTP_IDLE_TIMEOUT + HTTP_READ_TIMEOUT of its last
 * request's end.
 */
static void
http_header_deadline(evutil_socket_t fd, short events, void *arg)
{
	struct http_conn	*hc = arg;
	struct timeval		 tv = { 0, HTTP_LINGER_POLL_USEC };
	struct bufferevent	*bev;

	(void)fd;
	(void)events;
	if (hc->closing) {
		bev = evhtp_connection_get_bev(hc->conn);
		if (bev != NULL && hc->linger-- > 0 &&
		    evbuffer_get_length(bufferevent_get_output(bev)) > 0) {
			evtimer_add(hc->deadline, &tv);
			return;
		}
		evhtp_connection_free(hc->conn);
		return;
	}
	log_warnx("%s: request headers not complete in time, closing",
	    __func__);
	evhtp_connection_free(hc->conn);
}

/*
 * A request refused before its body was read (413) leaves evhtp with a
 * paused connection that it never frees by itself: it would hold the
 * descriptor and a connection slot forever.  Free it once the answer is
 * written, or after HTTP_WRITE_TIMEOUT.
 */
static void
http_close_after_reply(evhtp_connection_t *conn)
{
	struct http_conn	*hc;
	struct timeval		 tv = { 0, HTTP_LINGER_POLL_USEC };

	if (conn == NULL || conn->hooks == NULL ||
	    (hc = conn->hooks->on_headers_arg) == NULL || hc->closing)
		return;
	hc->closing = 1;
	hc->linger = (unsigned int)http.write_timeout.tv_sec *
	    (1000000 / HTTP_LINGER_POLL_USEC);
	evtimer_del(hc->deadline);
	evtimer_add(hc->deadline, &tv);
}

static void
http_arm_deadline(evhtp_connection_t *conn, int kept_alive)
{
	struct http_conn	*hc;
	struct timeval		 tv = http.read_timeout;

	if (conn->hooks == NULL || (hc = conn->hooks->on_headers_arg) == NULL)
		return;
	if (hc->closing)
		return;
	if (kept_alive)
		timeradd(&tv, &http.idle_timeout, &tv);
	evtimer_add(hc->deadline, &tv);
}

static evhtp_res
http_on_headers(evhtp_request_t *req, evhtp_headers_t *headers, void *arg)
{
	const char		*cl;
	char			*end;
	unsigned long long	 len;

	(void)headers;
	/* The headers are in: the header deadline is met. */
	evtimer_del(((struct http_conn *)arg)->deadline);
	/* The connection sat idle before this request: reading now. */
	bufferevent_set_timeouts(evhtp_connection_get_bev(req->conn),
	    &http.read_timeout, &http.write_timeout);
	if ((cl = evhtp_kv_find(req->headers_in, "Content-Length")) != NULL) {
		errno = 0;
		len = strtoull(cl, &end, 10);
		if (errno != 0 || end == cl || len > http.max_body) {
			req->flags |= EVHTP_REQ_FLAG_ERROR;
			return http_refuse_body(req);
		}
	}
	return EVHTP_RES_OK;
}

static uint64_t
http_now_usec(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static enum stats_endpoint
http_endpoint(evhtp_request_t *req)
{
	const char	*path;

	if (req->uri == NULL || req->uri->path == NULL ||
	    (path = req->uri->path->full) == NULL)
		return STATS_EP_OTHER;
	if (strcmp(path, "/analyze") == 0)
		return STATS_EP_ANALYZE;
	if (strcmp(path, "/report") == 0)
		return STATS_EP_REPORT;
	if (strcmp(path, "/status") == 0)
		return STATS_EP_STATUS;
	if (strcmp(path, "/metrics") == 0)
		return STATS_EP_METRICS;
	return STATS_EP_OTHER;
}

/*
 * Every request of every endpoint is timed from its first header line to
 * its end, refusals (401, 404, 405, 413) included; one without a reply
 * (the peer went away) is counted with status 0, labelled "other".
 */
static evhtp_res
http_on_request_fini(evhtp_request_t *req, void *arg)
{
	struct http_timing	*t = arg;
	uint64_t		 now;

	if (t != NULL) {
		now = http_now_usec();
		stats_request(http_endpoint(req),
		    t->status != 0 ? t->status : (int)req->status,
		    now > t->started ? now - t->started : 0);
		free(t);
	}
	worker_request_gone(req);
	if (http.inflight > 0)
		http.inflight--;
	/* Between requests the idle timeout applies. */
	if (req->conn != NULL && req->conn->bev != NULL) {
		bufferevent_set_timeouts(req->conn->bev, &http.idle_timeout,
		    &http.write_timeout);
		http_arm_deadline(req->conn, 1);
	}
	worker_check_drained();
	return EVHTP_RES_OK;
}

/* What the other workers see of this one (see the top of this file). */
static void
http_publish(void)
{
	stats_gauge_set(STATS_GAUGE_CONNECTIONS, http.draining ?
	    STATS_NOT_ACCEPTING : http.connections);
}

/* Two connections more than the least loaded other worker. */
static int
http_over(void)
{
	uint64_t	 fewest;

	if (http.draining ||
	    stats_workers_accepting(http.workers, &fewest) == 0)
		return 0;
	return http.connections > fewest + 1;
}

static void
http_listeners_enable(int on)
{
	evhtp_t	*htp[2] = { http.tcp, http.unx };
	int	 i;

	for (i = 0; i < 2; i++) {
		if (htp[i] == NULL || htp[i]->server == NULL)
			continue;
		if (on)
			evconnlistener_enable(htp[i]->server);
		else
			evconnlistener_disable(htp[i]->server);
	}
}

static void
http_pause_arm(void)
{
	struct timeval	 tv = { 0, HTTP_PAUSE_STEP_USEC };

	if (http.resume == NULL || evtimer_add(http.resume, &tv) == -1) {
		/* no timer, no pause */
		http.paused_at = 0;
		http_listeners_enable(1);
	}
}

static void
http_pause(void)
{
	http.paused_at = http_now_usec();
	if (http.paused_at == 0)
		http.paused_at = 1;
	http_listeners_enable(0);
	http_pause_arm();
}

static void
http_resume_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	if (http.paused_at == 0 || http.draining)
		return;
	if (http_over() &&
	    http_now_usec() - http.paused_at < HTTP_PAUSE_MAX_USEC) {
		http_pause_arm();
		return;
	}
	http.paused_at = 0;
	http_listeners_enable(1);
}

static evhtp_res
http_on_headers_start(evhtp_request_t *req, void *arg)
{
	struct http_conn	*hc = arg;
	struct http_timing	*t;

	if (hc->fresh) {
		hc->fresh = 0;
		http.fresh--;
	}
	http.inflight++;
	/* Out of memory: the request is served, only not timed. */
	if ((t = malloc(sizeof(*t))) != NULL) {
		t->started = http_now_usec();
		t->status = 0;
	}
	evhtp_request_set_hook(req, evhtp_hook_on_request_fini,
	    (evhtp_hook)http_on_request_fini, t);
	return EVHTP_RES_OK;
}

static evhtp_res
http_on_connection_fini(evhtp_connection_t *conn, void *arg)
{
	struct http_conn	*hc = arg;

	if (hc->fresh)
		http.fresh--;
	event_free(hc->deadline);
	free(hc);
	/* evhtp frees the connection's request after this hook, and the
	 * request's fini hook looks the state up again: leave no dangling
	 * pointer behind. */
	if (conn->hooks != NULL)
		conn->hooks->on_headers_arg = NULL;
	if (http.connections > 0)
		http.connections--;
	http_publish();
	worker_check_drained();
	return EVHTP_RES_OK;
}

static evhtp_res
http_post_accept(evhtp_connection_t *conn, void *arg)
{
	struct http_conn	*hc;

	(void)arg;
	if (http.connections >= http.max_connections) {
		log_warnx("%s: connection limit %u reached, refusing",
		    __func__, http.max_connections);
		return EVHTP_RES_ERROR;
	}
	if ((hc = calloc(1, sizeof(*hc))) == NULL ||
	    (hc->deadline = evtimer_new(conn->evbase, http_header_deadline,
	    hc)) == NULL) {
		free(hc);
		log_warnx("%s: out of memory, refusing", __func__);
		return EVHTP_RES_ERROR;
	}
	hc->conn = conn;
	hc->fresh = 1;
	http.fresh++;
	http.connections++;
	http_publish();
	if (http.paused_at == 0 && http_over())
		http_pause();
	evhtp_connection_set_hook(conn, evhtp_hook_on_connection_fini,
	    (evhtp_hook)http_on_connection_fini, hc);
	evhtp_connection_set_hook(conn, evhtp_hook_on_headers_start,
	    (evhtp_hook)http_on_headers_start, hc);
	evhtp_connection_set_hook(conn, evhtp_hook_on_headers,
	    (evhtp_hook)http_on_headers, hc);
	evhtp_connection_set_hook(conn, evhtp_hook_on_read,
	    (evhtp_hook)http_on_read, NULL);
	http_arm_deadline(conn, 0);
	return EVHTP_RES_OK;
}

/* Compares without an early exit, so timing does not leak the token. */
static int
http_token_equal(const char *given, const char *expected)
{
	size_t		 glen = strlen(given), elen = strlen(expected), i;
	unsigned char	 diff = glen != elen;

	for (i = 0; i < elen; i++)
		diff |= (unsigned char)expected[i] ^
		    (unsigned char)(i < glen ? given[i] : 0);
	return diff == 0;
}

static int
http_authorized(evhtp_request_t *req)
{
	const char	*v;

	if (http.api_token == NULL)
		return 1;
	if ((v = evhtp_kv_find(req->headers_in, "Authorization")) != NULL &&
	    strncasecmp(v, "Bearer ", 7) == 0 &&
	    http_token_equal(v + 7, http.api_token))
		return 1;
	if ((v = evhtp_kv_find(req->headers_in, "X-Guardian-Token")) != NULL &&
	    http_token_equal(v, http.api_token))
		return 1;
	return 0;
}

static void
http_dispatch(evhtp_request_t *req, void *arg)
{
	const struct http_route	*r = NULL;
	const char		*path = NULL;
	size_t			 i;

	(void)arg;
	if (req->flags & EVHTP_REQ_FLAG_ERROR)
		return;		/* already refused (413) */
	if (req->uri != NULL && req->uri->path != NULL)
		path = req->uri->path->full;
	for (i = 0; path != NULL && i < sizeof(http_routes) /
	    sizeof(http_routes[0]); i++)
		if (strcmp(path, http_routes[i].path) == 0)
			r = &http_routes[i];
	if (!http_authorized(req)) {
		evhtp_headers_add_header(req->headers_out,
		    evhtp_header_new("WWW-Authenticate", "Bearer", 0, 0));
		http_reply_error(req, 401, "unauthorized");
		return;
	}
	if (r == NULL) {
		http_reply_error(req, 404, "not found");
		return;
	}
	if (r->methods == HTTP_POST_ONLY &&
	    evhtp_request_get_method(req) != htp_method_POST) {
		evhtp_headers_add_header(req->headers_out,
		    evhtp_header_new("Allow", "POST", 0, 0));
		http_reply_error(req, 405, "POST required");
		return;
	}
	r->handler(req);
}

static evhtp_t *
http_listen(struct event_base *base, int fd, char *err, size_t errlen)
{
	evhtp_t	*htp;

	if ((htp = evhtp_new(base, NULL)) == NULL) {
		snprintf(err, errlen, "evhtp_new failed");
		return NULL;
	}
	evhtp_set_gencb(htp, http_dispatch, NULL);
	evhtp_set_post_accept_cb(htp, http_post_accept, NULL);
	evhtp_set_timeouts(htp, &http.read_timeout, &http.write_timeout);
	/* Backlog 0: the socket already listens (the master did it). */
	if (evhtp_accept_socket(htp, fd, 0) != 0) {
		snprintf(err, errlen, "cannot accept on inherited socket %d",
		    fd);
		evhtp_free(htp);
		return NULL;
	}
	return htp;
}

int
http_init(struct event_base *base, const struct guardian_config *cfg,
    int tcp_fd, int unix_fd, char *err, size_t errlen)
{
	memset(&http, 0, sizeof(http));
	http.max_body = cfg->max_body_size;
	http.workers = (unsigned int)config_workers(cfg);
	http.max_connections = cfg->max_connections > 0 ?
	    (unsigned int)cfg->max_connections : 1;
	http.read_timeout.tv_sec = cfg->http_read_timeout;
	http.write_timeout.tv_sec = cfg->http_write_timeout;
	http.idle_timeout.tv_sec = cfg->http_idle_timeout;
	if (cfg->api_token != NULL && *cfg->api_token != '\0' &&
	    (http.api_token = strdup(cfg->api_token)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (tcp_fd != -1 &&
	    (http.tcp = http_listen(base, tcp_fd, err, errlen)) == NULL)
		return -1;
	if (unix_fd != -1 &&
	    (http.unx = http_listen(base, unix_fd, err, errlen)) == NULL)
		return -1;
	if (http.tcp == NULL && http.unx == NULL) {
		snprintf(err, errlen, "no listening socket inherited");
		return -1;
	}
	if ((http.resume = evtimer_new(base, http_resume_cb, NULL)) == NULL)
		log_warnx("%s: no timer: accepting without balance", __func__);
	http_publish();
	return 0;
}

void
http_stop_accepting(void)
{
	http.draining = 1;
	http.paused_at = 0;
	if (http.resume != NULL)
		evtimer_del(http.resume);
	http_publish();
	/* Closing our copy only: the master and other workers keep theirs. */
	if (http.tcp != NULL)
		evhtp_unbind_socket(http.tcp);
	if (http.unx != NULL)
		evhtp_unbind_socket(http.unx);
}

/*
 * Requests in flight, counting connections accepted whose request has not
 * begun: the client has sent it or is about to, so a draining worker that
 * left now would drop it (seen as a failed request during a reload).
 */
unsigned int
http_inflight(void)
{
	return http.inflight + http.fresh;
}
