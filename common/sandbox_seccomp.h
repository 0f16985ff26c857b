#ifndef GUARDIAN_SANDBOX_SECCOMP_H
#define GUARDIAN_SANDBOX_SECCOMP_H
/* Internal to the sandbox module: builds and loads a role's filter. */
#include <stddef.h>

#include "sandbox.h"

/*
 * Loads the role's allow-list; anything else kills the process, or with
 * trap != 0 raises SIGSYS.  Returns 0, or -1 with a reason in err.  On a
 * build without libseccomp, fails with a reason (SANDBOX=off is needed).
 */
int	sandbox_seccomp_load(enum sandbox_role, int trap, char *err,
	    size_t errlen);

#endif
