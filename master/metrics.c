/*
 * Master side of the shared statistics.  The master only writes into the
 * segment; it never reads a value back, so a worker scribbling over it
 * changes numbers on /metrics and nothing else.
 */
#include <sys/wait.h>

#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "metrics.h"
#include "sandbox.h"
#include "stats.h"

/* Resident memory moves slowly; a scrape every few seconds is fine. */
#define METRICS_RSS_INTERVAL_S	2

static int		 metrics_segment_fd = -1;
static pid_t		 metrics_pids[STATS_SLOTS];
static struct event	*metrics_rss_ev;
static long		 metrics_page_size;

/* Second field of /proc/<pid>/statm: resident pages. */
static int
metrics_read_rss(pid_t pid, uint64_t *bytes)
{
	char		 path[64], text[256];
	ssize_t		 n;
	uint64_t	 size, resident;
	int		 fd;

	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/statm");
	else
		snprintf(path, sizeof(path), "/proc/%ld/statm", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	if (sscanf(text, "%" SCNu64 " %" SCNu64, &size, &resident) != 2)
		return -1;
	*bytes = resident * (uint64_t)metrics_page_size;
	return 0;
}

static void
metrics_rss_cb(evutil_socket_t fd, short events, void *arg)
{
	struct timeval	 tv = { METRICS_RSS_INTERVAL_S, 0 };
	uint64_t	 rss;
	int		 i;

	(void)fd;
	(void)events;
	(void)arg;
	for (i = 0; i < STATS_SLOTS; i++) {
		if (i != STATS_SLOT_MASTER && metrics_pids[i] == 0)
			continue;
		if (metrics_read_rss(i == STATS_SLOT_MASTER ? 0 :
		    metrics_pids[i], &rss) == 0)
			stats_slot_gauge_set(i, STATS_GAUGE_RSS_BYTES, rss);
	}
	evtimer_add(metrics_rss_ev, &tv);
}

int
metrics_init(struct event_base *base)
{
	int	 fd;

	if ((metrics_page_size = sysconf(_SC_PAGESIZE)) <= 0)
		metrics_page_size = 4096;
	if ((fd = stats_segment_create()) == -1) {
		log_warn("%s: cannot create the statistics segment", __func__);
		return -1;
	}
	if (stats_attach(fd, STATS_SLOT_MASTER) == -1) {
		log_warn("%s: cannot map the statistics segment", __func__);
		close(fd);
		return -1;
	}
	metrics_segment_fd = fd;
	stats_slot_set(STATS_SLOT_MASTER, STATS_ROLE_MASTER, (int)getpid());
	if ((metrics_rss_ev = evtimer_new(base, metrics_rss_cb, NULL)) == NULL)
		log_warnx("%s: evtimer_new failed: no memory figures",
		    __func__);
	else
		metrics_rss_cb(-1, 0, NULL);
	return 0;
}

int
metrics_fd(void)
{
	return metrics_segment_fd;
}

void
metrics_slot(int slot, int is_worker, pid_t pid)
{
	enum stats_role	 role;

	if (slot < 0 || slot >= STATS_SLOTS || slot == STATS_SLOT_MASTER)
		return;
	metrics_pids[slot] = pid;
	if (pid == 0) {
		/* the figures stay until a successor, but nobody accepts */
		if (is_worker)
			stats_slot_gauge_set(slot, STATS_GAUGE_CONNECTIONS,
			    STATS_NOT_ACCEPTING);
		return;
	}
	if (is_worker) {
		role = STATS_ROLE_WORKER;
		/* not accepting until it says so (worker/http.c) */
		stats_slot_gauge_set(slot, STATS_GAUGE_CONNECTIONS,
		    STATS_NOT_ACCEPTING);
	} else
		role = slot == STATS_SLOT_LEARNER ? STATS_ROLE_LEARNER :
		    STATS_ROLE_ORACLE;
	stats_slot_set(slot, role, (int)pid);
}

void
metrics_child_exited(int is_worker, int status, int replaced)
{
	if ((WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS) ||
	    (WIFEXITED(status) && WEXITSTATUS(status) == SANDBOX_TRAP_EXIT))
		stats_add(STATS_SANDBOX_KILLS, 1);
	if (replaced)
		stats_add(is_worker ? STATS_WORKER_RESTARTS :
		    STATS_CHILD_RESTARTS, 1);
}
