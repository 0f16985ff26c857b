#ifndef GUARDIAN_MASTER_H
#define GUARDIAN_MASTER_H
/*
 * The master's supervision state, shared by master.c (command line,
 * start-up, signals) and supervise.c (children, channels, respawn).
 */
#include <sys/queue.h>
#include <sys/types.h>
#include <time.h>

#include "common/config.h"
#include "ipc.h"
#include "proc.h"

struct event_base;
struct event;

struct master_child {
	TAILQ_ENTRY(master_child)	 entry;
	enum proc_type			 type;
	pid_t				 pid;
	struct ipc_chan			*chan;
	int				 slot;		/* -1: retiring */
	int				 ready;
	struct master_child		*replaces;	/* reload: old worker */
	struct timespec			 started;
};

struct master_slot {
	enum proc_type			 type;
	struct master_child		*child;
	unsigned int			 failures;	/* quick deaths in a row */
	struct event			*respawn_ev;
	int				 index;
};

struct master {
	struct event_base		*base;
	struct guardian_config		 cfg;
	char				*config_path;
	char				 exe[4096];
	int				 tcp_fd;
	int				 unix_fd;
	struct master_slot		*slots;		/* learner, oracle, workers */
	int				 nslots;
	TAILQ_HEAD(, master_child)	 children;
	int				 stopping;	/* 0, or the signal */
	struct event			*stop_ev;
};

extern struct master	master;

void	supervise_init(void);
void	supervise_start_all(void);
int	supervise_resize(int nworkers);
void	supervise_reload_workers(void);
void	supervise_restart(enum proc_type);
void	supervise_send_tunables(void);
void	supervise_send_log_fd(void);
void	supervise_reap(void);
void	supervise_stop(int graceful);
int	supervise_count(void);

#endif
