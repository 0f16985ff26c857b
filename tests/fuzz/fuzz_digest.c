/*
 * The whole digest pipeline against arbitrary messages: enmime's MIME walk,
 * charset detection and conversion, html2text, normalization and TLSH.
 * Every byte of a message is attacker-controlled.  Checks that a result is
 * well formed: digests are "T1" plus 70 upper-case hex digits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "worker/digest/digest.h"

#define FUZZ_MAX_INPUT	(1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct digest_list	 dl;
	char			 err[256];
	size_t			 i, k;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (digest_message(data, size, &dl, err, sizeof(err)) == -1) {
		if (err[0] == '\0')
			abort();	/* an error always has a reason */
		return 0;
	}
	for (i = 0; i < dl.count; i++) {
		if (strlen(dl.digest[i]) != TLSH_STRING_LEN ||
		    strncmp(dl.digest[i], "T1", 2) != 0)
			abort();
		for (k = 2; k < TLSH_STRING_LEN; k++)
			if (strchr("0123456789ABCDEF", dl.digest[i][k]) ==
			    NULL)
				abort();
	}
	digest_list_free(&dl);
	return 0;
}
