#ifndef GUARDIAN_SANDBOX_H
#define GUARDIAN_SANDBOX_H
/*
 * Privilege dropping and per-role seccomp filters.  A role entry point
 * acquires what it needs (listeners, sockets, CA bundle, log descriptors),
 * then calls, in this order:
 *
 *	sandbox_drop_privileges(user, chroot_dir, ...);
 *	sandbox_warmup(role);
 *	sandbox_apply(role, mode, ...);
 *
 * and dies on any failure before serving anything.  See docs/sandbox.md.
 */
#include <stddef.h>
#include <sys/types.h>

enum sandbox_role {
	SANDBOX_ROLE_MASTER,
	SANDBOX_ROLE_WORKER,
	SANDBOX_ROLE_LEARNER,
	SANDBOX_ROLE_ORACLE
};

enum sandbox_mode {
	SANDBOX_KILL,		/* a forbidden call kills the process */
	SANDBOX_TRAP,		/* reports the syscall number, then exits */
	SANDBOX_OFF		/* no filter, only no_new_privs */
};

/* Exit status of a process stopped by the trap mode (128 + SIGSYS). */
#define SANDBOX_TRAP_EXIT	159

/* "kill" | "trap" | "off"; 0 or -1 when the word is unknown. */
int	sandbox_mode_parse(const char *, enum sandbox_mode *);
const char *sandbox_mode_name(enum sandbox_mode);
const char *sandbox_role_name(enum sandbox_role);

/*
 * Demotes the calling process, always in this order: chroot (only when
 * root and chroot_dir != NULL) -> chdir("/") -> setgroups -> setresgid ->
 * setresuid -> check that regaining root fails.  The user is resolved with
 * getpwnam before the chroot, while NSS can still read its files.  When
 * the process is not root, user and chroot_dir are ignored and nothing
 * changes (the caller logs that).  Returns 0, or -1 with a reason in err.
 */
int	sandbox_drop_privileges(const char *user, const char *chroot_dir,
	    char *err, size_t errlen);

/* Looks a user up so the master can fail early: "user 'x' does not exist". */
int	sandbox_lookup_user(const char *user, uid_t *, gid_t *, char *err,
	    size_t errlen);

/*
 * Loads, before the filter, library state that is otherwise loaded lazily
 * with calls the filter forbids: locale "C", timezone, NSS, random
 * sources, GMime and its charset converters (worker), libcurl (oracle).
 */
void	sandbox_warmup(enum sandbox_role);

/*
 * Sets no_new_privs and the role's rlimits, then loads the role's seccomp
 * filter.  SANDBOX_OFF stops after no_new_privs (the caller logs a loud
 * warning).  SANDBOX_TRAP installs a SIGSYS handler that writes the
 * offending syscall number to stderr and exits.  The master gets
 * no_new_privs only: it forks, execs and binds on reload.  Returns 0, or
 * -1 with a reason in err.
 */
int	sandbox_apply(enum sandbox_role, enum sandbox_mode, char *err,
	    size_t errlen);

#endif
