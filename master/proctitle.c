/*
 * Process titles.  The kernel reports the argv area of a process as its
 * command line, so writing the title over the argv strings (and padding
 * the rest of the area with NUL bytes) is enough for ps.  The argv vector
 * itself is pointed at private copies first because the role entry points
 * still parse it.
 */
#include <sys/prctl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proctitle.h"

static char	*proctitle_area;
static size_t	 proctitle_len;

void
proctitle_init(int argc, char *argv[])
{
	char	*start, *end, *copy;
	int	 i;

	if (argc < 1 || argv[0] == NULL)
		return;
	start = argv[0];
	end = start + strlen(start);
	/* Only the contiguous run of argv strings is ours to reuse. */
	for (i = 1; i < argc && argv[i] == end + 1; i++)
		end = argv[i] + strlen(argv[i]);
	for (i = 0; i < argc; i++) {
		if ((copy = strdup(argv[i])) == NULL)
			return;
		argv[i] = copy;
	}
	proctitle_area = start;
	proctitle_len = (size_t)(end - start) + 1;
}

void
proctitle_set(const char *role)
{
	char	name[16];

	/* comm is limited to 15 bytes: "guardian-worker" fits. */
	(void)snprintf(name, sizeof(name), "guardian-%s", role);
	(void)prctl(PR_SET_NAME, name, 0, 0, 0);
	if (proctitle_area == NULL || proctitle_len < 2)
		return;
	memset(proctitle_area, 0, proctitle_len);
	(void)snprintf(proctitle_area, proctitle_len, "mailuminati-guardian: %s",
	    role);
}
