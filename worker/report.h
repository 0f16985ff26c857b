#ifndef GUARDIAN_WORKER_REPORT_H
#define GUARDIAN_WORKER_REPORT_H
/*
 * POST /report: validates the JSON body, has the learner learn from the
 * stored scan of that Message-ID, then forwards the report to the Oracle
 * through the oracle-proxy unless upstream would skip it.
 */
typedef struct evhtp_request evhtp_request_t;

/* Bodies above this get 413 (upstream reads any size). */
#define REPORT_BODY_MAX		(64 * 1024)

void	report_request(evhtp_request_t *);

#endif
