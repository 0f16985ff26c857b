/*
 * Calls from the learner to the oracle-proxy.  The proxy is trusted as
 * a sibling (it is not a worker), but its answers are still checked: a
 * malformed reply closes the channel and fails every pending call.  A
 * reply to an id nobody waits for (the backstop timer already gave up)
 * is dropped.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "buf.h"
#include "ipc.h"
#include "log.h"
#include "master/proto.h"
#include "oracle_link.h"

/*
 * The proxy answers every request within its own timeouts (30 s at most
 * plus time waiting in its queue); this only guards against a proxy that
 * never answers.
 */
#define ORACLE_LINK_BACKSTOP_S	90

struct oracle_call {
	TAILQ_ENTRY(oracle_call)	 entry;
	uint32_t			 id;
	size_t				 max;
	int				 overflow;
	struct buf			 body;	/* joined MORE slices */
	struct event			*timer;
	oracle_link_cb			 cb;
	void				*arg;
};

static struct {
	struct event_base		*base;
	struct ipc_chan			*chan;
	TAILQ_HEAD(, oracle_call)	 calls;
	uint32_t			 next_id;
} olink;

static void
oracle_link_complete(struct oracle_call *c, uint8_t outcome, uint32_t status,
    const void *body, size_t len)
{
	TAILQ_REMOVE(&olink.calls, c, entry);
	event_free(c->timer);
	c->cb(outcome, status, body, len, c->arg);
	buf_free(&c->body);
	free(c);
}

static void
oracle_link_fail_all(void)
{
	struct oracle_call	*c;

	while ((c = TAILQ_FIRST(&olink.calls)) != NULL)
		oracle_link_complete(c, PROTO_ORACLE_UNAVAILABLE, 0, "", 0);
}

static void
oracle_link_drop(const char *why)
{
	log_info("oracle_link: oracle-proxy channel closed: %s", why);
	if (olink.chan != NULL) {
		ipc_chan_free(olink.chan);
		olink.chan = NULL;
	}
	oracle_link_fail_all();
}

static void
oracle_link_timeout(evutil_socket_t fd, short events, void *arg)
{
	struct oracle_call	*c = arg;

	(void)fd;
	(void)events;
	log_warnx("%s: no answer from the oracle-proxy to request %u in "
	    "%d s", __func__, c->id, ORACLE_LINK_BACKSTOP_S);
	oracle_link_complete(c, PROTO_ORACLE_UNAVAILABLE, 0, "", 0);
}

static void
oracle_link_dispatch(struct ipc_chan *chan, const struct ipc_hdr *hdr,
    struct msg_reader *r, int fd, void *arg)
{
	struct oracle_call	*c;
	const void		*body;
	size_t			 len;
	uint32_t		 status;
	uint8_t			 outcome;

	(void)chan;
	(void)arg;
	if (fd != -1)
		close(fd);
	if (!proto_permitted(PROC_LEARNER, PROC_ORACLE, hdr->type) ||
	    msg_get_u8(r, &outcome) == -1 || msg_get_u32(r, &status) == -1 ||
	    msg_get_data(r, &body, &len) == -1 || msg_end(r) == -1 ||
	    outcome > PROTO_ORACLE_MORE || status > 999) {
		log_warnx("%s: malformed %s from the oracle-proxy", __func__,
		    proto_type_name(hdr->type));
		oracle_link_drop("malformed reply");
		return;
	}
	TAILQ_FOREACH(c, &olink.calls, entry)
		if (c->id == hdr->id)
			break;
	if (c == NULL) {
		log_debug("%s: late reply %u dropped", __func__, hdr->id);
		return;
	}
	/* Past the bound: keep nothing, wait for the final slice. */
	if (c->overflow || c->body.len + len > c->max) {
		c->overflow = 1;
		buf_reset(&c->body);
		if (outcome != PROTO_ORACLE_MORE)
			oracle_link_complete(c, PROTO_ORACLE_INVALID, status,
			    "", 0);
		return;
	}
	buf_append(&c->body, body, len);
	if (outcome == PROTO_ORACLE_MORE)
		return;
	if (buf_failed(&c->body)) {
		log_warnx("%s: out of memory for reply %u", __func__, c->id);
		oracle_link_complete(c, PROTO_ORACLE_UNAVAILABLE, 0, "", 0);
		return;
	}
	oracle_link_complete(c, outcome, status,
	    c->body.len > 0 ? c->body.data : (const void *)"", c->body.len);
}

static void
oracle_link_error(struct ipc_chan *chan, enum ipc_error e, const char *why,
    void *arg)
{
	(void)chan;
	(void)e;
	(void)arg;
	oracle_link_drop(why);
}

void
oracle_link_init(struct event_base *base)
{
	olink.base = base;
	TAILQ_INIT(&olink.calls);
	olink.next_id = 1;
}

void
oracle_link_attach(int fd)
{
	if (olink.chan != NULL)
		oracle_link_drop("replaced");
	olink.chan = ipc_chan_new(olink.base, fd, oracle_link_dispatch,
	    oracle_link_error, NULL);
	if (olink.chan == NULL)
		fatalx("%s: cannot set up a channel", __func__);
}

int
oracle_link_up(void)
{
	return olink.chan != NULL;
}

int
oracle_link_ask(uint8_t endpoint, const void *body, size_t len, size_t max,
    oracle_link_cb cb, void *arg)
{
	struct oracle_call	*c;
	struct timeval		 tv = { ORACLE_LINK_BACKSTOP_S, 0 };
	struct msg		 m;
	int			 rc;

	if (olink.chan == NULL)
		return -1;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	if ((c->timer = evtimer_new(olink.base, oracle_link_timeout,
	    c)) == NULL) {
		free(c);
		return -1;
	}
	/* Ids only need to be unique among the calls pending. */
	c->id = olink.next_id++;
	if (olink.next_id == 0)
		olink.next_id = 1;
	c->max = max;
	c->cb = cb;
	c->arg = arg;
	buf_init(&c->body, 0);
	msg_init(&m);
	msg_add_u8(&m, endpoint);
	msg_add_data(&m, body, len);
	rc = ipc_chan_send(olink.chan, PROTO_ORACLE_REQUEST, c->id, &m, -1);
	msg_free(&m);
	if (rc == -1) {
		log_warn("%s: request to the oracle-proxy", __func__);
		event_free(c->timer);
		free(c);
		return -1;
	}
	evtimer_add(c->timer, &tv);
	TAILQ_INSERT_TAIL(&olink.calls, c, entry);
	return 0;
}
