#ifndef GUARDIAN_WORKER_ANALYZE_H
#define GUARDIAN_WORKER_ANALYZE_H
/*
 * POST /analyze: digests the message, asks the learner once (it stores
 * the scan record and decides), asks the Oracle through the oracle-proxy
 * when the learner escalates, and answers upstream's JSON plus the
 * additive "match" and "request_id" fields.
 */
#include <stddef.h>

#include "buf.h"

typedef struct evhtp_request evhtp_request_t;

void	analyze_request(evhtp_request_t *);
/* A validated word as Go writes a JSON string (<, > and & escaped). */
void	analyze_json_word(struct buf *, const char *);

#endif
