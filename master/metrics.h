#ifndef GUARDIAN_METRICS_H
#define GUARDIAN_METRICS_H
/*
 * The master's side of common/stats: it creates the shared segment before
 * any child exists, describes each slot as children come and go, counts
 * restarts and sandbox kills, and publishes every process's resident
 * memory read from /proc (the master is the only process that may open
 * files there).
 */
#include <sys/types.h>

struct event_base;

/* Creates and maps the segment; -1 when it cannot (metrics stay local). */
int	metrics_init(struct event_base *);
/* The segment's descriptor for children, or -1. */
int	metrics_fd(void);
/* A child started (pid) or left (pid 0) the stats slot. */
void	metrics_slot(int stats_slot, int is_worker, pid_t pid);
/* A child exited with this wait status; replaced: it will be respawned. */
void	metrics_child_exited(int is_worker, int status, int replaced);

#endif
