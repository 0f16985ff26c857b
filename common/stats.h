#ifndef GUARDIAN_STATS_H
#define GUARDIAN_STATS_H
/*
 * Counters, gauges and latency histograms shared by every process and
 * rendered by any worker for GET /metrics.
 *
 * The master creates one shared memory segment (stats_segment_create)
 * before it starts children and passes it to each of them at descriptor
 * STATS_FD.  Each process maps it (stats_attach) before its sandbox and
 * writes only into its own slot: slot 0 is the master, 1 the learner, 2
 * the oracle-proxy, 3 and up the workers by supervision slot.  A process
 * that replaces another in the same slot keeps adding to the same numbers,
 * so every counter is monotonic for the life of the master; a render sums
 * the slots.
 *
 * Until stats_attach succeeds (unit tests, guardianctl, a child started
 * without the segment) the calls work on process-local storage, and
 * stats_attach carries what was counted there into the slot.
 *
 * Trust: a worker can write anything into the segment.  That only
 * corrupts numbers: the master writes into the segment (slot metadata,
 * resident memory) but never reads a value back to decide anything, and
 * a render clamps what it reads.
 */
#include <stdint.h>

struct buf;

/* The descriptor at which every child inherits the segment. */
#define STATS_FD		6

#define STATS_SLOT_MASTER	0
#define STATS_SLOT_LEARNER	1
#define STATS_SLOT_ORACLE	2
#define STATS_SLOT_WORKER0	3
/* Master, learner, oracle-proxy and up to CONFIG_WORKERS_MAX workers. */
#define STATS_SLOTS		(STATS_SLOT_WORKER0 + 256)

enum stats_counter {
	STATS_SCANNED,
	STATS_LOCAL_MATCH,
	STATS_ORACLE_MATCH_COMPLETE,
	STATS_ORACLE_MATCH_PARTIAL,
	STATS_CACHE_HIT_POSITIVE,
	STATS_CACHE_HIT_NEGATIVE,
	STATS_REDIS_ERRORS,
	STATS_REPORTS_SPAM,
	STATS_REPORTS_HAM,
	STATS_REPORTS_DUPLICATE,
	STATS_WORKER_RESTARTS,
	STATS_SANDBOX_KILLS,
	STATS_CHILD_RESTARTS,		/* learner and oracle-proxy */
	STATS_LOOKUP_TIMEOUTS,		/* a worker gave up waiting */
	STATS_NCOUNTERS
};

enum stats_endpoint {
	STATS_EP_ANALYZE,
	STATS_EP_REPORT,
	STATS_EP_STATUS,
	STATS_EP_METRICS,
	STATS_EP_OTHER,
	STATS_NENDPOINTS
};

/* Per process (per slot) values, set rather than added. */
enum stats_gauge {
	STATS_GAUGE_RSS_BYTES,		/* the master reads /proc */
	STATS_GAUGE_OUTBOX_DEPTH,	/* the learner's report outbox */
	STATS_GAUGE_CONNECTIONS,	/* a worker's open HTTP connections */
	STATS_NGAUGES
};

/* STATS_GAUGE_CONNECTIONS of a worker that accepts none (draining, gone). */
#define STATS_NOT_ACCEPTING	UINT64_MAX

/* Process kinds a slot can hold, for the role label. */
enum stats_role {
	STATS_ROLE_NONE,
	STATS_ROLE_MASTER,
	STATS_ROLE_WORKER,
	STATS_ROLE_LEARNER,
	STATS_ROLE_ORACLE
};

/* Upper bounds of the latency buckets in microseconds; +Inf follows. */
#define STATS_NBUCKETS		14
extern const uint64_t stats_bucket_usec[STATS_NBUCKETS];

/*
 * Master: creates the zeroed segment, returns its descriptor or -1.
 * The caller moves it to STATS_FD in each child.
 */
int	stats_segment_create(void);
/*
 * Maps the segment at fd and selects the slot this process writes into.
 * Returns 0, or -1 (bad size or slot, mmap failure) and the process keeps
 * its local storage.  fd may be closed afterwards.
 */
int	stats_attach(int fd, int slot);
/* 1 when attached to a shared segment. */
int	stats_attached(void);
/* Unmaps and returns to fresh local storage (tests). */
void	stats_detach(void);

void	stats_add(enum stats_counter, uint64_t n);
void	stats_request(enum stats_endpoint, int http_status, uint64_t usec);
void	stats_gauge_set(enum stats_gauge, uint64_t v);

/* Master only: describes a slot and publishes another process's gauge. */
void	stats_slot_set(int slot, enum stats_role, int pid);
void	stats_slot_gauge_set(int slot, enum stats_gauge, uint64_t v);

/*
 * Workers: how many other workers of the first nworkers worker slots
 * accept connections, and in *fewest the smallest number of open
 * connections one of them holds (0 when none).  Read from the shared
 * segment; 0 when not attached.
 */
unsigned int stats_workers_accepting(unsigned int nworkers,
	    uint64_t *fewest);

/* Sum over every slot (tests and the render). */
uint64_t stats_counter_total(enum stats_counter);

/* Appends the Prometheus text format 0.0.4; 0, or -1 when buf failed. */
int	stats_render(struct buf *);

#define STATS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

#endif
