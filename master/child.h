#ifndef GUARDIAN_CHILD_H
#define GUARDIAN_CHILD_H
/*
 * Start-up steps every child role shares: logging, configuration, the
 * master channel, signals, and the demotion into the sandbox.
 */
#include "common/config.h"
#include "ipc.h"
#include "proc.h"

struct event_base;

struct child {
	enum proc_type		 type;
	struct event_base	*base;
	struct guardian_config	 cfg;
	struct ipc_chan		*master;
	/* Called for master messages other than LOG_FD and TUNABLES. */
	void			(*on_master)(const struct ipc_hdr *,
				    struct msg_reader *, int fd);
	/* After TUNABLES (a reload) were applied; may be NULL. */
	void			(*on_tunables)(void);
	/* SIGQUIT (graceful) and SIGTERM (fast); NULL: exit at once. */
	void			(*on_quit)(void);
};

/* Logging, config, event base, master channel and signal events. */
void	child_init(struct child *, enum proc_type, const char *config_path);
/* Drops privileges (chroot only when asked), warms up, loads seccomp. */
void	child_sandbox(struct child *, int use_chroot);
/* Tells the master this child serves. */
void	child_ready(struct child *);
/* Reports a misbehaving worker to the master. */
void	child_report_misbehaved(struct child *, pid_t);

#endif
