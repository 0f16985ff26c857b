/*
 * The TTL refresh memory: SipHash-2-4 against the reference vectors, the
 * window (a thousandth of the retention), clearing, and a table that
 * forgets (one more EXPIRE) rather than confuses when it is full.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "learner/refresh.h"

#define DAY	86400

static int
due(const char *name, int64_t now, int64_t window)
{
	refresh_set_window(window);
	return refresh_due(name, strlen(name), now);
}

static void
note(const char *name, int64_t now, int64_t window)
{
	refresh_set_window(window);
	refresh_note(name, strlen(name), now);
}

static int
setup(void **state)
{
	(void)state;
	refresh_clear();
	return 0;
}

static void
test_siphash_vectors(void **state)
{
	uint8_t	key[REFRESH_KEY_SIZE], msg[64];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	/* From the SipHash paper: key 00..0f, messages 00..(len - 1). */
	assert_true(refresh_siphash(key, msg, 0) == 0x726fdb47dd0e0e31ULL);
	assert_true(refresh_siphash(key, msg, 15) == 0xa129ca6149be45e5ULL);
	assert_true(refresh_siphash(key, msg, 8) == 0x93f5f5799a932462ULL);
	/* the key matters */
	key[0] ^= 1;
	assert_true(refresh_siphash(key, msg, 15) != 0xa129ca6149be45e5ULL);
}

static void
test_window(void **state)
{
	(void)state;
	assert_int_equal(refresh_window(2), 172);
	assert_int_equal(refresh_window(15), 1296);
	assert_int_equal(refresh_window(1), 86);
	assert_int_equal(refresh_window(0), 0);
	/* a retention never leaves a TTL more than 0.1% short */
	assert_true(refresh_window(365) * 1000 <= 365 * DAY);
}

static void
test_due_in_window(void **state)
{
	const int64_t	w = refresh_window(2), t = 1000;

	(void)state;
	assert_true(due("lg_f:1:ABCDEF", t, w));
	note("lg_f:1:ABCDEF", t, w);
	assert_false(due("lg_f:1:ABCDEF", t, w));
	assert_false(due("lg_f:1:ABCDEF", t + w - 1, w));
	assert_true(due("lg_f:1:ABCDEF", t + w, w));
	/* a clock seen going back refreshes rather than trusts */
	assert_true(due("lg_f:1:ABCDEF", t - 1, w));
	/* other names, even close ones, are not remembered */
	assert_true(due("lg_f:1:ABCDEE", t, w));
	assert_true(due("lg_f:2:ABCDEF", t, w));
	assert_true(due("lg_f:1:ABCDE", t, w));
	/* a new note moves the window */
	note("lg_f:1:ABCDEF", t + w, w);
	assert_false(due("lg_f:1:ABCDEF", t + 2 * w - 1, w));
}

static void
test_clear(void **state)
{
	const int64_t	w = refresh_window(15), t = 50;

	(void)state;
	note("lg_s:T1AAAA", t, w);
	note("lg_f:3:000000", t, w);
	assert_false(due("lg_s:T1AAAA", t + 1, w));
	refresh_clear();
	assert_true(due("lg_s:T1AAAA", t + 1, w));
	assert_true(due("lg_f:3:000000", t + 1, w));
	/* remembered again after the clear */
	note("lg_s:T1AAAA", t + 1, w);
	assert_false(due("lg_s:T1AAAA", t + 2, w));
}

static void
test_new_window_forgets(void **state)
{
	const int64_t	t = 10;

	(void)state;
	assert_true(due("lg_s:X", t, refresh_window(15)));
	note("lg_s:X", t, refresh_window(15));
	assert_false(due("lg_s:X", t + 1, refresh_window(15)));
	/* a reload to another retention: refresh again */
	assert_true(due("lg_s:X", t + 1, refresh_window(2)));
	note("lg_s:X", t + 1, refresh_window(2));
	assert_false(due("lg_s:X", t + 2, refresh_window(2)));
}

/*
 * More names than slots: every name that is reported as recently
 * refreshed was noted (no false hit), and the table keeps at most
 * REFRESH_ENTRIES of them, so the oldest come due again.
 */
static void
test_wrap_and_collisions(void **state)
{
	const int64_t	w = refresh_window(15), t = 7;
	char		name[32];
	size_t		i, kept = 0, n = 4 * REFRESH_ENTRIES;

	(void)state;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "lg_f:%zu:%06zX", i % 20 + 1, i);
		note(name, t, w);
	}
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "lg_f:%zu:%06zX", i % 20 + 1, i);
		if (!due(name, t + 1, w))
			kept++;
	}
	assert_true(kept <= REFRESH_ENTRIES);
	/* a keyed hash spreads names: most slots end up used */
	assert_true(kept > REFRESH_ENTRIES / 2);
	/* names never noted are never reported as refreshed */
	for (i = n; i < 2 * n; i++) {
		snprintf(name, sizeof(name), "lg_f:%zu:%06zX", i % 20 + 1, i);
		assert_true(due(name, t + 1, w));
	}
	/* the last name noted in a slot is the one it remembers */
	snprintf(name, sizeof(name), "lg_f:%zu:%06zX", (n - 1) % 20 + 1, n - 1);
	assert_false(due(name, t + 1, w));
}

/*
 * The names of a few messages are all remembered: with one slot per name
 * two of them would often share one and be refreshed every time.
 */
static void
test_no_eviction_below_ways(void **state)
{
	const int64_t	w = refresh_window(15), t = 11;
	char		name[32];
	size_t		i;

	(void)state;
	for (i = 0; i < 128; i++) {
		snprintf(name, sizeof(name), "lg_f:%zu:%06zX", i % 20 + 1,
		    i * 7919);
		note(name, t, w);
	}
	for (i = 0; i < 128; i++) {
		snprintf(name, sizeof(name), "lg_f:%zu:%06zX", i % 20 + 1,
		    i * 7919);
		assert_false(due(name, t + 1, w));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_vectors),
		cmocka_unit_test(test_window),
		cmocka_unit_test_setup(test_due_in_window, setup),
		cmocka_unit_test_setup(test_clear, setup),
		cmocka_unit_test_setup(test_new_window_forgets, setup),
		cmocka_unit_test_setup(test_wrap_and_collisions, setup),
		cmocka_unit_test_setup(test_no_eviction_below_ways, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
