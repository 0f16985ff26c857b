/*
 * The process topology and the permit tables: channels exist only for the
 * pairs the design names, workers never talk to each other, and what a
 * worker may send the learner (status, analyze, report requests) or the
 * oracle-proxy (one request type) is exactly listed.  The analyze and
 * report payloads survive a round trip and malformed ones are refused.
 */
#include "testutil.h"

#include <string.h>

#include "master/proc.h"
#include "master/proto.h"
#include "master/proto_analyze.h"

static void
test_topology(void **state)
{
	(void)state;
	assert_true(proc_has_channel(PROC_WORKER, PROC_LEARNER));
	assert_true(proc_has_channel(PROC_LEARNER, PROC_WORKER));
	assert_true(proc_has_channel(PROC_WORKER, PROC_ORACLE));
	assert_true(proc_has_channel(PROC_LEARNER, PROC_ORACLE));
	assert_true(proc_has_channel(PROC_MASTER, PROC_WORKER));
	assert_false(proc_has_channel(PROC_WORKER, PROC_WORKER));
	assert_false(proc_has_channel(PROC_LEARNER, PROC_LEARNER));
	assert_false(proc_has_channel(PROC_WORKER, (enum proc_type)99));
	assert_non_null(proc_role_by_name("worker"));
	assert_non_null(proc_role_by_name("learner"));
	assert_non_null(proc_role_by_name("oracle-proxy"));
	/* The master is never started with -role. */
	assert_null(proc_role_by_name("master"));
	assert_null(proc_role_by_name(""));
	assert_string_equal(proc_role(PROC_ORACLE)->name, "oracle-proxy");
	assert_null(proc_role((enum proc_type)PROC_NTYPES));
}

static void
test_permits_worker(void **state)
{
	uint32_t	t;
	int		learner = 0, oracle = 0, master = 0;

	(void)state;
	for (t = 0; t < PROTO_NTYPES + 5; t++) {
		learner += proto_permitted(PROC_LEARNER, PROC_WORKER, t);
		oracle += proto_permitted(PROC_ORACLE, PROC_WORKER, t);
		master += proto_permitted(PROC_MASTER, PROC_WORKER, t);
	}
	assert_int_equal(learner, 3);
	assert_true(proto_permitted(PROC_LEARNER, PROC_WORKER,
	    PROTO_STATUS_REQUEST));
	assert_true(proto_permitted(PROC_LEARNER, PROC_WORKER,
	    PROTO_ANALYZE_REQUEST));
	assert_true(proto_permitted(PROC_LEARNER, PROC_WORKER,
	    PROTO_REPORT_REQUEST));
	/* Replies only go the other way. */
	assert_false(proto_permitted(PROC_LEARNER, PROC_WORKER,
	    PROTO_ANALYZE_REPLY));
	assert_true(proto_permitted(PROC_WORKER, PROC_LEARNER,
	    PROTO_ANALYZE_REPLY));
	assert_true(proto_permitted(PROC_WORKER, PROC_LEARNER,
	    PROTO_REPORT_REPLY));
	assert_false(proto_permitted(PROC_WORKER, PROC_LEARNER,
	    PROTO_REPORT_REQUEST));
	assert_int_equal(oracle, 1);
	assert_true(proto_permitted(PROC_ORACLE, PROC_WORKER,
	    PROTO_ORACLE_REQUEST));
	/* A worker cannot get another worker replaced. */
	assert_int_equal(master, 1);
	assert_false(proto_permitted(PROC_MASTER, PROC_WORKER,
	    PROTO_PEER_MISBEHAVED));
	/* Nor hand out channels or log descriptors. */
	assert_false(proto_permitted(PROC_LEARNER, PROC_WORKER,
	    PROTO_PEER_CHANNEL));
	assert_false(proto_permitted(PROC_LEARNER, PROC_WORKER,
	    PROTO_LOG_FD));
	assert_false(proto_permitted(PROC_WORKER, PROC_WORKER,
	    PROTO_STATUS_REQUEST));
	assert_false(proto_permitted(PROC_LEARNER, PROC_WORKER, 0));
	assert_false(proto_permitted(PROC_LEARNER, PROC_WORKER, 0x7fffffff));
}

static void
test_permits_master(void **state)
{
	(void)state;
	/* Only the master hands out channels and descriptors. */
	assert_true(proto_permitted(PROC_WORKER, PROC_MASTER,
	    PROTO_PEER_CHANNEL));
	assert_false(proto_permitted(PROC_WORKER, PROC_LEARNER,
	    PROTO_PEER_CHANNEL));
	assert_false(proto_permitted(PROC_WORKER, PROC_ORACLE,
	    PROTO_LOG_FD));
	assert_true(proto_permitted(PROC_MASTER, PROC_LEARNER,
	    PROTO_PEER_MISBEHAVED));
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(proto_type_name(PROTO_STATUS_REPLY),
	    "STATUS_REPLY");
	assert_string_equal(proto_type_name(0), "unknown");
	assert_string_equal(proto_type_name(12345), "unknown");
}

static const char *const test_digest =
    "T130111215FBC5E333C7858A138AB9223BF73E83F80320F876400D8442AA0B4E70376A94";

static void
test_analyze_request_roundtrip(void **state)
{
	struct proto_analyze_request	 q, got;
	struct msg_reader		 r;
	struct msg			 m;
	char				 d[2][TLSH_STRING_SIZE];

	(void)state;
	memset(&q, 0, sizeof(q));
	strcpy(q.request_id, "0123456789abcdef");
	strcpy(q.msgid_hash, "a9993e364706816aba3e25717850c26c9cd0d89d");
	q.start = 1;
	q.flags = PROTO_ANALYZE_F_PROXIMITY;
	q.oracle = 1 + 1;
	q.oracle_status = 503;
	q.oracle_body = "{}";
	q.oracle_len = 2;
	strcpy(d[0], test_digest);
	strcpy(d[1], test_digest);
	d[1][71] = '5';
	q.ndigests = 2;
	q.digests = d;
	msg_init(&m);
	assert_int_equal(proto_analyze_request_encode(&m, &q), 0);
	msg_reader_init(&r, msg_data(&m), msg_len(&m));
	assert_int_equal(proto_analyze_request_decode(&r, &got), 0);
	assert_string_equal(got.request_id, q.request_id);
	assert_string_equal(got.msgid_hash, q.msgid_hash);
	assert_int_equal(got.start, 1);
	assert_int_equal(got.oracle_status, 503);
	assert_int_equal(got.oracle_len, 2);
	assert_int_equal(got.ndigests, 2);
	assert_string_equal(got.digests[1], d[1]);
	proto_analyze_request_free(&got);

	/* A start beyond the digests, a lower-case digest, a bad hash. */
	q.start = 3;
	msg_reset(&m);
	proto_analyze_request_encode(&m, &q);
	msg_reader_init(&r, msg_data(&m), msg_len(&m));
	assert_int_equal(proto_analyze_request_decode(&r, &got), -1);
	q.start = 0;
	q.oracle = PROTO_ANALYZE_ORACLE_NONE;
	d[0][10] = 'a';
	msg_reset(&m);
	proto_analyze_request_encode(&m, &q);
	msg_reader_init(&r, msg_data(&m), msg_len(&m));
	assert_int_equal(proto_analyze_request_decode(&r, &got), -1);
	d[0][10] = 'A';
	strcpy(q.msgid_hash, "A9993E364706816ABA3E25717850C26C9CD0D89D");
	msg_reset(&m);
	proto_analyze_request_encode(&m, &q);
	msg_reader_init(&r, msg_data(&m), msg_len(&m));
	assert_int_equal(proto_analyze_request_decode(&r, &got), -1);
	/* Truncated by one byte. */
	q.msgid_hash[0] = '\0';
	msg_reset(&m);
	proto_analyze_request_encode(&m, &q);
	msg_reader_init(&r, msg_data(&m), msg_len(&m) - 1);
	assert_int_equal(proto_analyze_request_decode(&r, &got), -1);
	msg_reader_init(&r, msg_data(&m), msg_len(&m));
	assert_int_equal(proto_analyze_request_decode(&r, &got), 0);
	proto_analyze_request_free(&got);
	msg_free(&m);
}

static void
test_analyze_reply_roundtrip(void **state)
{
	struct proto_analyze_reply	 a, got;
	struct msg_reader		 r;
	struct msg			 m;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.kind = PROTO_ANALYZE_VERDICT;
	a.flags = PROTO_ANALYZE_F_DISTANCE | PROTO_ANALYZE_F_SCORE;
	strcpy(a.action, "spam");
	strcpy(a.label, "local_spam");
	a.source = PROTO_MATCH_LOCAL;
	strcpy(a.matched, test_digest);
	a.score = -3;
	a.bands = 7;
	msg_init(&m);
	assert_int_equal(proto_analyze_reply_encode(&m, &a), 0);
	msg_reader_init(&r, msg_data(&m), msg_len(&m));
	assert_int_equal(proto_analyze_reply_decode(&r, &got), 0);
	assert_memory_equal(&a, &got, sizeof(a));
	/* A label that could break the JSON the worker writes. */
	strcpy(a.label, "x\"y");
	msg_reset(&m);
	proto_analyze_reply_encode(&m, &a);
	msg_reader_init(&r, msg_data(&m), msg_len(&m));
	assert_int_equal(proto_analyze_reply_decode(&r, &got), -1);
	msg_free(&m);
}

static void
test_report_roundtrip(void **state)
{
	struct proto_report_request	 q, gq;
	struct proto_report_reply	 a, ga;
	struct msg_reader		 r;
	struct msg			 m;
	(void)state;
	memset(&q, 0, sizeof(q));
	strcpy(q.request_id, "r1");
	strcpy(q.msgid_hash, "a9993e364706816aba3e25717850c26c9cd0d89d");
	q.type = PROTO_REPORT_HAM;
	msg_init(&m);
	proto_report_request_encode(&m, &q);
	msg_reader_init(&r, msg_data(&m), msg_len(&m));
	assert_int_equal(proto_report_request_decode(&r, &gq), 0);
	assert_int_equal(gq.type, PROTO_REPORT_HAM);
	q.type = 3;
	msg_reset(&m);
	proto_report_request_encode(&m, &q);
	msg_reader_init(&r, msg_data(&m), msg_len(&m));
	assert_int_equal(proto_report_request_decode(&r, &gq), -1);

	/* An applied report with the Oracle's answer to relay. */
	memset(&a, 0, sizeof(a));
	a.result = PROTO_REPORT_APPLIED;
	a.oracle = PROTO_REPORT_ORACLE_RELAYED;
	a.status = 429;
	a.body = (void *)"{\"error\":\"slow down\"}";
	a.len = strlen(a.body);
	msg_reset(&m);
	proto_report_reply_encode(&m, &a);
	msg_reader_init(&r, msg_data(&m), msg_len(&m));
	assert_int_equal(proto_report_reply_decode(&r, &ga), 0);
	assert_int_equal(ga.oracle, PROTO_REPORT_ORACLE_RELAYED);
	assert_int_equal(ga.status, 429);
	assert_int_equal(ga.len, a.len);
	assert_memory_equal(ga.body, a.body, a.len);
	proto_report_reply_free(&ga);
	assert_null(ga.body);
	/* A relayed answer needs an HTTP status. */
	a.status = 42;
	msg_reset(&m);
	proto_report_reply_encode(&m, &a);
	msg_reader_init(&r, msg_data(&m), msg_len(&m));
	assert_int_equal(proto_report_reply_decode(&r, &ga), -1);
	/* Queued: no status, no body. */
	a.oracle = PROTO_REPORT_ORACLE_QUEUED;
	a.status = 0;
	a.len = 0;
	msg_reset(&m);
	proto_report_reply_encode(&m, &a);
	msg_reader_init(&r, msg_data(&m), msg_len(&m));
	assert_int_equal(proto_report_reply_decode(&r, &ga), 0);
	assert_int_equal(ga.oracle, PROTO_REPORT_ORACLE_QUEUED);
	a.len = 3;
	msg_reset(&m);
	proto_report_reply_encode(&m, &a);
	msg_reader_init(&r, msg_data(&m), msg_len(&m));
	assert_int_equal(proto_report_reply_decode(&r, &ga), -1);
	a.len = 0;
	/* Only an applied report has an Oracle side, and it must say so. */
	a.result = PROTO_REPORT_DUPLICATE;
	msg_reset(&m);
	proto_report_reply_encode(&m, &a);
	msg_reader_init(&r, msg_data(&m), msg_len(&m));
	assert_int_equal(proto_report_reply_decode(&r, &ga), -1);
	a.oracle = PROTO_REPORT_ORACLE_NONE;
	msg_reset(&m);
	proto_report_reply_encode(&m, &a);
	msg_reader_init(&r, msg_data(&m), msg_len(&m));
	assert_int_equal(proto_report_reply_decode(&r, &ga), 0);
	a.result = PROTO_REPORT_APPLIED;
	msg_reset(&m);
	proto_report_reply_encode(&m, &a);
	msg_reader_init(&r, msg_data(&m), msg_len(&m));
	assert_int_equal(proto_report_reply_decode(&r, &ga), -1);
	a.result = PROTO_REPORT_OUTBOX_FULL;
	msg_reset(&m);
	proto_report_reply_encode(&m, &a);
	msg_reader_init(&r, msg_data(&m), msg_len(&m));
	assert_int_equal(proto_report_reply_decode(&r, &ga), 0);
	a.result = 0;
	msg_reset(&m);
	proto_report_reply_encode(&m, &a);
	msg_reader_init(&r, msg_data(&m), msg_len(&m));
	assert_int_equal(proto_report_reply_decode(&r, &ga), -1);
	msg_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_topology),
		cmocka_unit_test(test_permits_worker),
		cmocka_unit_test(test_permits_master),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_analyze_request_roundtrip),
		cmocka_unit_test(test_analyze_reply_roundtrip),
		cmocka_unit_test(test_report_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
