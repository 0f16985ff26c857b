/*
 * /report in the worker.  Parsing and validation happen here; learning
 * and the Oracle forwarding (through the durable outbox) in the learner
 * (REPORT_REQUEST).  Upstream's answers are kept: 409 duplicate, 404
 * unknown Message-ID, 400 no hashes, 200 skipped_oracle, the Oracle's
 * status and body relayed.  Where upstream answers 503 and loses the
 * report, the report is queued and the answer is 202 {"status":"queued"}
 * (503 only when the outbox is off, or full: then before learning).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <evhtp.h>
#include <glib.h>
#include <jansson.h>

#include "log.h"
#include "master/proto.h"
#include "master/proto_analyze.h"
#include "http.h"
#include "report.h"
#include "worker.h"

/*
 * The learner answers once the outbox knows what became of the report:
 * at most 8 s after learning (learner/outbox.c).  This is a backstop.
 */
#define REPORT_LEARNER_TIMEOUT_S	15

struct report {
	char	request_id[WORKER_REQUEST_ID_SIZE];
	char	msgid_hash[PROTO_SHA1_HEX + 1];
	uint8_t	type;
};

static const char *
report_type_name(uint8_t type)
{
	return type == PROTO_REPORT_SPAM ? "spam" : "ham";
}

static void
report_relay(evhtp_request_t *req, int status, const void *body, size_t len)
{
	evhtp_headers_add_header(req->headers_out,
	    evhtp_header_new("Content-Type", "application/json", 0, 0));
	evbuffer_add(req->buffer_out, body, len);
	evhtp_send_reply(req, (evhtp_res)status);
	evhtp_request_resume(req);
}

/* What became of the Oracle side of an applied report. */
static void
report_applied(evhtp_request_t *req, struct report *rp,
    const struct proto_report_reply *a)
{
	switch (a->oracle) {
	case PROTO_REPORT_ORACLE_SKIPPED:
		worker_finish(req, 200, "{\"status\":\"skipped_oracle\","
		    "\"reason\":\"known_locally\"}");
		break;
	case PROTO_REPORT_ORACLE_DISABLED:
		worker_finish(req, 200, "{\"status\":\"skipped_oracle\","
		    "\"reason\":\"oracle_disabled\"}");
		break;
	case PROTO_REPORT_ORACLE_RELAYED:
		report_relay(req, (int)a->status, a->body != NULL ? a->body :
		    "", a->len);
		break;
	case PROTO_REPORT_ORACLE_QUEUED:
		log_kv(LOG_WARNING, "Oracle report queued", "request_id",
		    rp->request_id, "type", report_type_name(rp->type),
		    "message_id_hash", rp->msgid_hash, NULL);
		worker_finish(req, 202, "{\"status\":\"queued\"}");
		break;
	default:
		log_kv(LOG_WARNING, "Oracle report failed", "request_id",
		    rp->request_id, "type", report_type_name(rp->type),
		    "message_id_hash", rp->msgid_hash, NULL);
		worker_finish(req, 503, "{\"error\":\"Oracle unreachable\"}");
		break;
	}
}

static void
report_learner_reply(evhtp_request_t *req, uint32_t type,
    struct msg_reader *r, void *arg)
{
	struct report			*rp = arg;
	struct proto_report_reply	 a;

	if (req == NULL) {
		free(rp);
		return;
	}
	if (r == NULL || type != PROTO_REPORT_REPLY ||
	    proto_report_reply_decode(r, &a) == -1) {
		if (r != NULL)
			log_warnx("%s: malformed REPORT_REPLY", __func__);
		worker_finish(req, 503, "{\"error\":\"Redis unavailable\"}");
		free(rp);
		return;
	}
	switch (a.result) {
	case PROTO_REPORT_APPLIED:
		report_applied(req, rp, &a);
		break;
	case PROTO_REPORT_DUPLICATE:
		worker_finish(req, 409, "{\"status\":\"duplicate\","
		    "\"message\":\"Already reported\"}");
		break;
	case PROTO_REPORT_NOT_FOUND:
		worker_finish(req, 404, "{\"error\":\"No scan data found\"}");
		break;
	case PROTO_REPORT_NO_HASHES:
		worker_finish(req, 400, "{\"error\":\"No hashes to report\"}");
		break;
	case PROTO_REPORT_OUTBOX_FULL:
		worker_finish(req, 503, "{\"error\":\"report outbox full\"}");
		break;
	default:
		worker_finish(req, 500, "{\"error\":\"Redis error\"}");
		break;
	}
	proto_report_reply_free(&a);
	free(rp);
}

/*
 * Upstream decodes {"message-id","report_type"} with Go's decoder:
 * unknown fields ignored, trailing data ignored.  Stricter here:
 * duplicate keys are refused (a second "message-id" would report another
 * message), and the type must be spam or ham.
 */
static int
report_parse(const char *body, size_t len, struct report *rp,
    const char **error)
{
	json_t		*root, *id, *type;
	const char	*s;
	char		*msgid;
	gchar		*hex;
	size_t		 n;

	*error = "Invalid JSON body";
	if ((root = json_loadb(body, len, JSON_DISABLE_EOF_CHECK |
	    JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return -1;
	id = json_object_get(root, "message-id");
	type = json_object_get(root, "report_type");
	if (!json_is_object(root) || (id != NULL && !json_is_null(id) &&
	    !json_is_string(id)) || (type != NULL && !json_is_null(type) &&
	    !json_is_string(type)))
		goto bad;
	if (!json_is_string(id) || json_string_length(id) == 0) {
		*error = "Missing message-id";
		goto bad;
	}
	s = json_is_string(type) ? json_string_value(type) : "";
	if (strcmp(s, "spam") == 0)
		rp->type = PROTO_REPORT_SPAM;
	else if (strcmp(s, "ham") == 0)
		rp->type = PROTO_REPORT_HAM;
	else {
		*error = "report_type must be spam or ham";
		goto bad;
	}
	/* Upstream adds the angle brackets the header value carries. */
	s = json_string_value(id);
	n = json_string_length(id);
	if ((msgid = malloc(n + 3)) == NULL)
		goto bad;
	snprintf(msgid, n + 3, "%s%s%s", s[0] == '<' ? "" : "<", s,
	    s[n - 1] == '>' ? "" : ">");
	/* jansson refuses \u0000 by default: no NUL inside. */
	hex = g_compute_checksum_for_string(G_CHECKSUM_SHA1, msgid, -1);
	free(msgid);
	if (hex == NULL)
		goto bad;
	snprintf(rp->msgid_hash, sizeof(rp->msgid_hash), "%s", hex);
	g_free(hex);
	json_decref(root);
	return 0;
 bad:
	json_decref(root);
	return -1;
}

void
report_request(evhtp_request_t *req)
{
	struct proto_report_request	 q;
	struct report			*rp;
	struct msg			 m;
	const char			*error;
	size_t				 len;
	uint8_t				*body;
	int				 rc;

	if (evhtp_request_get_method(req) != htp_method_POST) {
		evhtp_headers_add_header(req->headers_out,
		    evhtp_header_new("Allow", "POST", 0, 0));
		http_reply_error(req, 405, "POST required");
		return;
	}
	len = evbuffer_get_length(req->buffer_in);
	if (len > REPORT_BODY_MAX) {
		evhtp_request_set_keepalive(req, 0);
		http_reply_error(req, 413, "request body too large");
		return;
	}
	if ((rp = calloc(1, sizeof(*rp))) == NULL) {
		http_reply_error(req, 500, "internal error");
		return;
	}
	worker_request_id(rp->request_id);
	evhtp_headers_add_header(req->headers_out,
	    evhtp_header_new("X-Request-Id", rp->request_id, 0, 1));
	body = len > 0 ? evbuffer_pullup(req->buffer_in, -1) : NULL;
	if (report_parse(body != NULL ? (const char *)body : "", len, rp,
	    &error) == -1) {
		http_reply_error(req, 400, error);
		free(rp);
		return;
	}
	memset(&q, 0, sizeof(q));
	memcpy(q.request_id, rp->request_id, sizeof(rp->request_id));
	memcpy(q.msgid_hash, rp->msgid_hash, sizeof(rp->msgid_hash));
	q.type = rp->type;
	msg_init(&m);
	rc = proto_report_request_encode(&m, &q);
	if (rc == 0)
		rc = worker_ask(WORKER_LEARNER, PROTO_REPORT_REQUEST, &m,
		    REPORT_LEARNER_TIMEOUT_S, req, report_learner_reply, rp);
	msg_free(&m);
	if (rc == -1) {
		http_reply_error(req, 503, "Redis unavailable");
		free(rp);
		return;
	}
	evhtp_request_pause(req);
}
