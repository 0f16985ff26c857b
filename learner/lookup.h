#ifndef GUARDIAN_LEARNER_LOOKUP_H
#define GUARDIAN_LEARNER_LOOKUP_H
/*
 * PROTO_ANALYZE_REQUEST: stores the scan record, caches an Oracle verdict
 * the worker brings back, fetches what the decision needs in at most
 * three pipelined round trips (never one per band), decides, applies
 * upstream's TTL refreshes and answers.
 */
#include "ipc.h"

struct learner_req;

/* Before the sandbox: warms up what lookups need from libc. */
void	lookup_init(void);
/* 0: the job owns req and will answer; -1: malformed payload. */
int	lookup_start(struct learner_req *, struct msg_reader *);

#endif
