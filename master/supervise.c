/*
 * Children: spawning, the channels between them, reaping and respawning.
 *
 * Slots: 0 is the learner, 1 the oracle-proxy, 2.. the workers.  A slot
 * holds the current child of its role.  On reload every worker is moved
 * out of its slot ("retiring"), a new one is started in the slot, and the
 * old one gets SIGQUIT once the new one reports ready, so the listeners
 * always have a worker accepting.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "master.h"
#include "metrics.h"
#include "proto.h"

#define SLOT_LEARNER	0
#define SLOT_ORACLE	1
#define SLOT_WORKER0	2
/* A child that lived shorter than this died "quickly". */
#define QUICK_DEATH_S	10
#define BACKOFF_MIN_MS	500
#define BACKOFF_MAX_MS	60000

static void	supervise_spawn(struct master_slot *);

static double
supervise_age(const struct master_child *c)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - c->started.tv_sec) +
	    (now.tv_nsec - c->started.tv_nsec) / 1e9;
}

static struct master_child *
supervise_find(pid_t pid)
{
	struct master_child	*c;

	TAILQ_FOREACH(c, &master.children, entry)
		if (c->pid == pid)
			return c;
	return NULL;
}

static void
supervise_kill(struct master_child *c, int sig)
{
	if (c->pid > 0 && kill(c->pid, sig) == -1 && errno != ESRCH)
		log_warn("%s: kill %ld", __func__, (long)c->pid);
}

static void
supervise_drop_chan(struct master_child *c)
{
	if (c->chan != NULL) {
		ipc_chan_free(c->chan);
		c->chan = NULL;
	}
}

static void
supervise_dispatch_child(struct ipc_chan *chan, const struct ipc_hdr *hdr,
    struct msg_reader *r, int fd, void *arg)
{
	struct master_child	*c = arg, *bad, *old;
	uint32_t		 pid;

	(void)chan;
	if (fd != -1)
		close(fd);
	if (!proto_permitted(PROC_MASTER, c->type, hdr->type)) {
		log_warnx("%s: %s %ld sent forbidden message type %u: "
		    "replacing it", __func__, proc_role(c->type)->name,
		    (long)c->pid, hdr->type);
		supervise_drop_chan(c);
		supervise_kill(c, SIGKILL);
		return;
	}
	switch (hdr->type) {
	case PROTO_CHILD_READY:
		if (msg_end(r) == -1)
			break;
		c->ready = 1;
		log_debug("%s: %s %ld ready", __func__,
		    proc_role(c->type)->name, (long)c->pid);
		if ((old = c->replaces) != NULL) {
			c->replaces = NULL;
			supervise_kill(old, SIGQUIT);
		}
		return;
	case PROTO_PEER_MISBEHAVED:
		if (msg_get_u32(r, &pid) == -1 || msg_end(r) == -1)
			break;
		if ((bad = supervise_find((pid_t)pid)) == NULL ||
		    bad->type != PROC_WORKER)
			return;
		log_warnx("%s: %s reports worker %ld misbehaved: replacing "
		    "it", __func__, proc_role(c->type)->name, (long)pid);
		supervise_drop_chan(bad);
		supervise_kill(bad, SIGKILL);
		return;
	}
	log_warnx("%s: malformed message from %s %ld", __func__,
	    proc_role(c->type)->name, (long)c->pid);
	supervise_drop_chan(c);
	supervise_kill(c, SIGKILL);
}

static void
supervise_child_error(struct ipc_chan *chan, enum ipc_error e,
    const char *why, void *arg)
{
	struct master_child	*c = arg;

	(void)chan;
	if (e == IPC_ERR_PROTO && !master.stopping) {
		log_warnx("%s: %s %ld: %s: replacing it", __func__,
		    proc_role(c->type)->name, (long)c->pid, why);
		supervise_kill(c, SIGKILL);
	}
	/* Otherwise the child exited; SIGCHLD tells us how. */
	supervise_drop_chan(c);
}

/* A socketpair between two live children, one end to each. */
static void
supervise_connect(struct master_child *a, struct master_child *b)
{
	struct msg	m;
	int		sp[2];

	if (a == NULL || b == NULL || a->chan == NULL || b->chan == NULL ||
	    !proc_has_channel(a->type, b->type))
		return;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1) {
		log_warn("%s: socketpair", __func__);
		return;
	}
	msg_init(&m);
	msg_add_u8(&m, (uint8_t)b->type);
	msg_add_u32(&m, (uint32_t)b->pid);
	if (ipc_chan_send(a->chan, PROTO_PEER_CHANNEL, 0, &m, sp[0]) == -1)
		log_warn("%s: to %s", __func__, proc_role(a->type)->name);
	msg_reset(&m);
	msg_add_u8(&m, (uint8_t)a->type);
	msg_add_u32(&m, (uint32_t)a->pid);
	if (ipc_chan_send(b->chan, PROTO_PEER_CHANNEL, 0, &m, sp[1]) == -1)
		log_warn("%s: to %s", __func__, proc_role(b->type)->name);
	msg_free(&m);
}

static void
supervise_connect_peers(struct master_child *n)
{
	struct master_child	*c;

	TAILQ_FOREACH(c, &master.children, entry)
		if (c != n && c->type != n->type)
			supervise_connect(n, c);
}

static void
supervise_respawn_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	if (!master.stopping)
		supervise_spawn(arg);
}

static void
supervise_spawn(struct master_slot *s)
{
	struct master_child	*c;
	int			 sp[2], fds[PROC_NFDS];

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("%s: calloc", __func__);
		return;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1) {
		log_warn("%s: socketpair", __func__);
		free(c);
		return;
	}
	fds[0] = sp[1];
	fds[1] = s->type == PROC_WORKER ? master.tcp_fd : -1;
	fds[2] = s->type == PROC_WORKER ? master.unix_fd : -1;
	fds[3] = metrics_fd();
	c->type = s->type;
	c->slot = s->index;
	clock_gettime(CLOCK_MONOTONIC, &c->started);
	/* Stats slot 0 is the master's; the supervision slots follow. */
	c->pid = proc_spawn(master.exe, s->type, master.config_path,
	    log_getfd(), fds, fds[3] != -1 ? s->index + 1 : -1);
	close(sp[1]);
	if (c->pid == -1) {
		log_warn("%s: cannot start %s", __func__,
		    proc_role(s->type)->name);
		close(sp[0]);
		free(c);
		return;
	}
	c->chan = ipc_chan_new(master.base, sp[0], supervise_dispatch_child,
	    supervise_child_error, c);
	if (c->chan == NULL)
		log_warnx("%s: no channel to %s %ld", __func__,
		    proc_role(s->type)->name, (long)c->pid);
	TAILQ_INSERT_TAIL(&master.children, c, entry);
	s->child = c;
	metrics_slot(s->index + 1, s->type == PROC_WORKER, c->pid);
	log_debug("%s: started %s %ld", __func__, proc_role(s->type)->name,
	    (long)c->pid);
	supervise_connect_peers(c);
}

void
supervise_init(void)
{
	TAILQ_INIT(&master.children);
}

int
supervise_resize(int nworkers)
{
	struct master_slot	*slots;
	int			 n = SLOT_WORKER0 + nworkers, i;

	if (n <= master.nslots)
		return 0;
	if ((slots = reallocarray(master.slots, (size_t)n,
	    sizeof(*slots))) == NULL)
		return -1;
	master.slots = slots;
	for (i = master.nslots; i < n; i++) {
		memset(&slots[i], 0, sizeof(slots[i]));
		slots[i].index = i;
		slots[i].type = i == SLOT_LEARNER ? PROC_LEARNER :
		    i == SLOT_ORACLE ? PROC_ORACLE : PROC_WORKER;
		slots[i].respawn_ev = evtimer_new(master.base,
		    supervise_respawn_cb, &slots[i]);
		if (slots[i].respawn_ev == NULL)
			return -1;
	}
	/* Slots moved: re-point the timers and children at them. */
	for (i = 0; i < master.nslots; i++) {
		evtimer_del(slots[i].respawn_ev);
		evtimer_assign(slots[i].respawn_ev, master.base,
		    supervise_respawn_cb, &slots[i]);
	}
	master.nslots = n;
	return 0;
}

void
supervise_start_all(void)
{
	int	i;

	for (i = 0; i < master.nslots; i++)
		supervise_spawn(&master.slots[i]);
}

void
supervise_reload_workers(void)
{
	struct master_child	*old;
	int			 i, want = SLOT_WORKER0 +
				    config_workers(&master.cfg);

	for (i = SLOT_WORKER0; i < master.nslots; i++) {
		struct master_slot *s = &master.slots[i];

		evtimer_del(s->respawn_ev);
		s->failures = 0;
		old = s->child;
		s->child = NULL;
		if (old != NULL)
			old->slot = -1;
		if (i >= want) {
			/* Fewer workers now: retire without a successor. */
			if (old != NULL)
				supervise_kill(old, SIGQUIT);
			continue;
		}
		supervise_spawn(s);
		if (s->child != NULL)
			s->child->replaces = old;
		else if (old != NULL)
			s->child = old, old->slot = i;
	}
}

void
supervise_restart(enum proc_type type)
{
	int	i = type == PROC_LEARNER ? SLOT_LEARNER : SLOT_ORACLE;

	/* SIGCHLD respawns it at once (failures are reset here). */
	master.slots[i].failures = 0;
	if (master.slots[i].child != NULL) {
		master.slots[i].child->started.tv_sec -= QUICK_DEATH_S;
		supervise_kill(master.slots[i].child, SIGTERM);
	}
}

void
supervise_send_tunables(void)
{
	struct master_child	*c;
	struct msg		 m;

	msg_init(&m);
	msg_add_u64(&m, (uint64_t)master.cfg.spam_weight);
	msg_add_u64(&m, (uint64_t)master.cfg.ham_weight);
	msg_add_u64(&m, (uint64_t)master.cfg.spam_threshold);
	msg_add_u32(&m, (uint32_t)master.cfg.retention_days);
	msg_add_u8(&m, (uint8_t)master.cfg.log_level);
	msg_add_u8(&m, (uint8_t)master.cfg.log_format);
	TAILQ_FOREACH(c, &master.children, entry)
		if (c->chan != NULL && c->type != PROC_WORKER &&
		    ipc_chan_send(c->chan, PROTO_TUNABLES, 0, &m, -1) == -1)
			log_warn("%s: %s", __func__, proc_role(c->type)->name);
	msg_free(&m);
}

void
supervise_send_log_fd(void)
{
	struct master_child	*c;
	int			 fd;

	if (log_getfd() == -1)
		return;
	TAILQ_FOREACH(c, &master.children, entry) {
		if (c->chan == NULL)
			continue;
		if ((fd = fcntl(log_getfd(), F_DUPFD_CLOEXEC, 0)) == -1) {
			log_warn("%s: dup", __func__);
			return;
		}
		if (ipc_chan_send(c->chan, PROTO_LOG_FD, 0, NULL, fd) == -1)
			log_warn("%s: %s", __func__, proc_role(c->type)->name);
	}
}

static void
supervise_exited(struct master_child *c, int status)
{
	struct master_slot	*s;
	struct timeval		 tv;
	unsigned int		 ms;
	double			 age = supervise_age(c);
	const char		*name = proc_role(c->type)->name;

	if (WIFSIGNALED(status))
		log_warnx("%s: %s %ld killed by signal %d", __func__, name,
		    (long)c->pid, WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0)
		log_warnx("%s: %s %ld exited with status %d", __func__, name,
		    (long)c->pid, WEXITSTATUS(status));
	else
		log_debug("%s: %s %ld exited", __func__, name, (long)c->pid);
	metrics_child_exited(c->type == PROC_WORKER, status,
	    c->slot >= 0 && !master.stopping);
	if (c->slot < 0 || master.stopping)
		return;
	s = &master.slots[c->slot];
	s->child = NULL;
	metrics_slot(s->index + 1, s->type == PROC_WORKER, 0);
	if (age < QUICK_DEATH_S)
		s->failures++;
	else
		s->failures = 0;
	/* The first quick death is replaced at once, then 0.5 s, 1 s, ... */
	ms = 0;
	if (s->failures > 1) {
		ms = BACKOFF_MIN_MS;
		for (unsigned int i = 2; i < s->failures && ms < BACKOFF_MAX_MS;
		    i++)
			ms *= 2;
		if (ms > BACKOFF_MAX_MS)
			ms = BACKOFF_MAX_MS;
	}
	if (s->failures > 3)
		log_warnx("%s: %s keeps dying (%u times in a row): next "
		    "start in %u ms", __func__, name, s->failures, ms);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(s->respawn_ev, &tv);
}

void
supervise_reap(void)
{
	struct master_child	*c, *o;
	pid_t			 pid;
	int			 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((c = supervise_find(pid)) == NULL)
			continue;
		TAILQ_REMOVE(&master.children, c, entry);
		TAILQ_FOREACH(o, &master.children, entry)
			if (o->replaces == c)
				o->replaces = NULL;
		supervise_exited(c, status);
		supervise_drop_chan(c);
		free(c);
	}
}

/* Graceful: workers first (SIGQUIT), the rest once they are gone. */
void
supervise_stop(int graceful)
{
	struct master_child	*c;
	int			 workers = 0;

	TAILQ_FOREACH(c, &master.children, entry)
		if (c->type == PROC_WORKER)
			workers++;
	TAILQ_FOREACH(c, &master.children, entry) {
		if (!graceful)
			supervise_kill(c, SIGTERM);
		else if (c->type == PROC_WORKER)
			supervise_kill(c, SIGQUIT);
		else if (workers == 0)
			supervise_kill(c, SIGTERM);
	}
}

int
supervise_count(void)
{
	struct master_child	*c;
	int			 n = 0;

	TAILQ_FOREACH(c, &master.children, entry)
		n++;
	return n;
}
