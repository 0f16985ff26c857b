#ifndef GUARDIAN_LEARNER_LOOKUP_H
#define GUARDIAN_LEARNER_LOOKUP_H
/*
 * PROTO_ANALYZE_REQUEST: stores the scan record, caches an Oracle verdict
 * the worker brings back, fetches what the decision needs in two
 * pipelined round trips (three when a band set must be read alone; never
 * one per band), decides, applies upstream's TTL refreshes (not repeated
 * within a window, refresh.h) and answers.
 */
#include "ipc.h"

struct learner_req;

/* Before the sandbox: warms up what lookups need from libc. */
void	lookup_init(void);
/* 0: the job owns req and will answer; -1: malformed payload. */
int	lookup_start(struct learner_req *, struct msg_reader *);

#endif
