#ifndef GUARDIAN_WORKER_METRICS_H
#define GUARDIAN_WORKER_METRICS_H
/* GET /metrics: Prometheus text format 0.0.4 (common/stats.h). */
typedef struct evhtp_request evhtp_request_t;

void	worker_metrics_request(evhtp_request_t *);

#endif
