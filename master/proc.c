/*
 * The process table and the spawner.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"

static void
proc_master_entry(const char *config_path)
{
	(void)config_path;
	abort();	/* the master is started from the command line */
}

static const struct proc_role proc_roles[PROC_NTYPES] = {
	{ PROC_MASTER, "master", SANDBOX_ROLE_MASTER, proc_master_entry,
	    PROC_BIT(PROC_WORKER) | PROC_BIT(PROC_LEARNER) |
	    PROC_BIT(PROC_ORACLE) },
	{ PROC_WORKER, "worker", SANDBOX_ROLE_WORKER, worker_main,
	    PROC_BIT(PROC_MASTER) | PROC_BIT(PROC_LEARNER) |
	    PROC_BIT(PROC_ORACLE) },
	{ PROC_LEARNER, "learner", SANDBOX_ROLE_LEARNER, learner_main,
	    PROC_BIT(PROC_MASTER) | PROC_BIT(PROC_WORKER) |
	    PROC_BIT(PROC_ORACLE) },
	{ PROC_ORACLE, "oracle-proxy", SANDBOX_ROLE_ORACLE, oracle_main,
	    PROC_BIT(PROC_MASTER) | PROC_BIT(PROC_WORKER) |
	    PROC_BIT(PROC_LEARNER) },
};

const struct proc_role *
proc_role(enum proc_type type)
{
	if ((unsigned int)type >= PROC_NTYPES)
		return NULL;
	return &proc_roles[type];
}

const struct proc_role *
proc_role_by_name(const char *name)
{
	int	i;

	/* The master is never started by -role. */
	for (i = PROC_WORKER; i < PROC_NTYPES; i++)
		if (strcmp(proc_roles[i].name, name) == 0)
			return &proc_roles[i];
	return NULL;
}

int
proc_has_channel(enum proc_type a, enum proc_type b)
{
	if ((unsigned int)a >= PROC_NTYPES || (unsigned int)b >= PROC_NTYPES)
		return 0;
	return (proc_roles[a].peers & PROC_BIT(b)) != 0;
}

/* In the child between fork and exec: only async-signal-safe calls. */
static void
proc_child_setup(int logfd, const int fds[PROC_NFDS])
{
	int		 moved[PROC_NFDS + 1], i, null;
	sigset_t	 all;

	sigemptyset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, NULL);
	/* Move everything above the fixed numbers first, so dup2 never
	 * overwrites a source that is still needed. */
	for (i = 0; i < PROC_NFDS; i++) {
		moved[i] = -1;
		if (fds[i] != -1 &&
		    (moved[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 16)) == -1)
			_exit(126);
	}
	moved[PROC_NFDS] = -1;
	if (logfd != -1 &&
	    (moved[PROC_NFDS] = fcntl(logfd, F_DUPFD_CLOEXEC, 16)) == -1)
		_exit(126);
	if ((null = open("/dev/null", O_RDWR)) == -1)
		_exit(126);
	if (dup2(null, 0) == -1 || dup2(null, 1) == -1 ||
	    dup2(moved[PROC_NFDS] != -1 ? moved[PROC_NFDS] : null, 2) == -1)
		_exit(126);
	for (i = 0; i < PROC_NFDS; i++) {
		if (moved[i] == -1) {
			(void)close(PROC_FD_MASTER + i);
			continue;
		}
		if (dup2(moved[i], PROC_FD_MASTER + i) == -1)
			_exit(126);
	}
	/* Everything else stays behind: fresh exec, only what it needs. */
	(void)close_range(PROC_FD_STATS + 1, ~0U, 0);
}

pid_t
proc_spawn(const char *exe, enum proc_type type, const char *config_path,
    int logfd, const int fds[PROC_NFDS], int stats_slot)
{
	const struct proc_role	*role;
	char			*argv[8], slot[16];
	pid_t			 pid;
	int			 argc = 0;

	if ((role = proc_role(type)) == NULL || type == PROC_MASTER) {
		errno = EINVAL;
		return -1;
	}
	argv[argc++] = (char *)exe;
	argv[argc++] = (char *)"-role";
	argv[argc++] = (char *)role->name;
	if (stats_slot >= 0) {
		(void)snprintf(slot, sizeof(slot), "%d", stats_slot);
		argv[argc++] = (char *)"-slot";
		argv[argc++] = slot;
	}
	if (config_path != NULL) {
		argv[argc++] = (char *)"-config";
		argv[argc++] = (char *)config_path;
	}
	argv[argc] = NULL;
	switch (pid = fork()) {
	case -1:
		return -1;
	case 0:
		proc_child_setup(logfd, fds);
		execv(exe, argv);
		_exit(127);
	default:
		return pid;
	}
}
