#ifndef TESTUTIL_H
#define TESTUTIL_H
/* Shared includes for the cmocka unit tests. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

/*
 * Optional extra cases read from ../shared next to the checkout; tests that
 * use it skip when it is absent.  SHARED_DIR overrides the location.
 */
#include <stdlib.h>
static inline const char *
testutil_shared_dir(void)
{
	const char *d = getenv("SHARED_DIR");
	return d != NULL ? d : "../shared";
}
#endif
