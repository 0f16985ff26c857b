#ifndef GUARDIAN_LEARNER_STATS_REPORT_H
#define GUARDIAN_LEARNER_STATS_REPORT_H
/*
 * POST /stats every ORACLE_STATS_INTERVAL seconds (upstream statsWorker,
 * spec 5): upstream's six counters as counts since the last post the
 * Oracle accepted (2xx).  The counts come from the shared counters
 * (common/stats.h); what was delivered is remembered as a snapshot, so a
 * failed post is simply retried with the accumulated counts at the next
 * tick.  Nothing is posted while every count is zero, as upstream.
 */
#include <stdint.h>

struct event_base;

#define STATS_REPORT_NFIELDS	6

/* Upstream's field names, in the order of stats_report_counts(). */
extern const char *const stats_report_fields[STATS_REPORT_NFIELDS];

/* The current totals of the counters behind the fields. */
void	stats_report_counts(uint64_t out[STATS_REPORT_NFIELDS]);
/*
 * The /stats body for the counts since delivered (node_id, then the six
 * fields), or NULL when all are zero or out of memory.  free() it.
 */
char	*stats_report_body(const char *node_id,
	    const uint64_t now[STATS_REPORT_NFIELDS],
	    const uint64_t delivered[STATS_REPORT_NFIELDS]);
/* Starts the schedule (ORACLE_ENABLED only). */
void	stats_report_start(struct event_base *);

#endif
