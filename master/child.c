/*
 * Shared start-up of the child roles.  A child trusts its master: a
 * malformed master message is fatal (the master restarts the child).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "child.h"
#include "log.h"
#include "proctitle.h"
#include "proto.h"
#include "sandbox.h"

static void
child_apply_tunables(struct child *c, struct msg_reader *r)
{
	uint64_t	spam, ham, threshold;
	uint32_t	retention;
	uint8_t		level, format;
	char		v[4][24];

	if (msg_get_u64(r, &spam) == -1 || msg_get_u64(r, &ham) == -1 ||
	    msg_get_u64(r, &threshold) == -1 ||
	    msg_get_u32(r, &retention) == -1 ||
	    msg_get_u8(r, &level) == -1 || msg_get_u8(r, &format) == -1 ||
	    msg_end(r) == -1)
		fatalx("%s: malformed TUNABLES from master", __func__);
	c->cfg.spam_weight = (int64_t)spam;
	c->cfg.ham_weight = (int64_t)ham;
	c->cfg.spam_threshold = (int64_t)threshold;
	c->cfg.retention_days = (int)retention;
	c->cfg.log_level = level;
	c->cfg.log_format = format;
	log_setlevel(level);
	log_setformat(format);
	/* The values in force, so a reload can be audited per process. */
	snprintf(v[0], sizeof(v[0]), "%lld", (long long)c->cfg.spam_weight);
	snprintf(v[1], sizeof(v[1]), "%lld", (long long)c->cfg.ham_weight);
	snprintf(v[2], sizeof(v[2]), "%lld", (long long)c->cfg.spam_threshold);
	snprintf(v[3], sizeof(v[3]), "%d", c->cfg.retention_days);
	log_kv(LOG_INFO, "Configuration reloaded", "spam_weight", v[0],
	    "ham_weight", v[1], "spam_threshold", v[2],
	    "local_retention_days", v[3], NULL);
	if (c->on_tunables != NULL)
		c->on_tunables();
}

static void
child_dispatch_master(struct ipc_chan *chan, const struct ipc_hdr *hdr,
    struct msg_reader *r, int fd, void *arg)
{
	struct child	*c = arg;

	(void)chan;
	if (!proto_permitted(c->type, PROC_MASTER, hdr->type))
		fatalx("%s: unexpected message %u from master", __func__,
		    hdr->type);
	switch (hdr->type) {
	case PROTO_LOG_FD:
		if (fd == -1 || msg_end(r) == -1)
			fatalx("%s: malformed LOG_FD", __func__);
		/* Keep fd 2 pointing at the log for library messages too. */
		if (dup2(fd, STDERR_FILENO) == -1)
			log_warn("%s: dup2", __func__);
		log_setfd(fd);
		return;
	case PROTO_TUNABLES:
		child_apply_tunables(c, r);
		break;
	default:
		if (c->on_master == NULL)
			fatalx("%s: unhandled %s", __func__,
			    proto_type_name(hdr->type));
		c->on_master(hdr, r, fd);
		return;
	}
	if (fd != -1)
		close(fd);
}

static void
child_master_error(struct ipc_chan *chan, enum ipc_error e, const char *why,
    void *arg)
{
	(void)chan;
	(void)arg;
	/* The master is gone (or broke the protocol): nobody supervises. */
	if (e == IPC_ERR_EOF)
		exit(0);
	fatalx("child_master_error: master channel: %s", why);
}

static void
child_signal(evutil_socket_t sig, short events, void *arg)
{
	struct child	*c = arg;

	(void)events;
	if (sig == SIGTERM || c->on_quit == NULL)
		exit(0);
	c->on_quit();
}

/* The end-of-pass flush of the log lines held (log_defer). */
static struct event	*child_log_ev;

static void
child_log_flush(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	log_flush();
}

static void
child_log_arm(void)
{
	event_active(child_log_ev, 0, 0);
}

void
child_init(struct child *c, enum proc_type type, const char *config_path)
{
	const struct proc_role	*role = proc_role(type);
	const char *const	*warnings;
	struct event_config	*ecfg;
	struct event		*ev;
	char			 err[512];
	int			 sigs[] = { SIGTERM, SIGQUIT }, i;

	c->type = type;
	proctitle_set(role->name);
	(void)log_init(role->name, NULL);
	/* Terminal-generated signals reach the whole process group: the
	 * master alone decides. */
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (fcntl(PROC_FD_MASTER, F_GETFD) == -1)
		fatalx("%s: no master channel: this program is started by "
		    "the master, not by hand", __func__);
	if (config_load(&c->cfg, config_path, err, sizeof(err)) == -1)
		fatalx("%s: %s", __func__, err);
	(void)config_warnings(&c->cfg, &warnings);
	log_setlevel(c->cfg.log_level);
	log_setformat(c->cfg.log_format);
	/*
	 * With the changelist, libevent applies a pass's changes to the
	 * epoll set once, before it waits: hiredis's read event, re-armed
	 * after every read, and its write event, armed and disarmed around
	 * every pipeline, then cost no epoll_ctl at all (four per Redis
	 * round trip without).  libevent warns against it when descriptors
	 * are duplicated with dup(); the children never do.
	 */
	if ((ecfg = event_config_new()) == NULL ||
	    event_config_set_flag(ecfg,
	    EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) == -1 ||
	    (c->base = event_base_new_with_config(ecfg)) == NULL)
		fatalx("%s: event_base_new failed", __func__);
	event_config_free(ecfg);
	/* A decision line per message: written once per loop pass. */
	if ((child_log_ev = event_new(c->base, -1, 0, child_log_flush,
	    NULL)) == NULL)
		fatalx("%s: event_new failed", __func__);
	log_defer(child_log_arm);
	c->master = ipc_chan_new(c->base, PROC_FD_MASTER,
	    child_dispatch_master, child_master_error, c);
	if (c->master == NULL)
		fatalx("%s: cannot set up the master channel", __func__);
	for (i = 0; i < 2; i++) {
		ev = evsignal_new(c->base, sigs[i], child_signal, c);
		if (ev == NULL || evsignal_add(ev, NULL) == -1)
			fatalx("%s: cannot watch signal %d", __func__, sigs[i]);
	}
}

void
child_sandbox(struct child *c, int use_chroot)
{
	const struct proc_role	*role = proc_role(c->type);
	enum sandbox_mode	 mode;
	char			 err[512];
	const char		*chroot_dir = NULL;

	if (use_chroot && c->cfg.chroot_dir != NULL &&
	    *c->cfg.chroot_dir != '\0')
		chroot_dir = c->cfg.chroot_dir;
	if (getuid() != 0 && geteuid() != 0)
		log_debug("%s: not root: keeping the current user, no chroot",
		    __func__);
	if (sandbox_drop_privileges(c->cfg.run_as_user, chroot_dir, err,
	    sizeof(err)) == -1)
		fatalx("%s: %s", __func__, err);
	switch (c->cfg.sandbox) {
	case CONFIG_SANDBOX_TRAP:
		mode = SANDBOX_TRAP;
		break;
	case CONFIG_SANDBOX_OFF:
		mode = SANDBOX_OFF;
		break;
	default:
		mode = SANDBOX_KILL;
		break;
	}
	sandbox_warmup(role->sandbox);
	if (sandbox_apply(role->sandbox, mode, err, sizeof(err)) == -1)
		fatalx("%s: %s", __func__, err);
}

void
child_ready(struct child *c)
{
	if (ipc_chan_send(c->master, PROTO_CHILD_READY, 0, NULL, -1) == -1)
		fatal("%s: cannot reach the master", __func__);
}

void
child_report_misbehaved(struct child *c, pid_t pid)
{
	struct msg	m;

	msg_init(&m);
	msg_add_u32(&m, (uint32_t)pid);
	if (ipc_chan_send(c->master, PROTO_PEER_MISBEHAVED, 0, &m, -1) == -1)
		log_warn("%s: cannot reach the master", __func__);
	msg_free(&m);
}
