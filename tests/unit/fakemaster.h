#ifndef FAKEMASTER_H
#define FAKEMASTER_H
/*
 * A stand-in for the master in unit tests: starts one child role of the
 * real daemon by fork + exec with the descriptor layout of master/proc.h
 * (fd 3 the master channel, fd 2 a log file, 0 and 1 /dev/null) and speaks
 * the master's side of the protocol with the blocking IPC helpers.  Peer
 * channels are socketpairs whose other end the test keeps, so the test
 * plays the worker or the learner, well-behaved or not.
 *
 *	struct fakemaster fm;
 *	fakemaster_spawn(&fm, "oracle-proxy", conf, log);
 *	fakemaster_wait_ready(&fm, 5000);
 *	int w = fakemaster_peer(&fm, PROC_WORKER, 4242);
 *	ipc_send_blocking(w, PROTO_ORACLE_REQUEST, 1, &m, -1);
 *	ipc_recv_blocking(w, &hdr, &payload, NULL, 5000);
 *	fakemaster_stop(&fm);
 *
 * The daemon is found next to the test program ($(B)/tests/test_x ->
 * $(B)/mailuminati-guardian), or at $GUARDIAN_BIN.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "ipc.h"
#include "master/proc.h"
#include "master/proto.h"

struct fakemaster {
	pid_t	 pid;		/* the child, or -1 */
	int	 chan;		/* our end of its fd 3 */
};

/* The daemon binary: $GUARDIAN_BIN, else beside ../ of this program. */
static inline const char *
fakemaster_exe(void)
{
	static char	 path[PATH_MAX];
	const char	*env = getenv("GUARDIAN_BIN");
	char		*slash;
	ssize_t		 n;

	if (env != NULL && *env != '\0')
		return env;
	n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n <= 0)
		return "build/mailuminati-guardian";
	path[n] = '\0';
	/* .../build/tests/test_x -> .../build */
	if ((slash = strrchr(path, '/')) != NULL)
		*slash = '\0';
	if ((slash = strrchr(path, '/')) != NULL)
		*slash = '\0';
	if (strlen(path) + sizeof("/mailuminati-guardian") > sizeof(path))
		return "build/mailuminati-guardian";
	strcat(path, "/mailuminati-guardian");
	return path;
}

/*
 * Starts `daemon -role ROLE -config CONFIG` (config may be NULL) with its
 * log appended to logpath.  Returns 0 or -1 with errno set.
 */
static inline int
fakemaster_spawn(struct fakemaster *fm, const char *role, const char *config,
    const char *logpath)
{
	const char	*exe = fakemaster_exe();
	int		 sp[2], logfd, nullfd;

	fm->pid = -1;
	fm->chan = -1;
	if ((logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0600)) == -1)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1) {
		close(logfd);
		return -1;
	}
	switch (fm->pid = fork()) {
	case -1:
		close(sp[0]);
		close(sp[1]);
		close(logfd);
		return -1;
	case 0:
		if ((nullfd = open("/dev/null", O_RDWR)) == -1 ||
		    dup2(nullfd, 0) == -1 || dup2(nullfd, 1) == -1 ||
		    dup2(logfd, 2) == -1 || dup2(sp[1], PROC_FD_MASTER) == -1)
			_exit(127);
		/* Only 0..3 survive the exec, as with the real master. */
		if (close_range(PROC_FD_MASTER + 1, ~0U, 0) == -1)
			_exit(127);
		if (config != NULL)
			execl(exe, exe, "-role", role, "-config", config,
			    (char *)NULL);
		else
			execl(exe, exe, "-role", role, (char *)NULL);
		_exit(127);
	default:
		break;
	}
	close(sp[1]);
	close(logfd);
	fm->chan = sp[0];
	return 0;
}

/* Waits for CHILD_READY; any other message fails with EPROTO. */
static inline int
fakemaster_wait_ready(struct fakemaster *fm, int timeout_ms)
{
	struct ipc_hdr	 hdr;
	uint8_t		*payload = NULL;

	if (ipc_recv_blocking(fm->chan, &hdr, &payload, NULL,
	    timeout_ms) == -1)
		return -1;
	free(payload);
	if (hdr.type != PROTO_CHILD_READY) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

/*
 * Gives the child a channel to a peer of the given type and pid, as the
 * master does on spawn; returns our end (the peer's side) or -1.
 */
static inline int
fakemaster_peer(struct fakemaster *fm, enum proc_type peer, uint32_t pid)
{
	struct msg	 m;
	int		 sp[2], rc;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		return -1;
	msg_init(&m);
	msg_add_u8(&m, (uint8_t)peer);
	msg_add_u32(&m, pid);
	rc = ipc_send_blocking(fm->chan, PROTO_PEER_CHANNEL, 0, &m, sp[1]);
	msg_free(&m);
	close(sp[1]);
	if (rc == -1) {
		close(sp[0]);
		return -1;
	}
	return sp[0];
}

/*
 * Reads the next message the child sends its master (e.g. the
 * PEER_MISBEHAVED after a bad request).  *pid_out gets the u32 of a
 * PEER_MISBEHAVED when not NULL.  Returns the type or -1.
 */
static inline int
fakemaster_recv(struct fakemaster *fm, uint32_t *pid_out, int timeout_ms)
{
	struct ipc_hdr		 hdr;
	struct msg_reader	 r;
	uint8_t			*payload = NULL;
	uint32_t		 pid = 0;

	if (ipc_recv_blocking(fm->chan, &hdr, &payload, NULL,
	    timeout_ms) == -1)
		return -1;
	if (hdr.type == PROTO_PEER_MISBEHAVED) {
		msg_reader_init(&r, payload, hdr.len);
		if (msg_get_u32(&r, &pid) == -1 || msg_end(&r) == -1) {
			free(payload);
			errno = EPROTO;
			return -1;
		}
	}
	free(payload);
	if (pid_out != NULL)
		*pid_out = pid;
	return (int)hdr.type;
}

/* 1 while the child runs, else 0 (and *status, when not NULL, is set). */
static inline int
fakemaster_alive(struct fakemaster *fm, int *status)
{
	int	st;
	pid_t	r;

	if (fm->pid == -1)
		return 0;
	r = waitpid(fm->pid, &st, WNOHANG);
	if (r == 0)
		return 1;
	if (r == fm->pid && status != NULL)
		*status = st;
	fm->pid = -1;
	return 0;
}

/*
 * SIGTERM, then SIGKILL after timeout_ms; reaps the child and closes the
 * channel.  Returns the wait status, or -1 if the child was gone already.
 */
static inline int
fakemaster_stop(struct fakemaster *fm, int timeout_ms)
{
	struct timespec	 ts = { 0, 10 * 1000 * 1000 };
	int		 st = -1, waited = 0;
	pid_t		 r;

	if (fm->chan != -1) {
		close(fm->chan);
		fm->chan = -1;
	}
	if (fm->pid == -1)
		return -1;
	(void)kill(fm->pid, SIGTERM);
	for (;;) {
		r = waitpid(fm->pid, &st, WNOHANG);
		if (r == fm->pid || (r == -1 && errno != EINTR))
			break;
		if (waited >= timeout_ms) {
			(void)kill(fm->pid, SIGKILL);
			(void)waitpid(fm->pid, &st, 0);
			break;
		}
		nanosleep(&ts, NULL);
		waited += 10;
	}
	fm->pid = -1;
	return st;
}

static inline void
fakemaster_sleep_ms(long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

struct fakemaster_tunables {
	int64_t		 spam_weight;
	int64_t		 ham_weight;
	int64_t		 spam_threshold;
	uint32_t	 retention_days;
	uint8_t		 log_level;
	uint8_t		 log_format;
};

/* TUNABLES, in the order master/supervise.c writes them. */
static inline int
fakemaster_tunables(struct fakemaster *fm, const struct fakemaster_tunables *t)
{
	struct msg	 m;
	int		 rc;

	msg_init(&m);
	msg_add_u64(&m, (uint64_t)t->spam_weight);
	msg_add_u64(&m, (uint64_t)t->ham_weight);
	msg_add_u64(&m, (uint64_t)t->spam_threshold);
	msg_add_u32(&m, t->retention_days);
	msg_add_u8(&m, t->log_level);
	msg_add_u8(&m, t->log_format);
	rc = ipc_send_blocking(fm->chan, PROTO_TUNABLES, 0, &m, -1);
	msg_free(&m);
	return rc;
}

/* Writes raw bytes to a socket, all of them or -1. */
static inline int
fakemaster_write_raw(int sock, const void *data, size_t len)
{
	const uint8_t	*p = data;
	ssize_t		 n;

	while (len > 0) {
		if ((n = send(sock, p, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * 1 once the other end of sock is closed (end of file or reset) within
 * timeout_ms, 0 if it is still open.  Reads and discards what arrives.
 */
static inline int
fakemaster_closed_by_peer(int sock, int timeout_ms)
{
	struct pollfd	 pfd = { sock, POLLIN, 0 };
	uint8_t		 sink[4096];
	ssize_t		 n;
	int		 waited = 0;

	while (waited <= timeout_ms) {
		if (poll(&pfd, 1, 50) > 0) {
			n = recv(sock, sink, sizeof(sink), MSG_DONTWAIT);
			if (n == 0 || (n == -1 && errno != EAGAIN &&
			    errno != EINTR))
				return 1;
			continue;
		}
		waited += 50;
	}
	return 0;
}

/* A loopback TCP port nobody listened on a moment ago, or 0. */
static inline unsigned int
fakemaster_free_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	unsigned int		 port = 0;
	int			 s;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return 0;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(s, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(s);
	return port;
}

/* 0 once something accepts TCP connections on 127.0.0.1:port. */
static inline int
fakemaster_wait_port(unsigned int port, int timeout_ms)
{
	struct sockaddr_in	 sin;
	int			 s, waited, rc;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	for (waited = 0; waited <= timeout_ms; waited += 50) {
		if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			return -1;
		rc = connect(s, (struct sockaddr *)&sin, sizeof(sin));
		close(s);
		if (rc == 0)
			return 0;
		fakemaster_sleep_ms(50);
	}
	return -1;
}

/*
 * A private redis-server on a free loopback port, with no persistence,
 * working in dir.  Returns its PID (stop it with kill + waitpid), or -1
 * when redis-server is missing or does not come up.
 */
static inline pid_t
fakemaster_redis_start(const char *dir, unsigned int *portp)
{
	char		 port[16];
	unsigned int	 p;
	pid_t		 pid;
	int		 null;

	if ((p = fakemaster_free_port()) == 0)
		return -1;
	snprintf(port, sizeof(port), "%u", p);
	switch (pid = fork()) {
	case -1:
		return -1;
	case 0:
		if ((null = open("/dev/null", O_RDWR)) != -1) {
			(void)dup2(null, 0);
			(void)dup2(null, 1);
			(void)dup2(null, 2);
		}
		execlp("redis-server", "redis-server", "--port", port,
		    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		    "--dir", dir, "--daemonize", "no", (char *)NULL);
		_exit(127);
	}
	if (fakemaster_wait_port(p, 5000) == -1) {
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		return -1;
	}
	*portp = p;
	return pid;
}

#endif
