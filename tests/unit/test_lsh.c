/*
 * Banding as upstream's extractBands_6_3: its own example digest, the
 * short-digest rule and the overlap of consecutive bands.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "lsh.h"

static const char *const lsh_example =
    "T130111215FBC5E333C7858A138AB9223BF73E83F80320F876400D8442AA0B4E70376A94";

static void
test_upstream_example(void **state)
{
	static const char *const want[LSH_BANDS] = {
		"1:15FBC5", "2:BC5E33", "3:E333C7", "4:3C7858", "5:858A13",
		"6:A138AB", "7:8AB922", "8:9223BF", "9:3BF73E", "10:73E83F",
		"11:83F803", "12:80320F", "13:20F876", "14:876400",
		"15:400D84", "16:D8442A", "17:42AA0B", "18:A0B4E7",
		"19:4E7037", "20:0376A9",
	};
	char	bands[LSH_BANDS][LSH_BAND_SIZE];
	size_t	i;

	(void)state;
	assert_int_equal(lsh_bands(lsh_example, bands), LSH_BANDS);
	for (i = 0; i < LSH_BANDS; i++)
		assert_string_equal(bands[i], want[i]);
}

static void
test_short_digest(void **state)
{
	char	bands[LSH_BANDS][LSH_BAND_SIZE];
	char	shorter[72];

	(void)state;
	memcpy(shorter, lsh_example, 71);
	shorter[71] = '\0';
	assert_int_equal(lsh_bands(shorter, bands), 0);
	assert_int_equal(lsh_bands("", bands), 0);
	assert_int_equal(lsh_bands("TNULL", bands), 0);
}

static void
test_fake_digest(void **state)
{
	char	bands[LSH_BANDS][LSH_BAND_SIZE];
	char	fake[80];
	size_t	i;

	(void)state;
	/* Upstream's TestExtractBands: "T1" + "01020304" + 64 x 'A'. */
	snprintf(fake, sizeof(fake), "T101020304%064d", 0);
	memset(fake + 10, 'A', 64);
	assert_int_equal(lsh_bands(fake, bands), LSH_BANDS);
	/* core starts at offset 8: "04" then the A's. */
	assert_string_equal(bands[0], "1:04AAAA");
	for (i = 1; i < LSH_BANDS; i++) {
		char	want[LSH_BAND_SIZE];

		snprintf(want, sizeof(want), "%zu:AAAAAA", i + 1);
		assert_string_equal(bands[i], want);
	}
}

/* Any 72 characters: each band is its index, ':' and 6 of them. */
static void
test_random_digests(void **state)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			 d[80], want[LSH_BAND_SIZE + 8];
	char			 bands[LSH_BANDS][LSH_BAND_SIZE];
	unsigned int		 seed = 12345;
	size_t			 i, n;

	(void)state;
	for (n = 0; n < 200; n++) {
		memcpy(d, "T1", 2);
		for (i = 2; i < 72 + n % 3; i++) {
			seed = seed * 1103515245 + 12345;
			d[i] = hex[(seed >> 16) & 15];
		}
		d[i] = '\0';
		assert_int_equal(lsh_bands(d, bands), LSH_BANDS);
		for (i = 0; i < LSH_BANDS; i++) {
			snprintf(want, sizeof(want), "%zu:%.6s", i + 1,
			    d + 8 + 3 * i);
			assert_string_equal(bands[i], want);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upstream_example),
		cmocka_unit_test(test_short_digest),
		cmocka_unit_test(test_fake_digest),
		cmocka_unit_test(test_random_digests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
