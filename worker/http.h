#ifndef GUARDIAN_WORKER_HTTP_H
#define GUARDIAN_WORKER_HTTP_H
/*
 * The worker's HTTP front: evhtp on the inherited listeners, limits that
 * upstream lacks (timeouts, connections per worker, body size), routing,
 * the optional bearer token and JSON error bodies.
 */
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct guardian_config;
typedef struct evhtp_request evhtp_request_t;

int	http_init(struct event_base *, const struct guardian_config *,
	    int tcp_fd, int unix_fd, char *err, size_t errlen);
/* Graceful stop: no new connections; in-flight requests finish. */
void	http_stop_accepting(void);
/* Requests received and not yet answered. */
unsigned int	http_inflight(void);

/* Replies (status, JSON body) and finishes a request. */
void	http_reply_json(evhtp_request_t *, int status, const char *json);
void	http_reply_error(evhtp_request_t *, int status, const char *message);
/* Records the status sent for /metrics; the two above call it. */
void	http_note_status(evhtp_request_t *, int status);

#endif
