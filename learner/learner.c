/*
 * Learner: the only process that talks to Redis.  It owns the node
 * identity and answers the workers' lookups.  Workers are distrusted: a
 * message that is malformed or not in the permit table closes that
 * worker's channel and asks the master to replace the worker; the learner
 * itself carries on.
 */
#include <sys/queue.h>
#include <sys/random.h>
#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "common/config.h"
#include "log.h"
#include "master/child.h"
#include "master/proto.h"
#include "learn.h"
#include "learner.h"
#include "lookup.h"
#include "oracle_link.h"
#include "outbox.h"
#include "refresh.h"
#include "stats_report.h"
#include "store.h"
#include "sync.h"

struct learner_peer {
	LIST_ENTRY(learner_peer)	 entry;
	struct ipc_chan			*chan;	/* NULL once dropped */
	pid_t				 pid;
	unsigned int			 waiting; /* Redis replies due */
};

/* One request of a worker being worked on. */
struct learner_req {
	struct learner_peer	*peer;
	uint32_t		 id;
};

static struct {
	struct child			 c;
	LIST_HEAD(, learner_peer)	 workers;
} l;

static void
learner_peer_release(struct learner_peer *p)
{
	if (p->chan == NULL && p->waiting == 0) {
		LIST_REMOVE(p, entry);
		free(p);
	}
}

static void
learner_drop_worker(struct learner_peer *p, int misbehaved)
{
	if (p->chan != NULL) {
		ipc_chan_free(p->chan);
		p->chan = NULL;
	}
	if (misbehaved)
		child_report_misbehaved(&l.c, p->pid);
	learner_peer_release(p);
}

const struct guardian_config *
learner_config(void)
{
	return &l.c.cfg;
}

void
learner_req_reply(struct learner_req *req, uint32_t type,
    const struct msg *m)
{
	struct learner_peer	*p = req->peer;

	if (p->chan != NULL &&
	    ipc_chan_send(p->chan, type, req->id, m, -1) == -1)
		log_warn("%s: reply to worker %ld", __func__, (long)p->pid);
}

void
learner_req_done(struct learner_req *req)
{
	struct learner_peer	*p = req->peer;

	p->waiting--;
	free(req);
	learner_peer_release(p);
}

uint32_t
learner_random(void)
{
	struct timeval	tv;
	uint32_t	v;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v))
		return v;
	/* Jitter only: the time will do if the pool cannot answer. */
	gettimeofday(&tv, NULL);
	return (uint32_t)tv.tv_usec * 2654435761U ^ (uint32_t)getpid();
}

long
learner_req_pid(const struct learner_req *req)
{
	return (long)req->peer->pid;
}

static void
learner_status_done(int ok, int64_t seq, const char *node_id, void *arg)
{
	struct learner_req	*req = arg;
	struct msg		 m;

	msg_init(&m);
	msg_add_u8(&m, ok ? 1 : 0);
	msg_add_u64(&m, (uint64_t)seq);
	msg_add_str(&m, node_id != NULL ? node_id : "");
	learner_req_reply(req, PROTO_STATUS_REPLY, &m);
	msg_free(&m);
	learner_req_done(req);
}

static void
learner_dispatch_worker(struct ipc_chan *chan, const struct ipc_hdr *hdr,
    struct msg_reader *r, int fd, void *arg)
{
	struct learner_peer	*p = arg;
	struct learner_req	*req;
	int			 rc = -1;

	(void)chan;
	if (fd != -1)
		close(fd);
	if (!proto_permitted(PROC_LEARNER, PROC_WORKER, hdr->type))
		goto bad;
	if ((req = malloc(sizeof(*req))) == NULL) {
		log_warn("%s: malloc", __func__);
		return;
	}
	req->peer = p;
	req->id = hdr->id;
	p->waiting++;
	switch (hdr->type) {
	case PROTO_STATUS_REQUEST:
		if ((rc = msg_end(r)) == 0)
			store_status(learner_status_done, req);
		break;
	case PROTO_ANALYZE_REQUEST:
		rc = lookup_start(req, r);
		break;
	case PROTO_REPORT_REQUEST:
		rc = learn_start(req, r);
		break;
	}
	if (rc == 0)
		return;
	learner_req_done(req);
 bad:
	log_warnx("%s: worker %ld sent a forbidden or malformed message "
	    "(type %u): dropping it", __func__, (long)p->pid, hdr->type);
	learner_drop_worker(p, 1);
}

static void
learner_worker_error(struct ipc_chan *chan, enum ipc_error e,
    const char *why, void *arg)
{
	struct learner_peer	*p = arg;

	(void)chan;
	if (e == IPC_ERR_PROTO) {
		log_warnx("%s: worker %ld: %s: dropping it", __func__,
		    (long)p->pid, why);
		learner_drop_worker(p, 1);
		return;
	}
	/* A worker that exits (reload, shutdown) closes its end. */
	log_debug("%s: worker %ld gone: %s", __func__, (long)p->pid, why);
	learner_drop_worker(p, 0);
}

static void
learner_on_master(const struct ipc_hdr *hdr, struct msg_reader *r, int fd)
{
	struct learner_peer	*p;
	uint8_t			 peer;
	uint32_t		 pid;

	if (hdr->type != PROTO_PEER_CHANNEL || fd == -1 ||
	    msg_get_u8(r, &peer) == -1 || msg_get_u32(r, &pid) == -1 ||
	    msg_end(r) == -1 || (peer != PROC_WORKER && peer != PROC_ORACLE))
		fatalx("%s: malformed message from master", __func__);
	if (peer == PROC_ORACLE) {
		oracle_link_attach(fd);
		return;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("%s: calloc", __func__);
	p->pid = (pid_t)pid;
	if ((p->chan = ipc_chan_new(l.c.base, fd, learner_dispatch_worker,
	    learner_worker_error, p)) == NULL)
		fatalx("%s: cannot set up a channel", __func__);
	LIST_INSERT_HEAD(&l.workers, p, entry);
}

void
learner_main(const char *config_path)
{
	struct store_params	 sp;
	char			 err[512];

	LIST_INIT(&l.workers);
	l.c.on_master = learner_on_master;
	l.c.on_quit = NULL;
	l.c.on_tunables = refresh_clear;	/* refresh TTLs anew */
	child_init(&l.c, PROC_LEARNER, config_path);
	memset(&sp, 0, sizeof(sp));
	sp.host = l.c.cfg.redis_host;
	sp.port = (unsigned int)l.c.cfg.redis_port;
	sp.socket_path = l.c.cfg.redis_socket;
	sp.password = l.c.cfg.redis_password;
	sp.db = (unsigned int)l.c.cfg.redis_db;
	/* Resolve and start connecting while files may still be read. */
	if (store_init(l.c.base, &sp, err, sizeof(err)) == -1)
		fatalx("%s: %s", __func__, err);
	/*
	 * jansson seeds its hash tables on first use by reading
	 * /dev/urandom, which the filter forbids: seed it now.
	 */
	json_object_seed(0);
	oracle_link_init(l.c.base);
	lookup_init();
	child_sandbox(&l.c, 0);
	if (l.c.cfg.oracle_enabled) {
		sync_start(l.c.base);
		stats_report_start(l.c.base);
		outbox_start(l.c.base);
	} else
		log_info("learner: ORACLE_ENABLED=false: no sync, no stats, "
		    "no escalation, reports stay local");
	child_ready(&l.c);
	event_base_dispatch(l.c.base);
	store_close();
	exit(0);
}
