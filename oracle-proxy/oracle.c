/*
 * Oracle-proxy: the only process allowed outbound network access.  Until
 * the Oracle client exists it answers every request "unavailable", which
 * is what the callers must handle anyway when the Oracle is down (upstream
 * keeps analysing with local data and answers /report with 503).
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "master/child.h"
#include "master/proto.h"

struct oracle_peer {
	LIST_ENTRY(oracle_peer)	 entry;
	struct ipc_chan		*chan;
	enum proc_type		 type;
	pid_t			 pid;
};

static struct {
	struct child			c;
	LIST_HEAD(, oracle_peer)	peers;
} o;

static void
oracle_drop_peer(struct oracle_peer *p, int misbehaved)
{
	if (misbehaved && p->type == PROC_WORKER)
		child_report_misbehaved(&o.c, p->pid);
	ipc_chan_free(p->chan);
	LIST_REMOVE(p, entry);
	free(p);
}

static void
oracle_answer(struct oracle_peer *p, const struct ipc_hdr *hdr,
    struct msg_reader *r)
{
	const void	*body;
	struct msg	 m;
	size_t		 len;
	uint8_t		 endpoint;

	if (msg_get_u8(r, &endpoint) == -1 ||
	    msg_get_data(r, &body, &len) == -1 || msg_end(r) == -1 ||
	    endpoint < PROTO_ORACLE_ANALYZE || endpoint > PROTO_ORACLE_STATS) {
		log_warnx("oracle_answer: malformed request from %s %ld",
		    proc_role(p->type)->name, (long)p->pid);
		oracle_drop_peer(p, 1);
		return;
	}
	msg_init(&m);
	msg_add_u8(&m, PROTO_ORACLE_UNAVAILABLE);
	msg_add_u32(&m, 503);
	msg_add_data(&m, "", 0);
	if (ipc_chan_send(p->chan, PROTO_ORACLE_REPLY, hdr->id, &m, -1) == -1)
		log_warn("oracle_answer: reply");
	msg_free(&m);
}

static void
oracle_dispatch_peer(struct ipc_chan *chan, const struct ipc_hdr *hdr,
    struct msg_reader *r, int fd, void *arg)
{
	struct oracle_peer	*p = arg;

	(void)chan;
	if (fd != -1)
		close(fd);
	if (!proto_permitted(PROC_ORACLE, p->type, hdr->type)) {
		log_warnx("%s: %s %ld sent forbidden message type %u",
		    __func__, proc_role(p->type)->name, (long)p->pid,
		    hdr->type);
		oracle_drop_peer(p, 1);
		return;
	}
	oracle_answer(p, hdr, r);
}

static void
oracle_peer_error(struct ipc_chan *chan, enum ipc_error e, const char *why,
    void *arg)
{
	struct oracle_peer	*p = arg;

	(void)chan;
	if (e == IPC_ERR_PROTO)
		log_warnx("%s: %s %ld: %s", __func__,
		    proc_role(p->type)->name, (long)p->pid, why);
	oracle_drop_peer(p, e == IPC_ERR_PROTO);
}

static void
oracle_on_master(const struct ipc_hdr *hdr, struct msg_reader *r, int fd)
{
	struct oracle_peer	*p;
	uint8_t			 peer;
	uint32_t		 pid;

	if (hdr->type != PROTO_PEER_CHANNEL || fd == -1 ||
	    msg_get_u8(r, &peer) == -1 || msg_get_u32(r, &pid) == -1 ||
	    msg_end(r) == -1 || (peer != PROC_WORKER && peer != PROC_LEARNER))
		fatalx("%s: malformed message from master", __func__);
	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("%s: calloc", __func__);
	p->type = (enum proc_type)peer;
	p->pid = (pid_t)pid;
	if ((p->chan = ipc_chan_new(o.c.base, fd, oracle_dispatch_peer,
	    oracle_peer_error, p)) == NULL)
		fatalx("%s: cannot set up a channel", __func__);
	LIST_INSERT_HEAD(&o.peers, p, entry);
}

void
oracle_main(const char *config_path)
{
	LIST_INIT(&o.peers);
	o.c.on_master = oracle_on_master;
	o.c.on_quit = NULL;
	child_init(&o.c, PROC_ORACLE, config_path);
	child_sandbox(&o.c, 0);
	child_ready(&o.c);
	event_base_dispatch(o.c.base);
	exit(0);
}
