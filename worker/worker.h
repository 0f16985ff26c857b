#ifndef GUARDIAN_WORKER_H
#define GUARDIAN_WORKER_H
typedef struct evhtp_request evhtp_request_t;

/* GET /status: asks the learner, replies when it answers. */
void	worker_status_request(evhtp_request_t *);
/* evhtp is freeing req: forget any reply still pending for it. */
void	worker_request_gone(evhtp_request_t *);
/* Exits once draining and nothing is in flight. */
void	worker_check_drained(void);

#endif
