/*
 * mailuminati-guardian: entry point of every process role.
 *
 * The master starts each child by fork + exec of this same binary with a
 * role argument; main() only dispatches to the role's entry point.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

static void
usage(void)
{
	fprintf(stderr, "usage: mailuminati-guardian [-config FILE | -f FILE] "
	    "[-d] [-t] [-s reload|stop|quit|reopen] [-v]\n");
}

int
main(int argc, char *argv[])
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0 ||
		    strcmp(argv[i], "-version") == 0 ||
		    strcmp(argv[i], "--version") == 0) {
			printf("%s %s (compatible with Mailuminati Guardian %s)\n",
			    PACKAGE_NAME, PACKAGE_VERSION,
			    GUARDIAN_COMPAT_VERSION);
			return 0;
		}
	}
	usage();
	return 1;
}
