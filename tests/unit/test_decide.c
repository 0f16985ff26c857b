/*
 * The verdict logic over fetched data: step order, the closest match
 * wins (ties to the smaller digest), an exact match keeps distance 0, the
 * distance limit is inclusive, the score threshold, the local near-miss
 * that suppresses the Oracle, cached non-spam verdicts and escalation.
 */
#include "testutil.h"

#include <string.h>

#include "learner/decide.h"

#define DA	"T1AAAA"
#define DB	"T1BBBB"
#define DC	"T1CCCC"

static void
test_closest(void **state)
{
	struct decide_candidate	c[] = {
		{ DC, 40, 1 }, { DB, 12, 0 }, { DA, 12, 5 }, { "T1X", 71, 9 },
	};
	const struct decide_candidate *best;

	(void)state;
	best = decide_closest(c, 4, 70, 0, 0);
	assert_string_equal(best->digest, DA);	/* tie 12: smaller string */
	best = decide_closest(c, 4, 70, 1, 1);
	assert_string_equal(best->digest, DA);
	best = decide_closest(c, 4, 70, 1, 2);
	assert_string_equal(best->digest, DA);
	best = decide_closest(c, 4, 70, 1, 6);
	assert_null(best);			/* 71 is beyond the limit */
	c[3].distance = 70;
	best = decide_closest(c, 4, 70, 1, 6);
	assert_string_equal(best->digest, "T1X");	/* 70 is within */
	assert_null(decide_closest(c, 0, 70, 0, 0));
}

static void
test_local(void **state)
{
	struct decide_candidate	lg[] = {
		{ DB, 30, 1 }, { DA, 0, 1 }, { DC, 5, 0 },
	};
	struct decide_digest	d[1];
	struct decide_outcome	o;

	(void)state;
	memset(d, 0, sizeof(d));
	d[0].digest = DA;
	d[0].lg_bands = 20;
	d[0].lg = lg;
	d[0].nlg = 3;
	decide_run(d, 1, 1, 0, &o);
	assert_true(o.spam);
	assert_string_equal(o.label, "local_spam");
	assert_int_equal(o.source, PROTO_MATCH_LOCAL);
	assert_true(o.has_distance);
	assert_int_equal(o.distance, 0);	/* exact: distance 0 kept */
	assert_string_equal(o.matched, DA);
	assert_int_equal(o.bands, 20);
	assert_true(o.has_score);
	assert_int_equal(o.local_match, 1);
	assert_int_equal(o.reached, 1);

	/* Threshold 2: nothing qualifies; near-miss explained by DA. */
	decide_run(d, 1, 2, 0, &o);
	assert_false(o.spam);
	assert_true(o.proximity);
	assert_false(o.escalate);
	assert_int_equal(o.source, PROTO_MATCH_LOCAL);
	assert_string_equal(o.matched, DA);
	assert_int_equal(o.local_match, 0);

	/* Three bands are not enough. */
	d[0].lg_bands = 3;
	decide_run(d, 1, 1, 0, &o);
	assert_false(o.spam);
	assert_false(o.proximity);
	assert_int_equal(o.source, PROTO_MATCH_NONE);
}

static void
test_order(void **state)
{
	struct decide_candidate	oc[] = { { DC, 60, 0 }, { DB, 60, 0 } };
	struct decide_candidate	lg[] = { { DA, 1, 5 } };
	struct decide_digest	d[2];
	struct decide_outcome	o;

	(void)state;
	memset(d, 0, sizeof(d));
	d[0].digest = DA;
	d[0].oc_bands = 4;
	d[0].oc = oc;
	d[0].noc = 2;
	d[0].lg_bands = 20;
	d[0].lg = lg;
	d[0].nlg = 1;
	/* oc_f comes before lg_f even when lg_f is closer. */
	decide_run(d, 1, 1, 0, &o);
	assert_true(o.spam);
	assert_string_equal(o.label, "oracle_cache_match");
	assert_int_equal(o.source, PROTO_MATCH_ORACLE_CACHE_PROXIMITY);
	assert_string_equal(o.matched, DB);
	assert_int_equal(o.distance, 60);
	assert_int_equal(o.cache_positive, 1);

	/* The exact cache wins over everything, with the Oracle's label. */
	d[0].cache.present = 1;
	strcpy(d[0].cache.action, "spam");
	strcpy(d[0].cache.label, "oracle_spam");
	d[0].cache.proximity = 0;
	decide_run(d, 1, 1, 0, &o);
	assert_true(o.spam);
	assert_string_equal(o.label, "oracle_spam");
	assert_false(o.has_distance);
	assert_false(o.proximity);
	assert_int_equal(o.source, PROTO_MATCH_ORACLE_CACHE);

	/* A cached allow is not used in step 1. */
	strcpy(d[0].cache.action, "allow");
	decide_run(d, 1, 1, 0, &o);
	assert_int_equal(o.source, PROTO_MATCH_ORACLE_CACHE_PROXIMITY);

	/* Spam on the first digest stops: the second is not reached. */
	d[1].digest = DB;
	d[1].mi_bands = 20;
	decide_run(d, 2, 1, 0, &o);
	assert_int_equal(o.reached, 1);
	assert_false(o.escalate);
}

static void
test_oracle_mirror(void **state)
{
	struct decide_digest	d[3];
	struct decide_outcome	o;

	(void)state;
	memset(d, 0, sizeof(d));
	d[0].digest = DA;
	d[0].mi_bands = 4;
	d[0].lg_bands = 4;	/* near-miss, no candidate */
	d[1].digest = DB;
	d[1].mi_bands = 5;
	d[1].cache.present = 1;
	strcpy(d[1].cache.action, "allow");
	d[2].digest = DC;
	d[2].mi_bands = 20;
	decide_run(d, 3, 1, 0, &o);
	/* Digest 0: the local near-miss suppresses the Oracle. */
	/* Digest 1: the cached allow is a negative hit and a partial. */
	assert_int_equal(o.cache_negative, 1);
	assert_int_equal(o.partial, 1);
	/* Digest 2: no cached verdict, ask the Oracle. */
	assert_true(o.escalate);
	assert_int_equal(o.index, 2);
	assert_int_equal(o.reached, 3);
	assert_true(o.proximity);
	assert_false(o.spam);

	/* Continuing after the Oracle: nothing left, proximity carried. */
	decide_run(d + 3, 0, 1, 1, &o);
	assert_false(o.escalate);
	assert_false(o.spam);
	assert_true(o.proximity);

	/* Three mirror bands: nothing at all. */
	memset(d, 0, sizeof(d));
	d[0].digest = DA;
	d[0].mi_bands = 3;
	decide_run(d, 1, 1, 0, &o);
	assert_false(o.escalate);
	assert_false(o.proximity);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_closest),
		cmocka_unit_test(test_local),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_oracle_mirror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
