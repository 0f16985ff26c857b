/*
 * What the oracle-proxy accepts from the Oracle and from its peers, and
 * where it may connect (oracle-proxy/validate.h, oracle-proxy/dest.h).
 */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "master/proto.h"
#include "oracle-proxy/dest.h"
#include "oracle-proxy/validate.h"

#define OK	PROTO_ORACLE_OK
#define INVALID	PROTO_ORACLE_INVALID

static int
outcome(uint8_t ep, long status, const char *body)
{
	return oracle_answer_outcome(ep, status, body, strlen(body));
}

static void
test_analyze_answers(void **state)
{
	const uint8_t	a = PROTO_ORACLE_ANALYZE;

	(void)state;
	assert_int_equal(outcome(a, 200, "{\"result\":{\"action\":\"spam\","
	    "\"label\":\"oracle_spam\",\"proximity_match\":true,"
	    "\"distance\":12}}"), OK);
	assert_int_equal(outcome(a, 200, "{\"result\":{\"action\":\"allow\","
	    "\"proximity_match\":false}}"), OK);
	assert_int_equal(outcome(a, 201, "{\"result\":{\"action\":\"\"}}"), OK);
	/* Status: only 2xx is a verdict, whatever the body says. */
	assert_int_equal(outcome(a, 500, "{\"result\":{\"action\":\"spam\"}}"),
	    INVALID);
	assert_int_equal(outcome(a, 302, "{\"result\":{\"action\":\"spam\"}}"),
	    INVALID);
	assert_int_equal(outcome(a, 429, "{}"), INVALID);
	/* Shapes and types. */
	assert_int_equal(outcome(a, 200, "{\"result\":\"spam\"}"), INVALID);
	assert_int_equal(outcome(a, 200, "{\"result\":{}}"), INVALID);
	assert_int_equal(outcome(a, 200, "{\"result\":{\"action\":1}}"),
	    INVALID);
	assert_int_equal(outcome(a, 200, "{\"result\":{\"action\":\"spam\","
	    "\"proximity_match\":\"yes\"}}"), INVALID);
	assert_int_equal(outcome(a, 200, "{\"result\":{\"action\":\"spam\","
	    "\"distance\":1.5}}"), INVALID);
	assert_int_equal(outcome(a, 200, "{\"result\":{\"action\":\"spam\","
	    "\"label\":null}}"), INVALID);
	/* Not JSON, truncated, trailing bytes, not an object, duplicates. */
	assert_int_equal(outcome(a, 200, ""), INVALID);
	assert_int_equal(outcome(a, 200, "{\"result\":{\"action\":\"sp"),
	    INVALID);
	assert_int_equal(outcome(a, 200, "{\"result\":{\"action\":\"spam\"}}"
	    "x"), INVALID);
	assert_int_equal(outcome(a, 200, "[]"), INVALID);
	assert_int_equal(outcome(a, 200, "{\"result\":{\"action\":\"allow\"},"
	    "\"result\":{\"action\":\"spam\"}}"), INVALID);
	/* NUL inside the body. */
	assert_int_equal(oracle_answer_outcome(a, 200,
	    "{\"result\":{\"action\":\"spam\"}}\0", 30), INVALID);
}

static void
test_sync_answers(void **state)
{
	const uint8_t	s = PROTO_ORACLE_SYNC;

	(void)state;
	assert_int_equal(outcome(s, 200, "{\"new_seq\":3,\"action\":"
	    "\"UPDATE_DELTA\",\"ops\":[{\"action\":\"add\",\"bands\":"
	    "[\"1:ABCDEF\"]}]}"), OK);
	assert_int_equal(outcome(s, 200, "{\"new_seq\":0,\"action\":"
	    "\"RESET_DB\",\"ops\":null}"), OK);
	assert_int_equal(outcome(s, 200, "{\"new_seq\":0,\"action\":"
	    "\"NOTHING\"}"), OK);
	assert_int_equal(outcome(s, 304, ""), OK);
	assert_int_equal(outcome(s, 201, "{\"new_seq\":3,\"action\":\"x\"}"),
	    INVALID);
	assert_int_equal(outcome(s, 500, "{\"new_seq\":3,\"action\":\"x\"}"),
	    INVALID);
	assert_int_equal(outcome(s, 200, "{\"new_seq\":\"many\","
	    "\"action\":\"x\"}"), INVALID);
	assert_int_equal(outcome(s, 200, "{\"new_seq\":-1,\"action\":\"x\"}"),
	    INVALID);
	assert_int_equal(outcome(s, 200, "{\"new_seq\":1}"), INVALID);
	assert_int_equal(outcome(s, 200, "{\"new_seq\":1,\"action\":\"x\","
	    "\"ops\":{}}"), INVALID);
	assert_int_equal(outcome(s, 200, "{\"new_seq\":1,"), INVALID);
}

static void
test_relayed_answers_and_caps(void **state)
{
	static char	big[ORACLE_SYNC_MAX + 2];

	(void)state;
	/* Report and stats: any status, any body, within the cap. */
	assert_int_equal(outcome(PROTO_ORACLE_REPORT, 503, "oops"), OK);
	assert_int_equal(outcome(PROTO_ORACLE_REPORT, 429, "{\"error\":"
	    "\"Too many reports from this node_id\"}"), OK);
	assert_int_equal(outcome(PROTO_ORACLE_STATS, 200, ""), OK);
	assert_int_equal(outcome(PROTO_ORACLE_REPORT, 99, ""), INVALID);
	assert_int_equal(outcome(PROTO_ORACLE_REPORT, 600, ""), INVALID);
	memset(big, ' ', sizeof(big));
	assert_int_equal(oracle_answer_outcome(PROTO_ORACLE_REPORT, 200, big,
	    ORACLE_SMALL_MAX), OK);
	assert_int_equal(oracle_answer_outcome(PROTO_ORACLE_REPORT, 200, big,
	    ORACLE_SMALL_MAX + 1), INVALID);
	assert_int_equal(oracle_answer_outcome(PROTO_ORACLE_SYNC, 304, big,
	    ORACLE_SYNC_MAX + 1), INVALID);
	assert_int_equal(oracle_answer_outcome(0, 200, "{}", 2), INVALID);
	assert_int_equal(oracle_answer_outcome(9, 200, "{}", 2), INVALID);
}

static void
test_endpoint_table(void **state)
{
	const struct oracle_endpoint	*e;

	(void)state;
	assert_non_null(e = oracle_endpoint(PROTO_ORACLE_ANALYZE));
	assert_string_equal(e->path, "/analyze");
	assert_int_equal(e->timeout_ms, 4000);
	assert_non_null(e = oracle_endpoint(PROTO_ORACLE_REPORT));
	assert_string_equal(e->path, "/report");
	assert_int_equal(e->timeout_ms, 5000);
	assert_non_null(e = oracle_endpoint(PROTO_ORACLE_SYNC));
	assert_string_equal(e->path, "/sync");
	assert_int_equal(e->timeout_ms, 30000);
	assert_non_null(e = oracle_endpoint(PROTO_ORACLE_STATS));
	assert_string_equal(e->path, "/stats");
	assert_int_equal(e->timeout_ms, 30000);
	assert_null(oracle_endpoint(0));
	assert_null(oracle_endpoint(5));
}

static void
test_request_bodies(void **state)
{
	static char	big[ORACLE_REQUEST_MAX + 16];
	size_t		n;

	(void)state;
	assert_int_equal(oracle_request_valid("{\"node_id\":\"x\"}", 15), 0);
	assert_int_equal(oracle_request_valid("{}", 2), 0);
	assert_int_equal(oracle_request_valid("", 0), -1);
	assert_int_equal(oracle_request_valid(NULL, 0), -1);
	assert_int_equal(oracle_request_valid("[]", 2), -1);
	assert_int_equal(oracle_request_valid("\"http://x\"", 10), -1);
	assert_int_equal(oracle_request_valid("{} {}", 5), -1);
	assert_int_equal(oracle_request_valid("{\"a\":1,\"a\":2}", 13), -1);
	/* Size cap. */
	big[0] = '{';
	big[1] = '"';
	memset(big + 2, 'a', sizeof(big) - 2);
	n = ORACLE_REQUEST_MAX - 3;
	memcpy(big + n, "\":1}", 4);
	assert_int_equal(oracle_request_valid(big, n + 4), -1);
	memcpy(big + n - 2, "\":1}", 4);
	assert_int_equal(oracle_request_valid(big, n + 2), 0);
}

static void
test_dest_parse(void **state)
{
	struct oracle_dest	d;
	char			err[128], url[ORACLE_URL_MAX + 16];

	(void)state;
	assert_int_equal(oracle_dest_parse(&d,
	    "https://oracle.mailuminati.com", err, sizeof(err)), 0);
	assert_int_equal(d.https, 1);
	assert_int_equal(d.port, 443);
	assert_string_equal(d.host, "oracle.mailuminati.com");
	assert_int_equal(oracle_dest_url(&d, "/analyze", url, sizeof(url)),
	    0);
	assert_string_equal(url, "https://oracle.mailuminati.com:443/analyze");
	assert_int_equal(oracle_dest_is_loopback(&d), 0);
	assert_int_equal(oracle_dest_parse(&d, "http://127.0.0.1:8080/api/",
	    err, sizeof(err)), 0);
	assert_int_equal(d.https, 0);
	assert_int_equal(d.port, 8080);
	assert_string_equal(d.base, "http://127.0.0.1:8080/api");
	assert_int_equal(oracle_dest_is_loopback(&d), 1);
	assert_int_equal(oracle_dest_parse(&d, "http://[::1]:9/", err,
	    sizeof(err)), 0);
	assert_string_equal(d.host, "::1");
	assert_string_equal(d.base, "http://[::1]:9");
	assert_int_equal(oracle_dest_is_loopback(&d), 1);
	assert_int_equal(oracle_dest_parse(&d, "http://localhost:1", err,
	    sizeof(err)), 0);
	assert_int_equal(oracle_dest_is_loopback(&d), 1);
	/* Refused. */
	assert_int_equal(oracle_dest_parse(&d, "ftp://x", err, sizeof(err)),
	    -1);
	assert_int_equal(oracle_dest_parse(&d, "file:///etc/passwd", err,
	    sizeof(err)), -1);
	assert_int_equal(oracle_dest_parse(&d, "https://u:p@host", err,
	    sizeof(err)), -1);
	assert_int_equal(oracle_dest_parse(&d, "https://host/?q=1", err,
	    sizeof(err)), -1);
	assert_int_equal(oracle_dest_parse(&d, "https://host/#f", err,
	    sizeof(err)), -1);
	assert_int_equal(oracle_dest_parse(&d, "https://", err, sizeof(err)),
	    -1);
	assert_int_equal(oracle_dest_parse(&d, "https://h:0", err,
	    sizeof(err)), -1);
	assert_int_equal(oracle_dest_parse(&d, "https://h:65536", err,
	    sizeof(err)), -1);
	assert_int_equal(oracle_dest_parse(&d, NULL, err, sizeof(err)), -1);
}

static void
test_dest_allowed(void **state)
{
	struct oracle_dest	d;
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;
	struct sockaddr		sa;
	char			err[128];

	(void)state;
	assert_int_equal(oracle_dest_parse(&d, "https://oracle.example",
	    err, sizeof(err)), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(443);
	inet_pton(AF_INET, "192.0.2.7", &sin.sin_addr);
	assert_int_equal(oracle_dest_allowed(&d, (struct sockaddr *)&sin,
	    sizeof(sin)), 1);
	sin.sin_port = htons(25);
	assert_int_equal(oracle_dest_allowed(&d, (struct sockaddr *)&sin,
	    sizeof(sin)), 0);
	assert_int_equal(oracle_dest_allowed(&d, (struct sockaddr *)&sin,
	    4), 0);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(443);
	assert_int_equal(oracle_dest_allowed(&d, (struct sockaddr *)&sin6,
	    sizeof(sin6)), 1);
	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	assert_int_equal(oracle_dest_allowed(&d, &sa, sizeof(sa)), 0);
	assert_int_equal(oracle_dest_allowed(&d, NULL, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_analyze_answers),
		cmocka_unit_test(test_sync_answers),
		cmocka_unit_test(test_relayed_answers_and_caps),
		cmocka_unit_test(test_endpoint_table),
		cmocka_unit_test(test_request_bodies),
		cmocka_unit_test(test_dest_parse),
		cmocka_unit_test(test_dest_allowed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
