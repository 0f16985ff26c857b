/*
 * Encoders and validating decoders of the analyze and report payloads
 * (layouts in proto_analyze.h).
 */
#include <stdlib.h>
#include <string.h>

#include "proto_analyze.h"

int
proto_digest_valid(const char *s)
{
	size_t	i;

	if (strlen(s) != TLSH_STRING_LEN || s[0] != 'T' || s[1] != '1')
		return 0;
	for (i = 2; i < TLSH_STRING_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return 1;
}

static int
proto_sha1_valid(const char *s, int empty_ok)
{
	size_t	i, len = strlen(s);

	if (len == 0)
		return empty_ok;
	if (len != PROTO_SHA1_HEX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* Identifiers and verdict words: printable ASCII, no quote or backslash. */
static int
proto_text_valid(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\')
			return 0;
	return 1;
}

static int
proto_get_digests(struct msg_reader *r, uint32_t *np,
    char (**out)[TLSH_STRING_SIZE])
{
	char		(*d)[TLSH_STRING_SIZE];
	uint32_t	  n, i;

	*out = NULL;
	if (msg_get_u32(r, &n) == -1 || n > PROTO_ANALYZE_MAX_DIGESTS)
		return -1;
	if (n == 0) {
		*np = 0;
		return 0;
	}
	if ((d = calloc(n, sizeof(*d))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (msg_get_strbuf(r, d[i], sizeof(d[i])) == -1 ||
		    !proto_digest_valid(d[i])) {
			free(d);
			return -1;
		}
	*np = n;
	*out = d;
	return 0;
}

static void
proto_add_digests(struct msg *m, uint32_t n,
    char (*digests)[TLSH_STRING_SIZE])
{
	uint32_t	i;

	msg_add_u32(m, n);
	for (i = 0; i < n; i++)
		msg_add_str(m, digests[i]);
}

int
proto_analyze_request_encode(struct msg *m,
    const struct proto_analyze_request *q)
{
	msg_add_str(m, q->request_id);
	msg_add_str(m, q->msgid_hash);
	msg_add_u32(m, q->start);
	msg_add_u8(m, q->flags);
	msg_add_u8(m, q->oracle);
	msg_add_u32(m, q->oracle_status);
	msg_add_data(m, q->oracle_body != NULL ? q->oracle_body : "",
	    q->oracle_body != NULL ? q->oracle_len : 0);
	proto_add_digests(m, q->ndigests, q->digests);
	return msg_failed(m) ? -1 : 0;
}

int
proto_analyze_request_decode(struct msg_reader *r,
    struct proto_analyze_request *q)
{
	memset(q, 0, sizeof(*q));
	if (msg_get_strbuf(r, q->request_id, sizeof(q->request_id)) == -1 ||
	    msg_get_strbuf(r, q->msgid_hash, sizeof(q->msgid_hash)) == -1 ||
	    msg_get_u32(r, &q->start) == -1 ||
	    msg_get_u8(r, &q->flags) == -1 ||
	    msg_get_u8(r, &q->oracle) == -1 ||
	    msg_get_u32(r, &q->oracle_status) == -1 ||
	    msg_get_data(r, &q->oracle_body, &q->oracle_len) == -1 ||
	    proto_get_digests(r, &q->ndigests, &q->digests) == -1)
		return -1;
	if (msg_end(r) == -1 || !proto_text_valid(q->request_id) ||
	    !proto_sha1_valid(q->msgid_hash, 1) || q->start > q->ndigests ||
	    (q->start == 0) != (q->oracle == PROTO_ANALYZE_ORACLE_NONE)) {
		proto_analyze_request_free(q);
		return -1;
	}
	return 0;
}

void
proto_analyze_request_free(struct proto_analyze_request *q)
{
	free(q->digests);
	q->digests = NULL;
	q->ndigests = 0;
}

int
proto_analyze_reply_encode(struct msg *m, const struct proto_analyze_reply *a)
{
	msg_add_u8(m, a->kind);
	msg_add_u8(m, a->flags);
	msg_add_str(m, a->action);
	msg_add_str(m, a->label);
	msg_add_u32(m, a->distance);
	msg_add_u32(m, a->index);
	msg_add_u8(m, a->source);
	msg_add_str(m, a->matched);
	msg_add_u32(m, a->match_distance);
	msg_add_u64(m, (uint64_t)a->score);
	msg_add_u32(m, a->bands);
	msg_add_str(m, a->node_id);
	return msg_failed(m) ? -1 : 0;
}

int
proto_analyze_reply_decode(struct msg_reader *r, struct proto_analyze_reply *a)
{
	uint64_t	score;

	memset(a, 0, sizeof(*a));
	if (msg_get_u8(r, &a->kind) == -1 || msg_get_u8(r, &a->flags) == -1 ||
	    msg_get_strbuf(r, a->action, sizeof(a->action)) == -1 ||
	    msg_get_strbuf(r, a->label, sizeof(a->label)) == -1 ||
	    msg_get_u32(r, &a->distance) == -1 ||
	    msg_get_u32(r, &a->index) == -1 ||
	    msg_get_u8(r, &a->source) == -1 ||
	    msg_get_strbuf(r, a->matched, sizeof(a->matched)) == -1 ||
	    msg_get_u32(r, &a->match_distance) == -1 ||
	    msg_get_u64(r, &score) == -1 || msg_get_u32(r, &a->bands) == -1 ||
	    msg_get_strbuf(r, a->node_id, sizeof(a->node_id)) == -1 ||
	    msg_end(r) == -1)
		return -1;
	a->score = (int64_t)score;
	if ((a->kind != PROTO_ANALYZE_VERDICT &&
	    a->kind != PROTO_ANALYZE_ESCALATE) ||
	    a->source >= PROTO_MATCH_NSOURCES ||
	    !proto_text_valid(a->action) || !proto_text_valid(a->label) ||
	    !proto_text_valid(a->node_id) ||
	    (a->matched[0] != '\0' && !proto_digest_valid(a->matched)))
		return -1;
	return 0;
}

int
proto_report_request_encode(struct msg *m,
    const struct proto_report_request *q)
{
	msg_add_str(m, q->request_id);
	msg_add_str(m, q->msgid_hash);
	msg_add_u8(m, q->type);
	return msg_failed(m) ? -1 : 0;
}

int
proto_report_request_decode(struct msg_reader *r,
    struct proto_report_request *q)
{
	memset(q, 0, sizeof(*q));
	if (msg_get_strbuf(r, q->request_id, sizeof(q->request_id)) == -1 ||
	    msg_get_strbuf(r, q->msgid_hash, sizeof(q->msgid_hash)) == -1 ||
	    msg_get_u8(r, &q->type) == -1 || msg_end(r) == -1)
		return -1;
	if (!proto_text_valid(q->request_id) ||
	    !proto_sha1_valid(q->msgid_hash, 0) ||
	    (q->type != PROTO_REPORT_SPAM && q->type != PROTO_REPORT_HAM))
		return -1;
	return 0;
}

int
proto_report_reply_encode(struct msg *m, const struct proto_report_reply *a)
{
	msg_add_u8(m, a->result);
	msg_add_u8(m, a->known_locally);
	msg_add_u8(m, a->oracle);
	msg_add_u32(m, a->status);
	msg_add_data(m, a->len > 0 ? a->body : "", a->len);
	return msg_failed(m) ? -1 : 0;
}

int
proto_report_reply_decode(struct msg_reader *r, struct proto_report_reply *a)
{
	const void	*body;
	size_t		 len;

	memset(a, 0, sizeof(*a));
	if (msg_get_u8(r, &a->result) == -1 ||
	    msg_get_u8(r, &a->known_locally) == -1 ||
	    msg_get_u8(r, &a->oracle) == -1 ||
	    msg_get_u32(r, &a->status) == -1 ||
	    msg_get_data(r, &body, &len) == -1 || msg_end(r) == -1)
		return -1;
	if (a->result < PROTO_REPORT_APPLIED ||
	    a->result > PROTO_REPORT_OUTBOX_FULL ||
	    a->oracle > PROTO_REPORT_ORACLE_DISABLED ||
	    (a->oracle != PROTO_REPORT_ORACLE_NONE) !=
	    (a->result == PROTO_REPORT_APPLIED) ||
	    len > PROTO_REPORT_BODY_MAX)
		return -1;
	if (a->oracle == PROTO_REPORT_ORACLE_RELAYED) {
		if (a->status < 100 || a->status > 599)
			return -1;
		if (len > 0) {
			if ((a->body = malloc(len)) == NULL)
				return -1;
			memcpy(a->body, body, len);
			a->len = len;
		}
	} else if (a->status != 0 || len != 0)
		return -1;
	return 0;
}

void
proto_report_reply_free(struct proto_report_reply *a)
{
	free(a->body);
	a->body = NULL;
	a->len = 0;
}
