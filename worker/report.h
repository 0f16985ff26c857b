#ifndef GUARDIAN_WORKER_REPORT_H
#define GUARDIAN_WORKER_REPORT_H
/*
 * POST /report: validates the JSON body and has the learner learn from
 * the stored scan of that Message-ID and forward the report to the
 * Oracle (through its outbox) unless upstream would skip it.
 */
typedef struct evhtp_request evhtp_request_t;

/* Bodies above this get 413 (upstream reads any size). */
#define REPORT_BODY_MAX		(64 * 1024)

void	report_request(evhtp_request_t *);

#endif
