/*
 * GET /metrics (any method, as upstream): the Prometheus text rendering
 * of the shared statistics segment.  The segment is writable by every
 * worker, so what is rendered is only as trustworthy as the least
 * trusted worker; it never drives a decision.
 */
#include <event2/buffer.h>
#include <evhtp.h>

#include "buf.h"
#include "http.h"
#include "metrics.h"
#include "stats.h"

/* Far above a full render (a few hundred lines) yet bounded. */
#define METRICS_RENDER_MAX	(1024 * 1024)

void
worker_metrics_request(evhtp_request_t *req)
{
	struct buf	 b;

	buf_init(&b, METRICS_RENDER_MAX);
	if (stats_render(&b) == -1) {
		buf_free(&b);
		http_reply_error(req, 500, "metrics unavailable");
		return;
	}
	evhtp_headers_add_header(req->headers_out,
	    evhtp_header_new("Content-Type", STATS_CONTENT_TYPE, 0, 0));
	evhtp_headers_add_header(req->headers_out,
	    evhtp_header_new("Cache-Control", "no-store", 0, 0));
	evbuffer_add(req->buffer_out, b.data, b.len);
	buf_free(&b);
	http_note_status(req, 200);
	evhtp_send_reply(req, EVHTP_RES_OK);
}
