#ifndef GUARDIAN_PROTO_ANALYZE_H
#define GUARDIAN_PROTO_ANALYZE_H
/*
 * Payloads of the analyze and report messages between a worker and the
 * learner, built and read in one place so both sides agree.  Every
 * decoder is bounded and validates what it reads (digest format, hex
 * hashes, printable identifiers): a payload that does not decode is a
 * protocol violation by the sender.
 *
 * PROTO_ANALYZE_REQUEST (worker -> learner):
 *   str request id | str Message-ID SHA-1 hex or "" | u32 start |
 *   u8 flags | u8 oracle outcome | u32 oracle HTTP status |
 *   data oracle body | u32 n | n x str digest
 * "start" is 0 for a new message (the learner then stores the scan
 * record); after an escalation the worker sends the same digests again
 * with start = the asked digest + 1 and the Oracle's answer about
 * digests[start - 1] (outcome PROTO_ANALYZE_ORACLE_NONE when start is 0).
 *
 * PROTO_ANALYZE_REPLY (learner -> worker):
 *   u8 kind | u8 flags | str action | str label | u32 distance |
 *   u32 index | u8 source | str matched | u32 match distance |
 *   u64 score | u32 bands | str node id
 * kind ESCALATE asks the worker to query the Oracle about digests[index]
 * and come back; kind VERDICT is final.
 *
 * PROTO_REPORT_REQUEST (worker -> learner):
 *   str request id | str Message-ID SHA-1 hex | u8 report type
 * PROTO_REPORT_REPLY (learner -> worker):
 *   u8 result | u8 known locally | u8 oracle | u32 oracle HTTP status |
 *   data oracle body
 * The learner forwards the report to the Oracle itself (through its
 * outbox, learner/outbox.h); "oracle" says what became of that, and with
 * PROTO_REPORT_ORACLE_RELAYED status and body are the Oracle's answer
 * for the worker to relay.
 */
#include <stddef.h>
#include <stdint.h>

#include "ipc.h"
#include "tlsh.h"

/* More digests than this in one message are not looked up. */
#define PROTO_ANALYZE_MAX_DIGESTS	1024
#define PROTO_REQUEST_ID_MAX		32
#define PROTO_SHA1_HEX			40
#define PROTO_VERDICT_TEXT_MAX		64	/* action and label */
#define PROTO_NODE_ID_MAX		64

/* Request and reply flags. */
#define PROTO_ANALYZE_F_PROXIMITY	0x01
#define PROTO_ANALYZE_F_DEGRADED	0x02	/* Redis failed meanwhile */
#define PROTO_ANALYZE_F_DISTANCE	0x04	/* reply: distance is set */
#define PROTO_ANALYZE_F_SCORE		0x08	/* reply: score is set */
#define PROTO_ANALYZE_F_BANDS		0x10	/* reply: bands is set */

/* Oracle outcome in a request: none, or 1 + PROTO_ORACLE_REPLY's. */
#define PROTO_ANALYZE_ORACLE_NONE	0

#define PROTO_ANALYZE_VERDICT		1
#define PROTO_ANALYZE_ESCALATE		2

enum proto_match_source {
	PROTO_MATCH_NONE = 0,
	PROTO_MATCH_LOCAL,
	PROTO_MATCH_ORACLE_CACHE,
	PROTO_MATCH_ORACLE_CACHE_PROXIMITY,
	PROTO_MATCH_ORACLE,
	PROTO_MATCH_NSOURCES
};

#define PROTO_REPORT_SPAM		1
#define PROTO_REPORT_HAM		2

enum proto_report_result {
	PROTO_REPORT_APPLIED = 1,
	PROTO_REPORT_DUPLICATE,
	PROTO_REPORT_NOT_FOUND,		/* no scan record */
	PROTO_REPORT_NO_HASHES,		/* a scan record without digests */
	PROTO_REPORT_REDIS_ERROR,
	PROTO_REPORT_OUTBOX_FULL	/* refused before learning anything */
};

/* What became of the Oracle side of an applied report. */
enum proto_report_oracle {
	PROTO_REPORT_ORACLE_NONE = 0,	/* not applied: nothing to forward */
	PROTO_REPORT_ORACLE_SKIPPED,	/* spam known locally (upstream) */
	PROTO_REPORT_ORACLE_RELAYED,	/* the Oracle's status and body */
	PROTO_REPORT_ORACLE_QUEUED,	/* in the outbox, retried later */
	PROTO_REPORT_ORACLE_UNREACHABLE, /* no answer and no outbox */
	PROTO_REPORT_ORACLE_DISABLED	/* ORACLE_ENABLED=false */
};

/* An Oracle answer relayed to a /report client (upstream's are tiny). */
#define PROTO_REPORT_BODY_MAX		(64 * 1024)

struct proto_analyze_request {
	char		  request_id[PROTO_REQUEST_ID_MAX + 1];
	char		  msgid_hash[PROTO_SHA1_HEX + 1];
	uint32_t	  start;
	uint8_t		  flags;
	uint8_t		  oracle;
	uint32_t	  oracle_status;
	const void	 *oracle_body;	/* into the payload */
	size_t		  oracle_len;
	uint32_t	  ndigests;
	char		(*digests)[TLSH_STRING_SIZE];	/* allocated */
};

struct proto_analyze_reply {
	uint8_t		 kind;
	uint8_t		 flags;
	char		 action[PROTO_VERDICT_TEXT_MAX + 1];
	char		 label[PROTO_VERDICT_TEXT_MAX + 1];
	uint32_t	 distance;
	uint32_t	 index;
	uint8_t		 source;
	char		 matched[TLSH_STRING_SIZE];
	uint32_t	 match_distance;
	int64_t		 score;
	uint32_t	 bands;
	char		 node_id[PROTO_NODE_ID_MAX + 1];
};

struct proto_report_request {
	char		 request_id[PROTO_REQUEST_ID_MAX + 1];
	char		 msgid_hash[PROTO_SHA1_HEX + 1];
	uint8_t		 type;
};

struct proto_report_reply {
	uint8_t		 result;
	uint8_t		 known_locally;
	uint8_t		 oracle;	/* enum proto_report_oracle */
	uint32_t	 status;	/* RELAYED: 100..599 */
	void		*body;		/* RELAYED: allocated, may be NULL */
	size_t		 len;
};

/* 1 if s is "T1" and 70 upper-case hex digits. */
int	proto_digest_valid(const char *s);

int	proto_analyze_request_encode(struct msg *,
	    const struct proto_analyze_request *);
/* 0, or -1 when malformed; free with proto_analyze_request_free. */
int	proto_analyze_request_decode(struct msg_reader *,
	    struct proto_analyze_request *);
void	proto_analyze_request_free(struct proto_analyze_request *);

int	proto_analyze_reply_encode(struct msg *,
	    const struct proto_analyze_reply *);
int	proto_analyze_reply_decode(struct msg_reader *,
	    struct proto_analyze_reply *);

int	proto_report_request_encode(struct msg *,
	    const struct proto_report_request *);
int	proto_report_request_decode(struct msg_reader *,
	    struct proto_report_request *);

int	proto_report_reply_encode(struct msg *,
	    const struct proto_report_reply *);
int	proto_report_reply_decode(struct msg_reader *,
	    struct proto_report_reply *);
void	proto_report_reply_free(struct proto_report_reply *);

#endif
