/*
 * The process topology and the permit tables: channels exist only for the
 * pairs the design names, workers never talk to each other, and what a
 * worker may send the learner or the oracle-proxy is exactly one request
 * type each.
 */
#include "testutil.h"

#include <string.h>

#include "master/proc.h"
#include "master/proto.h"

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
	assert_int_equal(learner, 1);
	assert_true(proto_permitted(PROC_LEARNER, PROC_WORKER,
	    PROTO_STATUS_REQUEST));
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_topology),
		cmocka_unit_test(test_permits_worker),
		cmocka_unit_test(test_permits_master),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
