#ifndef GUARDIAN_LEARNER_SYNC_H
#define GUARDIAN_LEARNER_SYNC_H
/*
 * The mi_f: mirror of the Oracle's band set (upstream syncWorker, spec
 * 5): POST /sync at start and every ORACLE_SYNC_INTERVAL seconds with
 * jitter, through the oracle-proxy.  Differences from upstream
 * (docs/oracle.md):
 *   - a delta is checked whole before anything is written: one band that
 *     is not "<1..20>:<6 upper-case hex>" or one unknown op rejects it;
 *   - mi_meta:v moves only once every write of the update succeeded;
 *   - RESET_DB keeps the old mirror: the full set is fetched at once
 *     (current_seq 0), written, and only then are the bands it lacks
 *     deleted (SCAN mi_f:*), so lookups never see an empty mirror;
 *   - a 304 is a quiet no-op; failures back off (interval x 1, 2, 4, 8);
 *     one sync at a time.
 */
struct event_base;

/* 1 if s is a band as the Oracle must send it: "<1..20>:<6 hex>". */
int	sync_band_valid(const char *);
/* Starts the schedule (ORACLE_ENABLED only); the first sync runs soon. */
void	sync_start(struct event_base *);

#endif
