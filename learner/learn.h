#ifndef GUARDIAN_LEARNER_LEARN_H
#define GUARDIAN_LEARNER_LEARN_H
/*
 * PROTO_REPORT_REQUEST: upstream's local learning from a spam or ham
 * report (spec 4.2) on the digests stored by /analyze, with the
 * de-duplication key set only once the report was applied.  Reports of
 * the same Message-ID and type are serialized: the second one waits for
 * the first and then finds it applied (duplicate).
 */
#include "ipc.h"

struct learner_req;

/* 0: the job owns req and will answer; -1: malformed payload. */
int	learn_start(struct learner_req *, struct msg_reader *);

#endif
