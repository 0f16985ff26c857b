/*
 * guardianctl tlsh [--compat] [--conservative] FILE...
 *	prints "FILE<TAB>DIGEST" per file ("TNULL" when there is none);
 *	"-" reads standard input.  Exit 1 when a file could not be read.
 * guardianctl diff [--no-length] DIGEST DIGEST
 *	prints the TLSH distance.  Exit 2 on a malformed digest.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tlsh.h"

int	ctl_tlsh(int, char *[]);
int	ctl_diff(int, char *[]);

static int
ctl_tlsh_stream(FILE *f, enum tlsh_flavour flavour, int options,
    char out[TLSH_STRING_SIZE])
{
	struct tlsh_ctx		 ctx;
	struct tlsh_digest	 d;
	unsigned char		 buf[65536];
	size_t			 n;

	tlsh_init(&ctx, flavour, options);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		tlsh_update(&ctx, buf, n);
	if (ferror(f))
		return -1;
	if (tlsh_final(&ctx, &d, NULL) == 0)
		tlsh_format(&d, out);
	else
		snprintf(out, TLSH_STRING_SIZE, "TNULL");
	return 0;
}

int
ctl_tlsh(int argc, char *argv[])
{
	enum tlsh_flavour	 flavour = TLSH_REFERENCE;
	char			 out[TLSH_STRING_SIZE];
	FILE			*f;
	int			 i, options = 0, failed = 0, files = 0;
	int			 end_of_options = 0;

	for (i = 0; i < argc; i++) {
		if (end_of_options || argv[i][0] != '-' ||
		    strcmp(argv[i], "-") == 0) {
			files++;
			continue;
		}
		if (strcmp(argv[i], "--") == 0)
			end_of_options = 1;
		else if (strcmp(argv[i], "--compat") == 0)
			flavour = TLSH_GUARDIAN;
		else if (strcmp(argv[i], "--conservative") == 0)
			options |= TLSH_OPT_CONSERVATIVE;
		else {
			fprintf(stderr, "guardianctl tlsh: unknown option %s\n",
			    argv[i]);
			return 2;
		}
	}
	if (files == 0) {
		fprintf(stderr, "usage: guardianctl tlsh [--compat] "
		    "[--conservative] FILE...\n");
		return 2;
	}
	if (flavour == TLSH_GUARDIAN && (options & TLSH_OPT_CONSERVATIVE)) {
		fprintf(stderr, "guardianctl tlsh: --conservative applies to "
		    "the reference flavour only\n");
		return 2;
	}
	end_of_options = 0;
	for (i = 0; i < argc; i++) {
		if (!end_of_options && strcmp(argv[i], "--") == 0) {
			end_of_options = 1;
			continue;
		}
		if (!end_of_options && argv[i][0] == '-' &&
		    strcmp(argv[i], "-") != 0)
			continue;
		if (strcmp(argv[i], "-") == 0 && !end_of_options)
			f = stdin;
		else if ((f = fopen(argv[i], "rb")) == NULL) {
			fprintf(stderr, "guardianctl tlsh: %s: %s\n", argv[i],
			    strerror(errno));
			failed = 1;
			continue;
		}
		if (ctl_tlsh_stream(f, flavour, options, out) == -1) {
			fprintf(stderr, "guardianctl tlsh: %s: read error\n",
			    argv[i]);
			failed = 1;
		} else
			printf("%s\t%s\n", argv[i], out);
		if (f != stdin)
			fclose(f);
	}
	if (fflush(stdout) == EOF)
		failed = 1;
	return failed;
}

int
ctl_diff(int argc, char *argv[])
{
	struct tlsh_digest	 a, b;
	int			 with_length = 1;

	if (argc > 0 && strcmp(argv[0], "--no-length") == 0) {
		with_length = 0;
		argc--;
		argv++;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: guardianctl diff [--no-length] "
		    "DIGEST DIGEST\n");
		return 2;
	}
	if (tlsh_parse(argv[0], &a) == -1) {
		fprintf(stderr, "guardianctl diff: not a TLSH digest: %.80s\n",
		    argv[0]);
		return 2;
	}
	if (tlsh_parse(argv[1], &b) == -1) {
		fprintf(stderr, "guardianctl diff: not a TLSH digest: %.80s\n",
		    argv[1]);
		return 2;
	}
	printf("%d\n", tlsh_distance(&a, &b, with_length));
	return fflush(stdout) == EOF ? 1 : 0;
}
