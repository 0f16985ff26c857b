#include "testutil.h"

#include <string.h>

#include "buf.h"

static void
test_append_and_release(void **state)
{
	struct buf	 b;
	uint8_t		*p;
	size_t		 len;
	int		 i;

	(void)state;
	buf_init(&b, 0);
	for (i = 0; i < 1000; i++)
		assert_int_equal(buf_putc(&b, 'a' + i % 26), 0);
	assert_int_equal(buf_printf(&b, "-%d-", 42), 0);
	assert_int_equal(b.len, 1004);
	assert_memory_equal(b.data + 1000, "-42-", 5);
	p = buf_release(&b, &len);
	assert_non_null(p);
	assert_int_equal(len, 1004);
	assert_null(b.data);
	free(p);
}

static void
test_limit_is_sticky(void **state)
{
	struct buf	 b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_puts(&b, "12345678"), 0);
	assert_int_equal(buf_putc(&b, '9'), -1);
	assert_true(buf_failed(&b));
	/* Once failed, nothing more is appended, even what would fit. */
	buf_reset(&b);
	assert_false(buf_failed(&b));
	assert_int_equal(buf_puts(&b, "ab"), 0);
	assert_string_equal((char *)b.data, "ab");
	buf_free(&b);
}

static void
test_overflow_rejected(void **state)
{
	struct buf	 b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(buf_puts(&b, "x"), 0);
	assert_int_equal(buf_reserve(&b, SIZE_MAX), -1);
	assert_true(buf_failed(&b));
	buf_free(&b);
}

static void
test_release_empty(void **state)
{
	struct buf	 b;
	uint8_t		*p;
	size_t		 len = 99;

	(void)state;
	buf_init(&b, 0);
	p = buf_release(&b, &len);
	assert_non_null(p);
	assert_int_equal(len, 0);
	assert_int_equal(p[0], '\0');
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_and_release),
		cmocka_unit_test(test_limit_is_sticky),
		cmocka_unit_test(test_overflow_rejected),
		cmocka_unit_test(test_release_empty),
	};
	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
