/*
 * /analyze in the worker.  The digests are computed here (CPU work that
 * scales with the workers); Redis is the learner's.  The exchange:
 *
 *   worker --ANALYZE_REQUEST(start 0)--> learner
 *          <--ANALYZE_REPLY verdict---- (most messages)
 *          <--ANALYZE_REPLY escalate i- (>= 4 mi_f: bands, no cached
 *                                        verdict: ask the Oracle)
 *   worker --ORACLE_REQUEST ANALYZE--> oracle-proxy
 *          <--ORACLE_REPLY------------
 *   worker --ANALYZE_REQUEST(start i+1, the Oracle's answer)--> learner
 *
 * The learner caches a valid Oracle verdict and carries on with the next
 * digest.  The Oracle being unreachable is the ordinary case upstream
 * handles: the digest becomes a partial match (allow, proximity).  Every
 * step waits on the event loop, so other requests go on meanwhile.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <evhtp.h>
#include <glib.h>

#include "buf.h"
#include "common/config.h"
#include "common/stats.h"
#include "log.h"
#include "master/proto.h"
#include "master/proto_analyze.h"
#include "worker/digest/digest.h"
#include "analyze.h"
#include "http.h"
#include "worker.h"

/* The oracle-proxy's own timeout comes first; this is a backstop. */
#define ANALYZE_ORACLE_SLACK_S	2
/* An Oracle answer beyond this is not passed on (upstream's are tiny). */
#define ANALYZE_ORACLE_BODY_MAX	(64 * 1024)

struct analyze {
	char			 request_id[WORKER_REQUEST_ID_SIZE];
	char			 msgid_hash[PROTO_SHA1_HEX + 1];
	struct digest_list	 dl;
	uint32_t		 nlookup;	/* digests sent */
	uint32_t		 index;		/* digest asked about */
	uint32_t		 next;		/* first digest not yet done */
	uint8_t			 flags;
};

static void	analyze_learner_reply(evhtp_request_t *, uint32_t,
		    struct msg_reader *, void *);

static void
analyze_free(struct analyze *an)
{
	digest_list_free(&an->dl);
	free(an);
}

void
analyze_json_word(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '<')
			buf_puts(b, "\\u003c");
		else if (*s == '>')
			buf_puts(b, "\\u003e");
		else if (*s == '&')
			buf_puts(b, "\\u0026");
		else
			buf_putc(b, (unsigned char)*s);
	}
	buf_putc(b, '"');
}

static const char *const analyze_source_name[PROTO_MATCH_NSOURCES] = {
	"", "local", "oracle_cache", "oracle_cache_proximity", "oracle"
};

/* Upstream's fields in upstream's order, then ours. */
static void
analyze_reply(evhtp_request_t *req, struct analyze *an,
    const struct proto_analyze_reply *a, int paused)
{
	struct buf	b;
	size_t		i;

	buf_init(&b, 0);
	buf_puts(&b, "{\"action\":");
	analyze_json_word(&b, a->action);
	if (a->label[0] != '\0') {
		buf_puts(&b, ",\"label\":");
		analyze_json_word(&b, a->label);
	}
	buf_printf(&b, ",\"proximity_match\":%s",
	    a->flags & PROTO_ANALYZE_F_PROXIMITY ? "true" : "false");
	if (a->flags & PROTO_ANALYZE_F_DISTANCE)
		buf_printf(&b, ",\"distance\":%u", a->distance);
	if (an->dl.count > 0) {
		buf_puts(&b, ",\"hashes\":[");
		for (i = 0; i < an->dl.count; i++)
			buf_printf(&b, "%s\"%s\"", i > 0 ? "," : "",
			    an->dl.digest[i]);
		buf_putc(&b, ']');
	}
	if (a->source != PROTO_MATCH_NONE && a->index < an->nlookup) {
		buf_printf(&b, ",\"match\":{\"source\":\"%s\",\"digest\":\"%s\","
		    "\"matched\":\"%s\",\"distance\":%u",
		    analyze_source_name[a->source], an->dl.digest[a->index],
		    a->matched, a->match_distance);
		if (a->flags & PROTO_ANALYZE_F_SCORE)
			buf_printf(&b, ",\"score\":%lld", (long long)a->score);
		if (a->flags & PROTO_ANALYZE_F_BANDS)
			buf_printf(&b, ",\"bands\":%u", a->bands);
		buf_putc(&b, '}');
	}
	buf_printf(&b, ",\"request_id\":\"%s\"", an->request_id);
	if (a->flags & PROTO_ANALYZE_F_DEGRADED)
		buf_puts(&b, ",\"degraded\":true");
	buf_putc(&b, '}');
	if (buf_failed(&b))
		http_reply_error(req, 500, "internal error");
	else
		http_reply_json(req, 200, (const char *)b.data);
	if (paused)
		evhtp_request_resume(req);
	buf_free(&b);
}

/* The learner cannot be reached: fail open, as upstream does. */
static void
analyze_fail_open(evhtp_request_t *req, struct analyze *an)
{
	struct proto_analyze_reply	a;

	log_kv(LOG_WARNING, "Analysis without lookups (learner unavailable)",
	    "request_id", an->request_id, "message_id_hash", an->msgid_hash,
	    NULL);
	memset(&a, 0, sizeof(a));
	a.kind = PROTO_ANALYZE_VERDICT;
	a.flags = PROTO_ANALYZE_F_DEGRADED | (an->flags &
	    PROTO_ANALYZE_F_PROXIMITY);
	snprintf(a.action, sizeof(a.action), "allow");
	analyze_reply(req, an, &a, 1);
}

static int
analyze_send(evhtp_request_t *req, struct analyze *an, uint32_t start,
    uint8_t oracle, uint32_t status, const void *body, size_t len)
{
	struct proto_analyze_request	 q;
	struct msg			 m;
	int				 rc;

	memset(&q, 0, sizeof(q));
	memcpy(q.request_id, an->request_id, sizeof(an->request_id));
	memcpy(q.msgid_hash, an->msgid_hash, sizeof(an->msgid_hash));
	q.start = start;
	q.flags = an->flags;
	q.oracle = oracle;
	q.oracle_status = status;
	q.oracle_body = body;
	q.oracle_len = len;
	q.ndigests = an->nlookup;
	q.digests = an->dl.digest;
	msg_init(&m);
	rc = proto_analyze_request_encode(&m, &q);
	if (rc == 0)
		rc = worker_ask(WORKER_LEARNER, PROTO_ANALYZE_REQUEST, &m,
		    WORKER_PEER_TIMEOUT_S, req, analyze_learner_reply, an);
	msg_free(&m);
	return rc;
}

static void
analyze_oracle_reply(evhtp_request_t *req, uint32_t type,
    struct msg_reader *r, void *arg)
{
	struct analyze	*an = arg;
	const void	*body = "";
	size_t		 len = 0;
	uint32_t	 status = 0;
	uint8_t		 outcome = PROTO_ORACLE_UNAVAILABLE;

	if (req == NULL) {
		analyze_free(an);
		return;
	}
	if (r != NULL && type == PROTO_ORACLE_REPLY &&
	    (msg_get_u8(r, &outcome) == -1 || msg_get_u32(r, &status) == -1 ||
	    msg_get_data(r, &body, &len) == -1 || msg_end(r) == -1)) {
		log_warnx("%s: malformed ORACLE_REPLY", __func__);
		outcome = PROTO_ORACLE_UNAVAILABLE;
		body = "";
		len = 0;
	}
	if (len > ANALYZE_ORACLE_BODY_MAX) {
		outcome = PROTO_ORACLE_UNAVAILABLE;
		body = "";
		len = 0;
	}
	if (analyze_send(req, an, an->index + 1, (uint8_t)(1 + outcome),
	    status, body, len) == -1) {
		analyze_fail_open(req, an);
		analyze_free(an);
	}
}

/*
 * Escalation: the only place /analyze calls the Oracle.  Its answer,
 * whatever it is, goes back to the learner, which decides what it means
 * (upstream's callOracleDecision).
 */
static void
analyze_ask_oracle(evhtp_request_t *req, struct analyze *an,
    const struct proto_analyze_reply *a)
{
	struct buf	 body;
	struct msg	 m;
	int		 rc = -1;

	an->index = a->index;
	an->next = a->index + 1;
	an->flags = a->flags & (PROTO_ANALYZE_F_PROXIMITY |
	    PROTO_ANALYZE_F_DEGRADED);
	buf_init(&body, 0);
	buf_puts(&body, "{\"node_id\":");
	analyze_json_word(&body, a->node_id);
	buf_printf(&body, ",\"email_body_hash\":\"%s\"}",
	    an->dl.digest[a->index]);
	msg_init(&m);
	msg_add_u8(&m, PROTO_ORACLE_ANALYZE);
	msg_add_data(&m, body.data, body.len);
	if (!buf_failed(&body) && !msg_failed(&m))
		rc = worker_ask(WORKER_ORACLE, PROTO_ORACLE_REQUEST, &m,
		    (unsigned int)worker_config()->oracle_timeout +
		    ANALYZE_ORACLE_SLACK_S, req, analyze_oracle_reply, an);
	msg_free(&m);
	buf_free(&body);
	if (rc == 0)
		return;
	/* No oracle-proxy: the same as an unreachable Oracle. */
	if (analyze_send(req, an, an->index + 1,
	    1 + PROTO_ORACLE_UNAVAILABLE, 0, "", 0) == -1) {
		analyze_fail_open(req, an);
		analyze_free(an);
	}
}

static void
analyze_learner_reply(evhtp_request_t *req, uint32_t type,
    struct msg_reader *r, void *arg)
{
	struct analyze			*an = arg;
	struct proto_analyze_reply	 a;

	if (req == NULL) {
		analyze_free(an);
		return;
	}
	if (r == NULL || type != PROTO_ANALYZE_REPLY ||
	    proto_analyze_reply_decode(r, &a) == -1 ||
	    a.index >= (an->nlookup > 0 ? an->nlookup : 1)) {
		if (r != NULL)
			log_warnx("%s: malformed ANALYZE_REPLY", __func__);
		analyze_fail_open(req, an);
		analyze_free(an);
		return;
	}
	/* Each escalation must move on, so the exchange ends. */
	if (a.kind == PROTO_ANALYZE_ESCALATE && a.index < an->nlookup &&
	    a.index >= an->next) {
		analyze_ask_oracle(req, an, &a);
		return;
	}
	if (a.kind == PROTO_ANALYZE_ESCALATE) {
		log_warnx("%s: escalation does not move on", __func__);
		analyze_fail_open(req, an);
		analyze_free(an);
		return;
	}
	analyze_reply(req, an, &a, 1);
	analyze_free(an);
}

static void
analyze_msgid_hash(const char *msgid, char out[PROTO_SHA1_HEX + 1])
{
	gchar	*hex;

	out[0] = '\0';
	if (msgid == NULL || *msgid == '\0')
		return;
	/* Upstream hashes the header value as parsed, brackets and all. */
	if ((hex = g_compute_checksum_for_string(G_CHECKSUM_SHA1, msgid,
	    -1)) == NULL)
		return;
	snprintf(out, PROTO_SHA1_HEX + 1, "%s", hex);
	g_free(hex);
}

void
analyze_request(evhtp_request_t *req)
{
	struct analyze	*an;
	char		 err[256];
	size_t		 len;
	uint8_t		*raw;

	/* Upstream counts every call, before the method check. */
	stats_add(STATS_SCANNED, 1);
	if (evhtp_request_get_method(req) != htp_method_POST) {
		evhtp_headers_add_header(req->headers_out,
		    evhtp_header_new("Allow", "POST", 0, 0));
		http_reply_error(req, 405, "POST required");
		return;
	}
	if ((an = calloc(1, sizeof(*an))) == NULL) {
		http_reply_error(req, 500, "internal error");
		return;
	}
	worker_request_id(an->request_id);
	evhtp_headers_add_header(req->headers_out,
	    evhtp_header_new("X-Request-Id", an->request_id, 0, 1));
	len = evbuffer_get_length(req->buffer_in);
	raw = len > 0 ? evbuffer_pullup(req->buffer_in, -1) : NULL;
	if (digest_message(raw != NULL ? raw : (const uint8_t *)"", len,
	    &an->dl, err, sizeof(err)) == -1) {
		log_kv(LOG_INFO, "Invalid MIME", "request_id", an->request_id,
		    "reason", err, NULL);
		http_reply_error(req, 400, "Invalid MIME");
		free(an);
		return;
	}
	an->nlookup = an->dl.count > PROTO_ANALYZE_MAX_DIGESTS ?
	    PROTO_ANALYZE_MAX_DIGESTS : (uint32_t)an->dl.count;
	analyze_msgid_hash(an->dl.message_id, an->msgid_hash);
	if (analyze_send(req, an, 0, PROTO_ANALYZE_ORACLE_NONE, 0, NULL,
	    0) == -1) {
		/* Not paused yet: reply directly. */
		struct proto_analyze_reply	a;

		log_kv(LOG_WARNING, "Analysis without lookups (learner "
		    "unavailable)", "request_id", an->request_id, NULL);
		memset(&a, 0, sizeof(a));
		a.flags = PROTO_ANALYZE_F_DEGRADED;
		snprintf(a.action, sizeof(a.action), "allow");
		analyze_reply(req, an, &a, 0);
		analyze_free(an);
		return;
	}
	evhtp_request_pause(req);
}
