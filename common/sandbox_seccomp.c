/*
 * One seccomp allow-list per role, as data.  The default action kills the
 * whole process; an entry either allows a system call (optionally only in
 * the form given by its argument comparisons) or makes it fail with an
 * errno where a library probes for something and copes with a refusal.
 * docs/sandbox.md explains each group.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox_seccomp.h"

#ifdef HAVE_SECCOMP

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>

#define SB_MAX_ARGS	3

struct sandbox_rule {
	int			 nr;
	uint32_t		 action;
	unsigned int		 argc;
	struct scmp_arg_cmp	 arg[SB_MAX_ARGS];
};

#define SB_EQ(i, v)							\
	{ .arg = (i), .op = SCMP_CMP_EQ, .datum_a = (scmp_datum_t)(v) }
/* (argument & mask) == value */
#define SB_MASKED(i, m, v)						\
	{ .arg = (i), .op = SCMP_CMP_MASKED_EQ,				\
	  .datum_a = (scmp_datum_t)(m), .datum_b = (scmp_datum_t)(v) }

#define SB_ALLOW(name)							\
	{ .nr = SCMP_SYS(name), .action = SCMP_ACT_ALLOW }
#define SB_ALLOW_IF(name, ...)						\
	{ .nr = SCMP_SYS(name), .action = SCMP_ACT_ALLOW,		\
	  .argc = sizeof((struct scmp_arg_cmp[]){ __VA_ARGS__ }) /	\
	      sizeof(struct scmp_arg_cmp),				\
	  .arg = { __VA_ARGS__ } }
#define SB_REFUSE_IF(name, err, ...)					\
	{ .nr = SCMP_SYS(name), .action = SCMP_ACT_ERRNO(err),		\
	  .argc = sizeof((struct scmp_arg_cmp[]){ __VA_ARGS__ }) /	\
	      sizeof(struct scmp_arg_cmp),				\
	  .arg = { __VA_ARGS__ } }
#define SB_REFUSE(name, err)						\
	{ .nr = SCMP_SYS(name), .action = SCMP_ACT_ERRNO(err) }

/* Socket type without the SOCK_NONBLOCK and SOCK_CLOEXEC flags. */
#define SB_SOCK_TYPE_MASK						\
	((scmp_datum_t)0xffffffffU & ~(scmp_datum_t)(SOCK_NONBLOCK | SOCK_CLOEXEC))

/* Flags that make an open write, create or truncate. */
#define SB_OPEN_WRITE_MASK						\
	((scmp_datum_t)(O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND |	\
	    (O_TMPFILE & ~O_DIRECTORY)))

/* What every sandboxed role needs: it serves on descriptors it inherited. */
static const struct sandbox_rule sandbox_rules_common[] = {
	/* Memory; mmap and mprotect are added per role (PROT_EXEC). */
	SB_ALLOW(brk),
	SB_ALLOW(munmap),
	SB_ALLOW(mremap),
	SB_ALLOW(madvise),

	/* I/O on descriptors that are already open. */
	SB_ALLOW(read),
	SB_ALLOW(readv),
	SB_ALLOW(write),
	SB_ALLOW(writev),
	SB_ALLOW(close),
	SB_ALLOW(dup2),			/* a new log descriptor onto stderr */
	SB_ALLOW(dup3),
	SB_ALLOW(lseek),
	SB_ALLOW(fstat),
	/* glibc's fstat() is newfstatat(fd, "", AT_EMPTY_PATH): no path. */
	SB_ALLOW_IF(newfstatat, SB_EQ(3, AT_EMPTY_PATH)),
	SB_ALLOW_IF(fcntl, SB_EQ(1, F_GETFL)),
	SB_ALLOW_IF(fcntl, SB_EQ(1, F_SETFL)),
	SB_ALLOW_IF(fcntl, SB_EQ(1, F_GETFD)),
	SB_ALLOW_IF(fcntl, SB_EQ(1, F_SETFD)),
	/* libevent sizes reads with FIONREAD; stdio asks isatty (TCGETS). */
	SB_ALLOW_IF(ioctl, SB_EQ(1, FIONREAD)),
	SB_ALLOW_IF(ioctl, SB_EQ(1, FIONBIO)),
	SB_ALLOW_IF(ioctl, SB_EQ(1, TCGETS)),

	/* The event loop (libevent: epoll, its notification pipe, timers). */
	SB_ALLOW(epoll_create1),
	SB_ALLOW(epoll_ctl),
	SB_ALLOW(epoll_wait),
	SB_ALLOW(epoll_pwait),
	SB_ALLOW(poll),
	SB_ALLOW(ppoll),
	SB_ALLOW(eventfd2),
	SB_ALLOW(pipe2),
	SB_ALLOW(timerfd_create),
	SB_ALLOW(timerfd_settime),
	SB_ALLOW(timerfd_gettime),

	/* Sockets that already exist (IPC socketpairs, SCM_RIGHTS too). */
	SB_ALLOW(recvfrom),
	SB_ALLOW(recvmsg),
	SB_ALLOW(sendto),
	SB_ALLOW(sendmsg),
	SB_ALLOW(shutdown),
	SB_ALLOW(getsockname),
	SB_ALLOW(getpeername),
	SB_ALLOW(getsockopt),
	SB_ALLOW(setsockopt),

	/* Time. */
	SB_ALLOW(clock_gettime),
	SB_ALLOW(clock_getres),
	SB_ALLOW(gettimeofday),
	SB_ALLOW(time),
	SB_ALLOW(nanosleep),
	SB_ALLOW(clock_nanosleep),

	/* Signals; kill and tgkill are added for this process only. */
	SB_ALLOW(rt_sigaction),
	SB_ALLOW(rt_sigprocmask),
	SB_ALLOW(rt_sigreturn),
	SB_ALLOW(sigaltstack),
	SB_ALLOW(restart_syscall),

	/* Process state that reveals or changes nothing outside. */
	SB_ALLOW(getpid),
	SB_ALLOW(gettid),
	SB_ALLOW(getppid),
	SB_ALLOW(getuid),
	SB_ALLOW(geteuid),
	SB_ALLOW(getgid),
	SB_ALLOW(getegid),
	SB_ALLOW(uname),
	SB_ALLOW(getrlimit),
	SB_ALLOW_IF(prlimit64, SB_EQ(0, 0), SB_EQ(2, 0)),	/* read only */
	SB_ALLOW(getrandom),
	SB_ALLOW(futex),
	SB_ALLOW(sched_yield),
	SB_ALLOW(exit),
	SB_ALLOW(exit_group),
};

/* The worker accepts on the listening sockets the master gave it. */
static const struct sandbox_rule sandbox_rules_worker[] = {
	SB_ALLOW(accept4),
	SB_ALLOW(accept),
};

/*
 * The learner (re)connects to Redis at any time: hiredis reconnects after a
 * Redis restart.  Stream sockets of the three families only.
 */
static const struct sandbox_rule sandbox_rules_learner[] = {
	SB_ALLOW_IF(socket, SB_EQ(0, AF_INET),
	    SB_MASKED(1, SB_SOCK_TYPE_MASK, SOCK_STREAM)),
	SB_ALLOW_IF(socket, SB_EQ(0, AF_INET6),
	    SB_MASKED(1, SB_SOCK_TYPE_MASK, SOCK_STREAM)),
	SB_ALLOW_IF(socket, SB_EQ(0, AF_UNIX),
	    SB_MASKED(1, SB_SOCK_TYPE_MASK, SOCK_STREAM)),
	SB_ALLOW(connect),
};

/*
 * The oracle-proxy is an HTTPS client (libcurl, threaded resolver) that
 * resolves the Oracle's name with getaddrinfo at each connection.
 */
static const struct sandbox_rule sandbox_rules_oracle[] = {
	/* TCP to the Oracle, UDP to the DNS servers. */
	SB_ALLOW_IF(socket, SB_EQ(0, AF_INET),
	    SB_MASKED(1, SB_SOCK_TYPE_MASK, SOCK_STREAM)),
	SB_ALLOW_IF(socket, SB_EQ(0, AF_INET6),
	    SB_MASKED(1, SB_SOCK_TYPE_MASK, SOCK_STREAM)),
	SB_ALLOW_IF(socket, SB_EQ(0, AF_INET),
	    SB_MASKED(1, SB_SOCK_TYPE_MASK, SOCK_DGRAM)),
	SB_ALLOW_IF(socket, SB_EQ(0, AF_INET6),
	    SB_MASKED(1, SB_SOCK_TYPE_MASK, SOCK_DGRAM)),
	/* getaddrinfo sorts addresses with the interfaces from rtnetlink. */
	SB_ALLOW_IF(socket, SB_EQ(0, AF_NETLINK),
	    SB_MASKED(1, SB_SOCK_TYPE_MASK, SOCK_RAW),
	    SB_EQ(2, NETLINK_ROUTE)),
	/* glibc asks nscd over a unix socket first and copes with a no. */
	SB_REFUSE_IF(socket, EACCES, SB_EQ(0, AF_UNIX)),
	/* curl's wake-up pairs. */
	SB_ALLOW_IF(socketpair, SB_EQ(0, AF_UNIX)),
	SB_ALLOW(connect),
	SB_ALLOW(bind),			/* the rtnetlink socket */
	SB_ALLOW(sendmmsg),		/* A and AAAA queries at once */

	/*
	 * The resolver rereads resolv.conf, hosts, nsswitch.conf and gai.conf
	 * when they change: read-only opens, never write, create or truncate.
	 */
	SB_ALLOW_IF(openat, SB_MASKED(2, SB_OPEN_WRITE_MASK, O_RDONLY)),
	SB_ALLOW(newfstatat),
	SB_ALLOW(statx),

	/*
	 * curl's resolver threads: clone only as a thread of this process;
	 * clone3 (flags behind a pointer) answers ENOSYS and glibc falls back
	 * to clone.
	 */
	SB_ALLOW_IF(clone, SB_MASKED(0, CLONE_VM | CLONE_SIGHAND | CLONE_THREAD,
	    CLONE_VM | CLONE_SIGHAND | CLONE_THREAD)),
	SB_REFUSE(clone3, ENOSYS),
	SB_ALLOW(set_robust_list),
	SB_ALLOW(rseq),
	SB_ALLOW(sched_getaffinity),
};

struct sandbox_role_rules {
	const struct sandbox_rule	*rules;
	size_t				 count;
	int				 exec_mappings;
};

static int
sandbox_role_rules(enum sandbox_role role, struct sandbox_role_rules *r)
{
	memset(r, 0, sizeof(*r));
	switch (role) {
	case SANDBOX_ROLE_WORKER:
		r->rules = sandbox_rules_worker;
		r->count = sizeof(sandbox_rules_worker) /
		    sizeof(sandbox_rules_worker[0]);
		return 0;
	case SANDBOX_ROLE_LEARNER:
		r->rules = sandbox_rules_learner;
		r->count = sizeof(sandbox_rules_learner) /
		    sizeof(sandbox_rules_learner[0]);
		return 0;
	case SANDBOX_ROLE_ORACLE:
		r->rules = sandbox_rules_oracle;
		r->count = sizeof(sandbox_rules_oracle) /
		    sizeof(sandbox_rules_oracle[0]);
		/* NSS may dlopen a module for a name resolved later. */
		r->exec_mappings = 1;
		return 0;
	case SANDBOX_ROLE_MASTER:
		break;
	}
	return -1;
}

static int
sandbox_add(scmp_filter_ctx ctx, const struct sandbox_rule *rule,
    char *err, size_t errlen)
{
	char	*name;
	int	 rc;

	rc = seccomp_rule_add_array(ctx, rule->action, rule->nr, rule->argc,
	    rule->arg);
	if (rc == 0)
		return 0;
	name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, rule->nr);
	snprintf(err, errlen, "seccomp rule for %s (%d): %s",
	    name != NULL ? name : "?", rule->nr, strerror(-rc));
	free(name);
	return -1;
}

static int
sandbox_add_list(scmp_filter_ctx ctx, const struct sandbox_rule *rules,
    size_t count, char *err, size_t errlen)
{
	size_t	 i;

	for (i = 0; i < count; i++)
		if (sandbox_add(ctx, &rules[i], err, errlen) == -1)
			return -1;
	return 0;
}

/*
 * Rules that depend on the process: signals to itself only (abort() raises
 * SIGABRT with tgkill), and mappings that are never writable and executable
 * at once; without exec_mappings, never executable at all, as every
 * library is loaded before the filter.
 */
static int
sandbox_add_dynamic(scmp_filter_ctx ctx, int exec_mappings, char *err,
    size_t errlen)
{
	const scmp_datum_t	 wx = PROT_WRITE | PROT_EXEC;
	scmp_datum_t		 pid = (scmp_datum_t)getpid();
	struct sandbox_rule	 rules[] = {
		SB_ALLOW_IF(kill, SB_EQ(0, pid)),
		SB_ALLOW_IF(tgkill, SB_EQ(0, pid)),
		SB_ALLOW_IF(mmap, SB_MASKED(2, PROT_EXEC, 0)),
		SB_ALLOW_IF(mprotect, SB_MASKED(2, PROT_EXEC, 0)),
	};
	struct sandbox_rule	 exec_rules[] = {
		SB_ALLOW_IF(mmap, SB_MASKED(2, wx, PROT_EXEC)),
		SB_ALLOW_IF(mprotect, SB_MASKED(2, wx, PROT_EXEC)),
	};

	if (sandbox_add_list(ctx, rules, sizeof(rules) / sizeof(rules[0]),
	    err, errlen) == -1)
		return -1;
	if (exec_mappings && sandbox_add_list(ctx, exec_rules,
	    sizeof(exec_rules) / sizeof(exec_rules[0]), err, errlen) == -1)
		return -1;
	return 0;
}

int
sandbox_seccomp_load(enum sandbox_role role, int trap, char *err,
    size_t errlen)
{
	struct sandbox_role_rules	 r;
	scmp_filter_ctx			 ctx;
	int				 rc;

	if (sandbox_role_rules(role, &r) == -1) {
		snprintf(err, errlen, "no seccomp filter for role %d",
		    (int)role);
		return -1;
	}
	ctx = seccomp_init(trap ? SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS);
	if (ctx == NULL) {
		snprintf(err, errlen, "seccomp_init failed");
		return -1;
	}
	/* A foreign ABI (int 0x80, x32) is as forbidden as anything else. */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    trap ? SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS)) != 0 ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) != 0) {
		snprintf(err, errlen, "seccomp_attr_set: %s", strerror(-rc));
		goto fail;
	}
	if (sandbox_add_list(ctx, sandbox_rules_common,
	    sizeof(sandbox_rules_common) / sizeof(sandbox_rules_common[0]),
	    err, errlen) == -1 ||
	    sandbox_add_list(ctx, r.rules, r.count, err, errlen) == -1 ||
	    sandbox_add_dynamic(ctx, r.exec_mappings, err, errlen) == -1)
		goto fail;
	if ((rc = seccomp_load(ctx)) != 0) {
		snprintf(err, errlen, "seccomp_load: %s", strerror(-rc));
		goto fail;
	}
	seccomp_release(ctx);
	return 0;
fail:
	seccomp_release(ctx);
	return -1;
}

#else	/* !HAVE_SECCOMP */

int
sandbox_seccomp_load(enum sandbox_role role, int trap, char *err,
    size_t errlen)
{
	(void)role;
	(void)trap;
	snprintf(err, errlen, "built without seccomp: set SANDBOX=off");
	return -1;
}

#endif
