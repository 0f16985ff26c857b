#ifndef GUARDIAN_PROC_H
#define GUARDIAN_PROC_H
/*
 * The process topology as data: which roles exist, their entry points,
 * and which peers each one has a channel to.  docs/architecture.md draws
 * the same table.
 *
 * A child is started by fork + exec of the daemon's own binary as
 *   mailuminati-guardian -role <name> [-config FILE]
 * and finds its descriptors at fixed numbers:
 *   0, 1   /dev/null
 *   2      the log (the master's log descriptor)
 *   3      its channel to the master
 *   4      worker only: the TCP listener, or -1 (closed) when absent
 *   5      worker only: the Unix listener, or closed when absent
 *   6      the statistics segment (common/stats.h), mapped by main()
 *          before the role starts; "-slot N" names the child's slot
 * Channels to peers arrive later over fd 3 (IPC_MSG_PEER_CHANNEL), so a
 * peer can be replaced without restarting the others.
 */
#include <sys/types.h>

#include "sandbox.h"

#define PROC_FD_MASTER		3
#define PROC_FD_LISTEN_TCP	4
#define PROC_FD_LISTEN_UNIX	5
#define PROC_FD_STATS		6	/* STATS_FD */
#define PROC_NFDS		4	/* descriptors placed from fd 3 */

enum proc_type {
	PROC_MASTER,
	PROC_WORKER,
	PROC_LEARNER,
	PROC_ORACLE,
	PROC_NTYPES
};

#define PROC_BIT(t)	(1U << (t))

struct proc_role {
	enum proc_type		 type;
	const char		*name;		/* -role argument, ps title */
	enum sandbox_role	 sandbox;
	void			(*entry)(const char *config_path);
	unsigned int		 peers;		/* PROC_BIT() of its peers */
};

const struct proc_role	*proc_role_by_name(const char *);
const struct proc_role	*proc_role(enum proc_type);
int			 proc_has_channel(enum proc_type, enum proc_type);

/* Entry points: each sets up its role and never returns. */
void	master_main(int argc, char *argv[]) __attribute__((noreturn));
void	worker_main(const char *config_path) __attribute__((noreturn));
void	learner_main(const char *config_path) __attribute__((noreturn));
void	oracle_main(const char *config_path) __attribute__((noreturn));

/*
 * fork + exec of exe as role type.  fds[] gives the descriptors to place
 * at 3, 4, 5, 6 (-1: none); logfd goes to 2; stats_slot (>= 0) is passed
 * as "-slot N".  Returns the child's PID or -1.
 */
pid_t	proc_spawn(const char *exe, enum proc_type, const char *config_path,
	    int logfd, const int fds[PROC_NFDS], int stats_slot);

#endif
