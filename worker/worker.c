/*
 * Worker: serves HTTP on the listeners inherited from the master and asks
 * the learner (and later the oracle-proxy) over IPC.  It holds no secrets
 * and runs with the tightest filter: no socket creation, no connect, no
 * open, no exec.  Replies from peers are matched to requests by request
 * id, so many lookups can be in flight at once.
 */
#include <sys/queue.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>
#include <evhtp.h>

#include "config.h"
#include "buf.h"
#include "log.h"
#include "stats.h"
#include "master/child.h"
#include "master/proto.h"
#include "worker/digest/html2text.h"
#include "http.h"
#include "stats.h"
#include "worker.h"

/* SIGQUIT: in-flight requests get this long to finish. */
#define WORKER_DRAIN_TIMEOUT_S	30

struct worker_pending {
	TAILQ_ENTRY(worker_pending)	 entry;
	uint32_t			 id;
	enum worker_peer		 peer;
	evhtp_request_t			*req;	/* NULL: client went away */
	struct event			*timeout;
	worker_reply_cb			 cb;
	void				*arg;
};

static struct {
	struct child			 c;
	struct ipc_chan			*learner;
	struct ipc_chan			*oracle;
	uint32_t			 next_id;
	uint64_t			 rid_base;
	uint64_t			 rid_count;
	int				 draining;
	TAILQ_HEAD(, worker_pending)	 pending;
} w;

static void
worker_pending_free(struct worker_pending *p)
{
	TAILQ_REMOVE(&w.pending, p, entry);
	event_free(p->timeout);
	free(p);
}

static struct worker_pending *
worker_pending_find(uint32_t id)
{
	struct worker_pending	*p;

	TAILQ_FOREACH(p, &w.pending, entry)
		if (p->id == id)
			return p;
	return NULL;
}

void
worker_finish(evhtp_request_t *req, int status, const char *json)
{
	http_reply_json(req, status, json);
	evhtp_request_resume(req);
}

/* Hands a reply (or NULL: no reply will come) to the asker. */
static void
worker_complete(struct worker_pending *p, uint32_t type, struct msg_reader *r)
{
	worker_reply_cb	 cb = p->cb;
	evhtp_request_t	*req = p->req;
	void		*arg = p->arg;

	worker_pending_free(p);
	cb(req, type, r, arg);
}

static void
worker_pending_timeout(evutil_socket_t fd, short events, void *arg)
{
	struct worker_pending	*p = arg;

	(void)fd;
	(void)events;
	log_warnx("%s: %s did not answer request %u", __func__,
	    p->peer == WORKER_LEARNER ? "learner" : "oracle-proxy", p->id);
	if (p->peer == WORKER_LEARNER)
		stats_add(STATS_LOOKUP_TIMEOUTS, 1);
	worker_complete(p, 0, NULL);
}

int
worker_ask(enum worker_peer peer, uint32_t type, const struct msg *m,
    unsigned int timeout_s, evhtp_request_t *req, worker_reply_cb cb,
    void *arg)
{
	struct worker_pending	*p;
	struct ipc_chan		*chan;
	struct timeval		 tv = { (time_t)timeout_s, 0 };

	chan = peer == WORKER_LEARNER ? w.learner : w.oracle;
	if (chan == NULL || (p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	p->id = ++w.next_id;
	p->peer = peer;
	p->req = req;
	p->cb = cb;
	p->arg = arg;
	if ((p->timeout = evtimer_new(w.c.base, worker_pending_timeout,
	    p)) == NULL) {
		free(p);
		return -1;
	}
	if (ipc_chan_send(chan, type, p->id, m, -1) == -1) {
		log_warn("%s: %s", __func__, proto_type_name(type));
		event_free(p->timeout);
		free(p);
		return -1;
	}
	TAILQ_INSERT_TAIL(&w.pending, p, entry);
	evtimer_add(p->timeout, &tv);
	return 0;
}

const struct guardian_config *
worker_config(void)
{
	return &w.c.cfg;
}

void
worker_request_id(char out[WORKER_REQUEST_ID_SIZE])
{
	snprintf(out, WORKER_REQUEST_ID_SIZE, "%016" PRIx64,
	    w.rid_base + w.rid_count++);
}

void
worker_request_gone(evhtp_request_t *req)
{
	struct worker_pending	*p;

	TAILQ_FOREACH(p, &w.pending, entry)
		if (p->req == req)
			p->req = NULL;
}

void
worker_check_drained(void)
{
	if (w.draining && http_inflight() == 0)
		event_base_loopexit(w.c.base, NULL);
}

static void
worker_json_escape(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			buf_printf(b, "\\%c", ch);
		else if (ch < 0x20)
			buf_printf(b, "\\u%04x", ch);
		else
			buf_putc(b, ch);
	}
}

static void
worker_status_reply(evhtp_request_t *req, uint32_t type, struct msg_reader *r,
    void *arg)
{
	struct buf	 b;
	const char	*node_id;
	uint64_t	 seq;
	uint8_t		 ok;

	(void)arg;
	if (req == NULL)
		return;
	if (r == NULL || type != PROTO_STATUS_REPLY ||
	    msg_get_u8(r, &ok) == -1 || msg_get_u64(r, &seq) == -1 ||
	    msg_get_str(r, &node_id, NULL) == -1 || msg_end(r) == -1 ||
	    !ok) {
		if (r != NULL && type != PROTO_STATUS_REPLY)
			log_warnx("%s: malformed STATUS_REPLY", __func__);
		worker_finish(req, 503, "{\"error\":\"Redis unavailable\"}");
		return;
	}
	/* Keys sorted, as Go's map encoding writes them upstream. */
	buf_init(&b, 4096);
	buf_printf(&b, "{\"current_seq\":%" PRId64 ",\"node_id\":\"",
	    (int64_t)seq);
	worker_json_escape(&b, node_id);
	buf_printf(&b, "\",\"version\":\"%s\"}", GUARDIAN_COMPAT_VERSION);
	if (buf_failed(&b))
		worker_finish(req, 500, "{\"error\":\"internal error\"}");
	else
		worker_finish(req, 200, (const char *)b.data);
	buf_free(&b);
}

static void
worker_drop_peer(struct ipc_chan **chanp)
{
	struct worker_pending	*p, *next;

	enum worker_peer	 peer;

	peer = chanp == &w.learner ? WORKER_LEARNER : WORKER_ORACLE;
	ipc_chan_free(*chanp);
	*chanp = NULL;
	/* What is in flight to that peer will not be answered. */
	for (p = TAILQ_FIRST(&w.pending); p != NULL; p = next) {
		next = TAILQ_NEXT(p, entry);
		if (p->peer == peer) {
			worker_complete(p, 0, NULL);
			/* The callback may have queued to the other peer. */
			next = TAILQ_FIRST(&w.pending);
		}
	}
}

static void
worker_dispatch_learner(struct ipc_chan *chan, const struct ipc_hdr *hdr,
    struct msg_reader *r, int fd, void *arg)
{
	struct worker_pending	*p;

	(void)chan;
	(void)arg;
	if (fd != -1)
		close(fd);
	if (!proto_permitted(PROC_WORKER, PROC_LEARNER, hdr->type)) {
		log_warnx("%s: unexpected %s from learner", __func__,
		    proto_type_name(hdr->type));
		worker_drop_peer(&w.learner);
		return;
	}
	if ((p = worker_pending_find(hdr->id)) == NULL ||
	    p->peer != WORKER_LEARNER)
		return;		/* timed out meanwhile */
	worker_complete(p, hdr->type, r);
}

static void
worker_dispatch_oracle(struct ipc_chan *chan, const struct ipc_hdr *hdr,
    struct msg_reader *r, int fd, void *arg)
{
	struct worker_pending	*p;

	(void)chan;
	(void)arg;
	if (fd != -1)
		close(fd);
	if (!proto_permitted(PROC_WORKER, PROC_ORACLE, hdr->type)) {
		log_warnx("%s: unexpected %s from oracle-proxy", __func__,
		    proto_type_name(hdr->type));
		worker_drop_peer(&w.oracle);
		return;
	}
	if ((p = worker_pending_find(hdr->id)) == NULL ||
	    p->peer != WORKER_ORACLE)
		return;		/* timed out meanwhile */
	worker_complete(p, hdr->type, r);
}

static void
worker_peer_error(struct ipc_chan *chan, enum ipc_error e, const char *why,
    void *arg)
{
	(void)e;
	(void)arg;
	if (chan == w.learner) {
		log_info("%s: learner channel closed (%s), waiting for a new "
		    "one", __func__, why);
		worker_drop_peer(&w.learner);
	} else if (chan == w.oracle) {
		log_info("%s: oracle-proxy channel closed (%s)", __func__,
		    why);
		worker_drop_peer(&w.oracle);
	}
}

static void
worker_on_master(const struct ipc_hdr *hdr, struct msg_reader *r, int fd)
{
	struct ipc_chan	**slot;
	ipc_msg_cb	  cb;
	uint8_t		  peer;
	uint32_t	  pid;

	if (hdr->type != PROTO_PEER_CHANNEL || fd == -1 ||
	    msg_get_u8(r, &peer) == -1 || msg_get_u32(r, &pid) == -1 ||
	    msg_end(r) == -1 || (peer != PROC_LEARNER && peer != PROC_ORACLE))
		fatalx("%s: malformed message from master", __func__);
	slot = peer == PROC_LEARNER ? &w.learner : &w.oracle;
	cb = peer == PROC_LEARNER ? worker_dispatch_learner :
	    worker_dispatch_oracle;
	if (*slot != NULL)
		worker_drop_peer(slot);
	if ((*slot = ipc_chan_new(w.c.base, fd, cb, worker_peer_error,
	    NULL)) == NULL)
		fatalx("%s: cannot set up a peer channel", __func__);
	log_debug("%s: channel to %s pid %u", __func__,
	    proc_role(peer)->name, pid);
}

void
worker_status_request(evhtp_request_t *req)
{
	if (worker_ask(WORKER_LEARNER, PROTO_STATUS_REQUEST, NULL,
	    WORKER_PEER_TIMEOUT_S, req, worker_status_reply, NULL) == -1) {
		http_reply_error(req, 503, "Redis unavailable");
		return;
	}
	evhtp_request_pause(req);
}

static void
worker_drain_timeout(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	log_warnx("%s: %u request(s) still in flight, exiting", __func__,
	    http_inflight());
	exit(0);
}

static void
worker_on_quit(void)
{
	struct event	*ev;
	struct timeval	 tv = { WORKER_DRAIN_TIMEOUT_S, 0 };

	if (w.draining)
		return;
	w.draining = 1;
	http_stop_accepting();
	if ((ev = evtimer_new(w.c.base, worker_drain_timeout, NULL)) != NULL)
		evtimer_add(ev, &tv);
	worker_check_drained();
}

/*
 * A listener the master handed over, or -1.  Checked before anything else
 * is opened, so a free slot cannot have been reused by another descriptor.
 */
static int
worker_inherited(int fd)
{
	socklen_t	len = sizeof(int);
	int		listening = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == -1 ||
	    !listening)
		return -1;
	return fd;
}

void
worker_main(const char *config_path)
{
	char	err[512];
	int	tcp_fd, unix_fd;

	tcp_fd = worker_inherited(PROC_FD_LISTEN_TCP);
	/* Request ids: a random start, then a counter. */
	if (getrandom(&w.rid_base, sizeof(w.rid_base), 0) !=
	    sizeof(w.rid_base))
		w.rid_base = (uint64_t)getpid() << 32;
	unix_fd = worker_inherited(PROC_FD_LISTEN_UNIX);
	TAILQ_INIT(&w.pending);
	w.c.on_master = worker_on_master;
	w.c.on_quit = worker_on_quit;
	child_init(&w.c, PROC_WORKER, config_path);
	/* A reload starts new workers, so this holds for a worker's life. */
	html2text_gumbo_only(w.c.cfg.html_gumbo_only);
	if (http_init(w.c.base, &w.c.cfg, tcp_fd, unix_fd, err,
	    sizeof(err)) == -1)
		fatalx("%s: %s", __func__, err);
	/*
	 * jansson seeds its hash tables on first use by reading
	 * /dev/urandom, which the filter forbids: seed it now.
	 */
	json_object_seed(0);
	child_sandbox(&w.c, 1);
	child_ready(&w.c);
	event_base_dispatch(w.c.base);
	exit(0);
}
