/*
 * mailuminati-guardian: entry point of every process role.
 *
 * The master starts each child by fork + exec of this same binary with
 * "-role NAME"; main() only dispatches to the role's entry point, listed
 * in the process table (proc.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "proctitle.h"
#include "stats.h"

_Static_assert(PROC_FD_STATS == STATS_FD, "one descriptor for the segment");

/*
 * "-slot N": map the statistics segment the master placed at STATS_FD
 * now, before the role acquires anything or enters its sandbox.  Without
 * it (a child started by hand or an old master) counters stay local.
 */
static int
main_stats_attach(const char *arg)
{
	char	*end;
	long	 slot;

	slot = strtol(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || slot < 0 || slot >= STATS_SLOTS)
		return -1;
	(void)stats_attach(STATS_FD, (int)slot);
	(void)close(STATS_FD);
	return 0;
}

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
		for (i = 3; i < argc; i += 2) {
			if (i + 1 < argc && strcmp(argv[i], "-config") == 0)
				config_path = argv[i + 1];
			else if (i + 1 < argc &&
			    strcmp(argv[i], "-slot") == 0 &&
			    main_stats_attach(argv[i + 1]) == 0)
				continue;
			else {
				fprintf(stderr, "mailuminati-guardian: bad "
				    "arguments for -role\n");
				return 1;
			}
		}
		role->entry(config_path);
	}
	master_main(argc, argv);
}
