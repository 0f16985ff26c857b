/*
 * guardianctl: the operator's tool.  It runs the same digest and TLSH code as
 * the daemon, so what it prints is what /analyze computes.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "guardianctl.h"

int	ctl_digests(int, char *[]);
int	ctl_digest_parity(int, char *[]);
int	ctl_digest_stages(int, char *[]);
int	ctl_tlsh(int, char *[]);
int	ctl_diff(int, char *[]);

static const struct ctl_command commands[] = {
	{ "digests", "FILE...", ctl_digests },
	{ "digest-parity", "DIGESTS.TSV CORPUS-DIR", ctl_digest_parity },
	{ "digest-stages", "STAGES.TSV CORPUS-DIR", ctl_digest_stages },
	{ "tlsh", "[--compat] [--conservative] FILE...", ctl_tlsh },
	{ "diff", "[--no-length] DIGEST DIGEST", ctl_diff },
	{ NULL, NULL, NULL }
};

static void
usage(void)
{
	const struct ctl_command *c;

	fprintf(stderr, "usage: guardianctl COMMAND [ARGS...]\n"
	    "       guardianctl version\n");
	for (c = commands; c->name != NULL; c++)
		fprintf(stderr, "       guardianctl %s %s\n", c->name, c->usage);
}

int
main(int argc, char *argv[])
{
	const struct ctl_command *c;

	if (argc < 2) {
		usage();
		return 2;
	}
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "-v") == 0 ||
	    strcmp(argv[1], "--version") == 0) {
		printf("guardianctl %s (compatible with Mailuminati Guardian %s)\n",
		    PACKAGE_VERSION, GUARDIAN_COMPAT_VERSION);
		return 0;
	}
	for (c = commands; c->name != NULL; c++)
		if (strcmp(argv[1], c->name) == 0)
			return c->run(argc - 2, argv + 2);
	fprintf(stderr, "guardianctl: unknown command '%s'\n", argv[1]);
	usage();
	return 2;
}
