/*
 * Shared counters and their Prometheus rendering.  See stats.h for the
 * slot scheme and the trust model.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "stats.h"

#define STATS_MAGIC	UINT64_C(0x6775617264737431)	/* "guardst1" */
#define STATS_VERSION	1

/*
 * Status codes the daemon answers get their own label; anything else is
 * counted as "other" so a hostile request cannot create new series.
 */
static const int stats_codes[] = {
	200, 400, 401, 403, 404, 405, 408, 413, 415, 429, 500, 502, 503, 504
};
#define STATS_NCODES	(sizeof(stats_codes) / sizeof(stats_codes[0]) + 1)

const uint64_t stats_bucket_usec[STATS_NBUCKETS] = {
	500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000
};
static const char *const stats_bucket_le[STATS_NBUCKETS] = {
	"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
	"0.25", "0.5", "1", "2.5", "5", "10"
};

static const char *const stats_endpoint_names[STATS_NENDPOINTS] = {
	"analyze", "report", "status", "metrics", "other"
};

static const char *const stats_role_names[] = {
	"none", "master", "worker", "learner", "oracle-proxy"
};
#define STATS_NROLES \
	(sizeof(stats_role_names) / sizeof(stats_role_names[0]))

/*
 * Lock-free 64-bit atomics work across processes on a MAP_SHARED mapping.
 * Buckets are stored per bucket (not cumulated) with one more for +Inf, so
 * a render derives _count from them and _count always equals the +Inf
 * bucket even while other processes are adding.
 */
struct stats_slot {
	_Atomic uint64_t	counters[STATS_NCOUNTERS];
	_Atomic uint64_t	requests[STATS_NENDPOINTS][STATS_NCODES];
	_Atomic uint64_t	buckets[STATS_NENDPOINTS][STATS_NBUCKETS + 1];
	_Atomic uint64_t	sum_usec[STATS_NENDPOINTS];
	_Atomic uint64_t	gauges[STATS_NGAUGES];
	_Atomic uint32_t	role;
	_Atomic int32_t		pid;
};

struct stats_segment {
	uint64_t		magic;
	uint32_t		version;
	uint32_t		nslots;
	struct stats_slot	slots[STATS_SLOTS];
};

static struct stats_slot	 stats_local;
static struct stats_slot	*stats_self = &stats_local;
static struct stats_segment	*stats_seg;

static inline void
stats_inc(_Atomic uint64_t *p, uint64_t n)
{
	atomic_fetch_add_explicit(p, n, memory_order_relaxed);
}

static inline uint64_t
stats_load(_Atomic uint64_t *p)
{
	return atomic_load_explicit(p, memory_order_relaxed);
}

/* Saturates instead of wrapping, so a scribbled huge value cannot make a
 * sum go backwards. */
static inline uint64_t
stats_sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

int
stats_segment_create(void)
{
	struct stats_segment	*seg;
	int			 fd, saved;

	if ((fd = memfd_create("guardian-stats", MFD_CLOEXEC)) == -1)
		return -1;
	if (ftruncate(fd, sizeof(*seg)) == -1)
		goto fail;
	seg = mmap(NULL, sizeof(*seg), PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	if (seg == MAP_FAILED)
		goto fail;
	seg->magic = STATS_MAGIC;
	seg->version = STATS_VERSION;
	seg->nslots = STATS_SLOTS;
	munmap(seg, sizeof(*seg));
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

static void
stats_fold(struct stats_slot *dst, struct stats_slot *src)
{
	size_t	 e, i;

	for (i = 0; i < STATS_NCOUNTERS; i++)
		stats_inc(&dst->counters[i], stats_load(&src->counters[i]));
	for (e = 0; e < STATS_NENDPOINTS; e++) {
		for (i = 0; i < STATS_NCODES; i++)
			stats_inc(&dst->requests[e][i],
			    stats_load(&src->requests[e][i]));
		for (i = 0; i <= STATS_NBUCKETS; i++)
			stats_inc(&dst->buckets[e][i],
			    stats_load(&src->buckets[e][i]));
		stats_inc(&dst->sum_usec[e], stats_load(&src->sum_usec[e]));
	}
}

int
stats_attach(int fd, int slot)
{
	struct stats_segment	*seg;
	struct stat		 st;

	if (slot < 0 || slot >= STATS_SLOTS) {
		errno = EINVAL;
		return -1;
	}
	if (fstat(fd, &st) == -1)
		return -1;
	if (st.st_size != (off_t)sizeof(*seg)) {
		errno = EINVAL;
		return -1;
	}
	seg = mmap(NULL, sizeof(*seg), PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	if (seg == MAP_FAILED)
		return -1;
	if (seg->magic != STATS_MAGIC || seg->version != STATS_VERSION ||
	    seg->nslots != STATS_SLOTS) {
		munmap(seg, sizeof(*seg));
		errno = EINVAL;
		return -1;
	}
	if (stats_seg != NULL)
		munmap(stats_seg, sizeof(*stats_seg));
	stats_seg = seg;
	stats_self = &seg->slots[slot];
	/* What was counted before the segment existed is not lost. */
	stats_fold(stats_self, &stats_local);
	memset(&stats_local, 0, sizeof(stats_local));
	return 0;
}

int
stats_attached(void)
{
	return stats_seg != NULL;
}

void
stats_detach(void)
{
	if (stats_seg != NULL)
		munmap(stats_seg, sizeof(*stats_seg));
	stats_seg = NULL;
	stats_self = &stats_local;
	memset(&stats_local, 0, sizeof(stats_local));
}

void
stats_add(enum stats_counter c, uint64_t n)
{
	if ((unsigned)c < STATS_NCOUNTERS)
		stats_inc(&stats_self->counters[c], n);
}

static size_t
stats_code_index(int status)
{
	size_t	 i;

	for (i = 0; i < STATS_NCODES - 1; i++)
		if (stats_codes[i] == status)
			return i;
	return STATS_NCODES - 1;
}

void
stats_request(enum stats_endpoint ep, int http_status, uint64_t usec)
{
	size_t	 b;

	if ((unsigned)ep >= STATS_NENDPOINTS)
		ep = STATS_EP_OTHER;
	stats_inc(&stats_self->requests[ep][stats_code_index(http_status)], 1);
	for (b = 0; b < STATS_NBUCKETS; b++)
		if (usec <= stats_bucket_usec[b])
			break;
	stats_inc(&stats_self->buckets[ep][b], 1);
	stats_inc(&stats_self->sum_usec[ep], usec);
}

void
stats_gauge_set(enum stats_gauge g, uint64_t v)
{
	if ((unsigned)g < STATS_NGAUGES)
		atomic_store_explicit(&stats_self->gauges[g], v,
		    memory_order_relaxed);
}

static struct stats_slot *
stats_slot_get(int slot)
{
	if (stats_seg == NULL || slot < 0 || slot >= STATS_SLOTS)
		return NULL;
	return &stats_seg->slots[slot];
}

void
stats_slot_set(int slot, enum stats_role role, int pid)
{
	struct stats_slot	*s;

	if ((s = stats_slot_get(slot)) == NULL)
		return;
	atomic_store_explicit(&s->role, role, memory_order_relaxed);
	atomic_store_explicit(&s->pid, pid, memory_order_relaxed);
}

void
stats_slot_gauge_set(int slot, enum stats_gauge g, uint64_t v)
{
	struct stats_slot	*s;

	if ((s = stats_slot_get(slot)) == NULL || (unsigned)g >= STATS_NGAUGES)
		return;
	atomic_store_explicit(&s->gauges[g], v, memory_order_relaxed);
}

unsigned int
stats_workers_accepting(unsigned int nworkers, uint64_t *fewest)
{
	struct stats_slot	*s;
	unsigned int		 n = 0;
	uint64_t		 v;
	size_t			 i, end;

	*fewest = 0;
	if (stats_seg == NULL)
		return 0;
	/* only the slots in use: this runs for every connection accepted */
	end = nworkers < STATS_SLOTS - STATS_SLOT_WORKER0 ?
	    STATS_SLOT_WORKER0 + nworkers : STATS_SLOTS;
	for (i = STATS_SLOT_WORKER0; i < end; i++) {
		s = &stats_seg->slots[i];
		if (s == stats_self || atomic_load_explicit(&s->role,
		    memory_order_relaxed) != STATS_ROLE_WORKER)
			continue;
		v = stats_load(&s->gauges[STATS_GAUGE_CONNECTIONS]);
		if (v == STATS_NOT_ACCEPTING)
			continue;
		if (n == 0 || v < *fewest)
			*fewest = v;
		n++;
	}
	return n;
}

static size_t
stats_nslots(struct stats_slot **first)
{
	if (stats_seg == NULL) {
		*first = &stats_local;
		return 1;
	}
	*first = stats_seg->slots;
	return STATS_SLOTS;
}

uint64_t
stats_counter_total(enum stats_counter c)
{
	struct stats_slot	*s;
	size_t			 i, n;
	uint64_t		 sum = 0;

	if ((unsigned)c >= STATS_NCOUNTERS)
		return 0;
	n = stats_nslots(&s);
	for (i = 0; i < n; i++)
		sum = stats_sat_add(sum, stats_load(&s[i].counters[c]));
	return sum;
}

static void
stats_render_counter(struct buf *b, const char *name, const char *help,
    const char *const labels[], const enum stats_counter counters[],
    size_t n)
{
	size_t	 i;

	buf_printf(b, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
	for (i = 0; i < n; i++) {
		if (labels == NULL)
			buf_printf(b, "%s %" PRIu64 "\n", name,
			    stats_counter_total(counters[i]));
		else
			buf_printf(b, "%s{%s} %" PRIu64 "\n", name, labels[i],
			    stats_counter_total(counters[i]));
	}
}

static void
stats_render_single(struct buf *b, const char *name, const char *help,
    enum stats_counter c)
{
	stats_render_counter(b, name, help, NULL, &c, 1);
}

static void
stats_render_requests(struct buf *b, struct stats_slot *s, size_t n)
{
	const char	*name = "guardian_http_requests_total";
	uint64_t	 v;
	size_t		 e, c, i;

	buf_printf(b, "# HELP %s HTTP requests by endpoint and status code.\n"
	    "# TYPE %s counter\n", name, name);
	for (e = 0; e < STATS_NENDPOINTS; e++) {
		for (c = 0; c < STATS_NCODES; c++) {
			v = 0;
			for (i = 0; i < n; i++)
				v = stats_sat_add(v,
				    stats_load(&s[i].requests[e][c]));
			if (v == 0)
				continue;
			if (c < STATS_NCODES - 1)
				buf_printf(b, "%s{endpoint=\"%s\",code=\"%d\"} "
				    "%" PRIu64 "\n", name,
				    stats_endpoint_names[e], stats_codes[c], v);
			else
				buf_printf(b, "%s{endpoint=\"%s\","
				    "code=\"other\"} %" PRIu64 "\n", name,
				    stats_endpoint_names[e], v);
		}
	}
}

static void
stats_render_histogram(struct buf *b, struct stats_slot *s, size_t n)
{
	const char	*name = "guardian_http_request_duration_seconds";
	const char	*ep;
	uint64_t	 cum, v, sum;
	size_t		 e, k, i;

	buf_printf(b, "# HELP %s HTTP request latency by endpoint.\n"
	    "# TYPE %s histogram\n", name, name);
	for (e = 0; e < STATS_NENDPOINTS; e++) {
		ep = stats_endpoint_names[e];
		cum = 0;
		for (k = 0; k <= STATS_NBUCKETS; k++) {
			v = 0;
			for (i = 0; i < n; i++)
				v = stats_sat_add(v,
				    stats_load(&s[i].buckets[e][k]));
			cum = stats_sat_add(cum, v);
			buf_printf(b, "%s_bucket{endpoint=\"%s\",le=\"%s\"} "
			    "%" PRIu64 "\n", name, ep,
			    k < STATS_NBUCKETS ? stats_bucket_le[k] : "+Inf",
			    cum);
		}
		sum = 0;
		for (i = 0; i < n; i++)
			sum = stats_sat_add(sum, stats_load(&s[i].sum_usec[e]));
		buf_printf(b, "%s_sum{endpoint=\"%s\"} %" PRIu64 ".%06" PRIu64
		    "\n", name, ep, sum / 1000000, sum % 1000000);
		buf_printf(b, "%s_count{endpoint=\"%s\"} %" PRIu64 "\n", name,
		    ep, cum);
	}
}

static void
stats_render_memory(struct buf *b, struct stats_slot *s, size_t n)
{
	const char	*name = "guardian_process_resident_memory_bytes";
	uint32_t	 role;
	size_t		 i;

	buf_printf(b, "# HELP %s Resident memory of each process.\n"
	    "# TYPE %s gauge\n", name, name);
	for (i = 0; i < n; i++) {
		role = atomic_load_explicit(&s[i].role, memory_order_relaxed);
		/* The master wrote it, but a worker may have scribbled. */
		if (role == STATS_ROLE_NONE || role >= STATS_NROLES)
			continue;
		buf_printf(b, "%s{role=\"%s\",slot=\"%zu\"} %" PRIu64 "\n",
		    name, stats_role_names[role], i,
		    stats_load(&s[i].gauges[STATS_GAUGE_RSS_BYTES]));
	}
}

/* Open HTTP connections of each worker that accepts them. */
static void
stats_render_connections(struct buf *b, struct stats_slot *s, size_t n)
{
	const char	*name = "guardian_http_connections";
	uint64_t	 v;
	size_t		 i;

	buf_printf(b, "# HELP %s Open HTTP connections of each accepting "
	    "worker.\n# TYPE %s gauge\n", name, name);
	for (i = 0; i < n; i++) {
		if (atomic_load_explicit(&s[i].role, memory_order_relaxed) !=
		    STATS_ROLE_WORKER ||
		    (v = stats_load(&s[i].gauges[STATS_GAUGE_CONNECTIONS])) ==
		    STATS_NOT_ACCEPTING)
			continue;
		buf_printf(b, "%s{slot=\"%zu\"} %" PRIu64 "\n", name, i, v);
	}
}

/* Only the learner sets it; a sum also covers local storage (tests). */
static void
stats_render_outbox(struct buf *b, struct stats_slot *s, size_t n)
{
	const char	*name = "guardian_report_outbox_depth";
	uint64_t	 v = 0;
	size_t		 i;

	for (i = 0; i < n; i++)
		v = stats_sat_add(v,
		    stats_load(&s[i].gauges[STATS_GAUGE_OUTBOX_DEPTH]));
	buf_printf(b, "# HELP %s Reports waiting in the outbox for the "
	    "Oracle.\n# TYPE %s gauge\n%s %" PRIu64 "\n", name, name, name, v);
}

int
stats_render(struct buf *b)
{
	static const char *const oracle_labels[] = {
		"type=\"complete\"", "type=\"partial\""
	};
	static const enum stats_counter oracle_counters[] = {
		STATS_ORACLE_MATCH_COMPLETE, STATS_ORACLE_MATCH_PARTIAL
	};
	static const char *const cache_labels[] = {
		"result=\"positive\"", "result=\"negative\""
	};
	static const enum stats_counter cache_counters[] = {
		STATS_CACHE_HIT_POSITIVE, STATS_CACHE_HIT_NEGATIVE
	};
	static const char *const report_labels[] = {
		"type=\"spam\"", "type=\"ham\"", "type=\"duplicate\""
	};
	static const enum stats_counter report_counters[] = {
		STATS_REPORTS_SPAM, STATS_REPORTS_HAM, STATS_REPORTS_DUPLICATE
	};
	struct stats_slot	*s;
	size_t			 n;

	n = stats_nslots(&s);
	stats_render_single(b, "mailuminati_guardian_scanned_total",
	    "Total number of scanned emails.", STATS_SCANNED);
	stats_render_single(b, "mailuminati_guardian_local_match_total",
	    "Total number of local spam matches.", STATS_LOCAL_MATCH);
	stats_render_counter(b, "mailuminati_guardian_oracle_match_total",
	    "Total number of Oracle verdicts by type.", oracle_labels,
	    oracle_counters, 2);
	stats_render_counter(b, "mailuminati_guardian_cache_hits_total",
	    "Total number of Oracle cache hits by result.", cache_labels,
	    cache_counters, 2);
	stats_render_requests(b, s, n);
	stats_render_histogram(b, s, n);
	stats_render_counter(b, "guardian_reports_total",
	    "Reports applied by type; duplicates were ignored.",
	    report_labels, report_counters, 3);
	stats_render_single(b, "guardian_redis_errors_total",
	    "Redis errors seen by the learner.", STATS_REDIS_ERRORS);
	stats_render_single(b, "guardian_lookup_timeouts_total",
	    "Worker requests that gave up waiting for the learner.",
	    STATS_LOOKUP_TIMEOUTS);
	stats_render_single(b, "guardian_worker_restarts_total",
	    "Workers that died and were replaced.", STATS_WORKER_RESTARTS);
	stats_render_single(b, "guardian_child_restarts_total",
	    "Learner and oracle-proxy processes that died and were replaced.",
	    STATS_CHILD_RESTARTS);
	stats_render_single(b, "guardian_sandbox_kills_total",
	    "Processes stopped by their seccomp filter.", STATS_SANDBOX_KILLS);
	stats_render_outbox(b, s, n);
	stats_render_memory(b, s, n);
	stats_render_connections(b, s, n);
	return buf_failed(b) ? -1 : 0;
}
