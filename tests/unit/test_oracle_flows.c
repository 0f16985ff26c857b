/*
 * The pure parts of the learner's Oracle flows: which band strings a
 * sync may write, and the /stats body built from counter totals.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "learner/stats_report.h"
#include "learner/sync.h"

static void
test_band_valid(void **state)
{
	static const char *const good[] = {
		"1:ABCDEF", "9:000000", "10:123456", "19:FFFFFF", "20:0A1B2C",
	};
	static const char *const bad[] = {
		"", "0:ABCDEF", "21:ABCDEF", "01:ABCDEF", "100:ABCDEF",
		"1:abcdef", "1:ABCDE", "1:ABCDEFA", "1ABCDEF", ":ABCDEF",
		"1:ABCDEG", "1:ABC DE", "1:ABCDEF\r\n", "-1:ABCDEF",
		"20:ABCDE", "2:ABCDEF:", "30:ABCDEF", "1:ABCDEF ",
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(sync_band_valid(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sync_band_valid(bad[i]))
			fail_msg("accepted \"%s\"", bad[i]);
	}
}

static void
test_stats_body(void **state)
{
	uint64_t	 now[STATS_REPORT_NFIELDS] = { 10, 2, 1, 3, 4, 5 };
	uint64_t	 sent[STATS_REPORT_NFIELDS] = { 7, 2, 0, 3, 9, 0 };
	char		*b;

	(void)state;
	b = stats_report_body("6c0a5e16-2b32-4f86-9b3d-2b2e3df5c7d8", now,
	    sent);
	assert_non_null(b);
	/* Counts since the last delivery; a total below it counts 0. */
	assert_string_equal(b, "{\"node_id\":"
	    "\"6c0a5e16-2b32-4f86-9b3d-2b2e3df5c7d8\",\"scanned_count\":3,"
	    "\"partial_match_count\":0,\"spam_confirmed_count\":1,"
	    "\"cached_positive_count\":0,\"cached_negative_count\":0,"
	    "\"local_spam_count\":5}");
	free(b);
	/* Nothing new: nothing to post. */
	assert_null(stats_report_body("x", now, now));
	/* A node id never breaks out of its string. */
	b = stats_report_body("a\"b\\c\n", now, sent);
	assert_non_null(b);
	assert_non_null(strstr(b, "{\"node_id\":\"abc\","));
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_band_valid),
		cmocka_unit_test(test_stats_body),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
