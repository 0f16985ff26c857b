/*
 * mailuminati-guardian: entry point of every process role.
 *
 * The master starts each child by fork + exec of this same binary with
 * "-role NAME"; main() only dispatches to the role's entry point, listed
 * in the process table (proc.c).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "proc.h"
#include "proctitle.h"

int
main(int argc, char *argv[])
{
	const struct proc_role	*role;
	const char		*config_path = NULL;
	int			 i;

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
	proctitle_init(argc, argv);
	if (argc >= 3 && strcmp(argv[1], "-role") == 0) {
		if ((role = proc_role_by_name(argv[2])) == NULL) {
			fprintf(stderr, "mailuminati-guardian: unknown role "
			    "'%s'\n", argv[2]);
			return 1;
		}
		if (argc == 5 && strcmp(argv[3], "-config") == 0)
			config_path = argv[4];
		else if (argc != 3) {
			fprintf(stderr, "mailuminati-guardian: bad arguments "
			    "for -role\n");
			return 1;
		}
		role->entry(config_path);
	}
	master_main(argc, argv);
}
