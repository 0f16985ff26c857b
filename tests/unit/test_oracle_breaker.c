/*
 * The Oracle circuit breaker state machine (oracle-proxy/breaker.h).
 */
#include "testutil.h"

#include "oracle-proxy/breaker.h"

static void
fail_n(struct breaker *b, int n, uint64_t now)
{
	int	i, probe;

	for (i = 0; i < n; i++) {
		assert_int_equal(breaker_allow(b, now, &probe), 1);
		(void)breaker_record(b, 0, probe, now, 0);
	}
}

static void
test_closed_until_threshold(void **state)
{
	struct breaker	b;
	int		probe;

	(void)state;
	breaker_init(&b, 3, 1000, 60000);
	fail_n(&b, 2, 0);
	assert_int_equal(b.state, BREAKER_CLOSED);
	/* A success in between resets the count. */
	assert_int_equal(breaker_record(&b, 1, 0, 0, 0), -1);
	fail_n(&b, 2, 0);
	assert_int_equal(b.state, BREAKER_CLOSED);
	assert_int_equal(breaker_allow(&b, 0, &probe), 1);
	assert_int_equal(probe, 0);
	assert_int_equal(breaker_record(&b, 0, 0, 0, 0), BREAKER_OPEN);
	assert_int_equal(breaker_allow(&b, 1, &probe), 0);
}

static void
test_half_open_single_probe(void **state)
{
	struct breaker	b;
	int		probe;

	(void)state;
	breaker_init(&b, 1, 1000, 60000);
	fail_n(&b, 1, 0);
	assert_int_equal(b.state, BREAKER_OPEN);
	/* Jitter 0: open for half the backoff exactly. */
	assert_int_equal(b.open_until, 500);
	assert_int_equal(breaker_allow(&b, 499, &probe), 0);
	assert_int_equal(breaker_allow(&b, 500, &probe), 1);
	assert_int_equal(probe, 1);
	assert_int_equal(b.state, BREAKER_HALF_OPEN);
	/* Only one probe at a time. */
	assert_int_equal(breaker_allow(&b, 501, &probe), 0);
	assert_int_equal(probe, 0);
	/* A late failure of an older request does not reopen. */
	assert_int_equal(breaker_record(&b, 0, 0, 502, 0), -1);
	assert_int_equal(breaker_record(&b, 1, 1, 600, 0), BREAKER_CLOSED);
	assert_int_equal(breaker_allow(&b, 601, &probe), 1);
	assert_int_equal(b.opens, 0);
}

static void
test_backoff_doubles_and_caps(void **state)
{
	struct breaker	b;
	uint64_t	now = 0;
	int		i, probe;

	(void)state;
	breaker_init(&b, 1, 1000, 8000);
	assert_int_equal(breaker_backoff(&b, 1), 1000);
	assert_int_equal(breaker_backoff(&b, 2), 2000);
	assert_int_equal(breaker_backoff(&b, 4), 8000);
	assert_int_equal(breaker_backoff(&b, 60), 8000);
	/* A failed probe reopens for the next, longer backoff. */
	fail_n(&b, 1, now);
	for (i = 2; i <= 6; i++) {
		now = b.open_until;
		assert_int_equal(breaker_allow(&b, now, &probe), 1);
		assert_int_equal(probe, 1);
		/* Full jitter: the upper end of [half, full]. */
		assert_int_equal(breaker_record(&b, 0, 1, now, UINT32_MAX),
		    BREAKER_OPEN);
		assert_true(b.open_until - now <= breaker_backoff(&b, i));
		assert_true(b.open_until - now >= breaker_backoff(&b, i) / 2);
	}
	assert_true(b.open_until - now <= 8000);
}

static void
test_jitter_spreads(void **state)
{
	struct breaker	b;
	uint64_t	lo = UINT64_MAX, hi = 0;
	uint32_t	r;

	(void)state;
	for (r = 0; r < 4000; r += 7) {
		breaker_init(&b, 1, 1000, 60000);
		(void)breaker_record(&b, 0, 0, 0, r * 1000003U);
		if (b.open_until < lo)
			lo = b.open_until;
		if (b.open_until > hi)
			hi = b.open_until;
	}
	assert_true(lo >= 500 && hi <= 1000 && hi - lo > 300);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_closed_until_threshold),
		cmocka_unit_test(test_half_open_single_probe),
		cmocka_unit_test(test_backoff_doubles_and_caps),
		cmocka_unit_test(test_jitter_spreads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
