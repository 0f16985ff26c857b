/*
 * Privilege dropping and the entry point of the seccomp sandbox.  The
 * allow-lists themselves live in sandbox_seccomp.c, the warm-up of lazily
 * loaded library state in sandbox_warmup.c.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"
#include "sandbox_seccomp.h"

/* Longest user name accepted; useradd's limit is 32. */
#define SANDBOX_USER_MAX	64

static void
sandbox_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
sandbox_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
sandbox_mode_parse(const char *word, enum sandbox_mode *mode)
{
	if (word == NULL)
		return -1;
	if (strcmp(word, "kill") == 0)
		*mode = SANDBOX_KILL;
	else if (strcmp(word, "trap") == 0)
		*mode = SANDBOX_TRAP;
	else if (strcmp(word, "off") == 0)
		*mode = SANDBOX_OFF;
	else
		return -1;
	return 0;
}

const char *
sandbox_mode_name(enum sandbox_mode mode)
{
	switch (mode) {
	case SANDBOX_KILL:
		return "kill";
	case SANDBOX_TRAP:
		return "trap";
	case SANDBOX_OFF:
		return "off";
	}
	return "unknown";
}

const char *
sandbox_role_name(enum sandbox_role role)
{
	switch (role) {
	case SANDBOX_ROLE_MASTER:
		return "master";
	case SANDBOX_ROLE_WORKER:
		return "worker";
	case SANDBOX_ROLE_LEARNER:
		return "learner";
	case SANDBOX_ROLE_ORACLE:
		return "oracle-proxy";
	}
	return "unknown";
}

int
sandbox_lookup_user(const char *user, uid_t *uid, gid_t *gid, char *err,
    size_t errlen)
{
	struct passwd	*pw;

	if (user == NULL || user[0] == '\0') {
		sandbox_err(err, errlen, "no user given");
		return -1;
	}
	if (strnlen(user, SANDBOX_USER_MAX + 1) > SANDBOX_USER_MAX) {
		sandbox_err(err, errlen, "user name too long");
		return -1;
	}
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		if (errno != 0 && errno != ENOENT && errno != ESRCH)
			sandbox_err(err, errlen, "cannot look up user '%s': %s",
			    user, strerror(errno));
		else
			sandbox_err(err, errlen, "user '%s' does not exist",
			    user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		/* Demoting to a uid 0 account would keep every privilege. */
		sandbox_err(err, errlen, "user '%s' has uid 0", user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int
sandbox_drop_privileges(const char *user, const char *chroot_dir, char *err,
    size_t errlen)
{
	uid_t	 uid, ruid, euid, suid;
	gid_t	 gid, rgid, egid, sgid;

	if (geteuid() != 0)
		return 0;
	/* NSS reads /etc/passwd and may load modules: do it before chroot. */
	if (sandbox_lookup_user(user, &uid, &gid, err, errlen) == -1)
		return -1;
	if (chroot_dir != NULL && chroot(chroot_dir) == -1) {
		sandbox_err(err, errlen, "chroot %s: %s", chroot_dir,
		    strerror(errno));
		return -1;
	}
	if (chdir("/") == -1) {
		sandbox_err(err, errlen, "chdir /: %s", strerror(errno));
		return -1;
	}
	if (setgroups(1, &gid) == -1) {
		sandbox_err(err, errlen, "setgroups: %s", strerror(errno));
		return -1;
	}
	if (setresgid(gid, gid, gid) == -1) {
		sandbox_err(err, errlen, "setresgid %u: %s", (unsigned)gid,
		    strerror(errno));
		return -1;
	}
	if (setresuid(uid, uid, uid) == -1) {
		sandbox_err(err, errlen, "setresuid %u: %s", (unsigned)uid,
		    strerror(errno));
		return -1;
	}
	/* Trust nothing: every saved id must be gone and root unreachable. */
	if (getresuid(&ruid, &euid, &suid) == -1 ||
	    getresgid(&rgid, &egid, &sgid) == -1 ||
	    ruid != uid || euid != uid || suid != uid ||
	    rgid != gid || egid != gid || sgid != gid) {
		sandbox_err(err, errlen, "ids did not change as asked");
		return -1;
	}
	if (setresuid(0, 0, 0) != -1 || setegid(0) != -1) {
		sandbox_err(err, errlen, "root could be regained");
		return -1;
	}
	return 0;
}

/* Decimal digits of v into the end of buf; returns the start. */
static char *
sandbox_format_uint(char *end, unsigned long v)
{
	*--end = '\0';
	do {
		*--end = '0' + v % 10;
		v /= 10;
	} while (v != 0);
	return end;
}

/*
 * SIGSYS handler of the trap mode: only async-signal-safe calls, and only
 * calls every filter allows (write, exit_group).
 */
static void
sandbox_sigsys(int sig, siginfo_t *info, void *context)
{
	static const char	 prefix[] =
	    "sandbox: forbidden system call ";
	static const char	 arch[] = " (arch ";
	char			 nr[24], ar[24], *n, *a;

	(void)sig;
	(void)context;
	n = sandbox_format_uint(nr + sizeof(nr),
	    (unsigned long)(unsigned int)info->si_syscall);
	a = sandbox_format_uint(ar + sizeof(ar),
	    (unsigned long)info->si_arch);
	(void)!write(STDERR_FILENO, prefix, sizeof(prefix) - 1);
	(void)!write(STDERR_FILENO, n, strlen(n));
	(void)!write(STDERR_FILENO, arch, sizeof(arch) - 1);
	(void)!write(STDERR_FILENO, a, strlen(a));
	(void)!write(STDERR_FILENO, ")\n", 2);
	_exit(SANDBOX_TRAP_EXIT);
}

static int
sandbox_set_limit(int resource, rlim_t value, const char *name, char *err,
    size_t errlen)
{
	struct rlimit	 rl;

	rl.rlim_cur = rl.rlim_max = value;
	if (setrlimit(resource, &rl) == -1) {
		sandbox_err(err, errlen, "setrlimit %s: %s", name,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
sandbox_apply(enum sandbox_role role, enum sandbox_mode mode, char *err,
    size_t errlen)
{
	struct sigaction	 sa;

	/* Nothing this process execs can gain privileges, in every mode. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		sandbox_err(err, errlen, "PR_SET_NO_NEW_PRIVS: %s",
		    strerror(errno));
		return -1;
	}
	/* The master forks, execs and binds on reload: see docs/sandbox.md. */
	if (role == SANDBOX_ROLE_MASTER || mode == SANDBOX_OFF)
		return 0;

	/* A core file of a child could hold mail content. */
	if (sandbox_set_limit(RLIMIT_CORE, 0, "RLIMIT_CORE", err,
	    errlen) == -1)
		return -1;
	/*
	 * Workers and the learner never create a process or thread.  The
	 * limit counts every process of the uid, but is checked only when
	 * this process forks, so the other roles are not affected.
	 */
	if ((role == SANDBOX_ROLE_WORKER || role == SANDBOX_ROLE_LEARNER) &&
	    sandbox_set_limit(RLIMIT_NPROC, 0, "RLIMIT_NPROC", err,
	    errlen) == -1)
		return -1;

	if (mode == SANDBOX_TRAP) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = sandbox_sigsys;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGSYS, &sa, NULL) == -1) {
			sandbox_err(err, errlen, "sigaction SIGSYS: %s",
			    strerror(errno));
			return -1;
		}
	}
	return sandbox_seccomp_load(role, mode == SANDBOX_TRAP, err, errlen);
}
