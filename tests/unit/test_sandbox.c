#include "testutil.h"

/*
 * The sandbox is proven by running each role's real filter in a forked
 * child: forbidden calls must kill it with SIGSYS, and what the role needs
 * (its event loop, its sockets, GMime, hiredis, libcurl) must keep working.
 * A child reports a failed check with a distinct exit status.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <curl/curl.h>
#include <errno.h>
#include <evhtp.h>
#include <fcntl.h>
#include <gmime/gmime.h>
#include <grp.h>
#include <hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "sandbox.h"

#define CHILD_SANDBOX_FAILED	100

/* Without libseccomp there is no filter to prove (SANDBOX=off only). */
#ifdef HAVE_SECCOMP
#define NEED_SECCOMP()	do { } while (0)
#else
#define NEED_SECCOMP()	do { skip(); return; } while (0)
#endif

/* Forks; the child warms up, applies the filter and runs body. */
static pid_t
sandboxed_fork(enum sandbox_role role, enum sandbox_mode mode,
    int (*body)(void *), void *arg)
{
	char	 err[256];
	pid_t	 pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid != -1);
	if (pid != 0)
		return pid;
	sandbox_warmup(role);
	if (sandbox_apply(role, mode, err, sizeof(err)) == -1) {
		fprintf(stderr, "sandbox_apply: %s\n", err);
		_exit(CHILD_SANDBOX_FAILED);
	}
	/* _exit: no atexit handler (LeakSanitizer) runs under the filter. */
	_exit(body(arg));
}

static int
wait_status(pid_t pid)
{
	int	 status;

	while (waitpid(pid, &status, 0) == -1)
		assert_int_equal(errno, EINTR);
	return status;
}

static void
assert_exit_zero(int status)
{
	if (WIFSIGNALED(status))
		fail_msg("child killed by signal %d", WTERMSIG(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
assert_killed_by_sigsys(int status, const char *what)
{
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
		fail_msg("%s: expected SIGSYS, got %s %d", what,
		    WIFSIGNALED(status) ? "signal" : "exit",
		    WIFSIGNALED(status) ? WTERMSIG(status) :
		    WEXITSTATUS(status));
}

/* A TCP listener on 127.0.0.1 with an ephemeral port. */
static int
tcp_listener(unsigned short *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

static int
tcp_connect(unsigned short port)
{
	struct sockaddr_in	 sin;
	int			 fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

/* Reads until the peer closes or max bytes; 5 s overall. */
static size_t
read_all(int fd, char *buf, size_t max)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN };
	size_t		 off = 0;
	ssize_t		 n;

	while (off < max - 1 && poll(&pfd, 1, 5000) == 1) {
		if ((n = read(fd, buf + off, max - 1 - off)) <= 0)
			break;
		off += (size_t)n;
		buf[off] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL &&
		    strncmp(buf, "HTTP/", 5) != 0)
			break;		/* a full request: answer it */
	}
	buf[off] = '\0';
	return off;
}

/* Accepts one connection within 5 s; -1 if none came. */
static int
accept_within(int lfd)
{
	struct pollfd	 pfd = { .fd = lfd, .events = POLLIN };

	if (poll(&pfd, 1, 5000) != 1)
		return -1;
	return accept(lfd, NULL, NULL);
}

/* Forbidden calls, each in the raw form the kernel sees. */

static int
try_socket_inet(void *arg)
{
	(void)arg;
	return socket(AF_INET, SOCK_STREAM, 0) == -1 ? 1 : 2;
}

static int
try_socket_udp(void *arg)
{
	(void)arg;
	return socket(AF_INET, SOCK_DGRAM, 0) == -1 ? 1 : 2;
}

static int
try_socket_unix(void *arg)
{
	(void)arg;
	return socket(AF_UNIX, SOCK_STREAM, 0) == -1 ? 1 : 2;
}

static int
try_socket_packet(void *arg)
{
	(void)arg;
	return socket(AF_PACKET, SOCK_RAW, 0) == -1 ? 1 : 2;
}

static int
try_connect(void *arg)
{
	struct sockaddr_in	 sin;

	(void)arg;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	return connect(-1, (struct sockaddr *)&sin, sizeof(sin)) == -1 ? 1 : 2;
}

static int
try_listen(void *arg)
{
	(void)arg;
	return listen(-1, 1) == -1 ? 1 : 2;
}

static int
try_open_read(void *arg)
{
	(void)arg;
	return open("/etc/passwd", O_RDONLY | O_CLOEXEC) == -1 ? 1 : 2;
}

static int
try_open_write(void *arg)
{
	(void)arg;
	return open("/tmp/sandbox-test-must-not-exist",
	    O_WRONLY | O_CREAT | O_CLOEXEC, 0600) == -1 ? 1 : 2;
}

static int
try_open_trunc(void *arg)
{
	(void)arg;
	return syscall(SYS_openat, AT_FDCWD, "/tmp/sandbox-test-must-not-exist",
	    O_RDONLY | O_TRUNC) == -1 ? 1 : 2;
}

static int
try_execve(void *arg)
{
	char	*argv[] = { "/bin/true", NULL }, *envp[] = { NULL };

	(void)arg;
	execve(argv[0], argv, envp);
	return 2;
}

static int
try_ptrace(void *arg)
{
	(void)arg;
	return ptrace(PTRACE_TRACEME, 0, NULL, NULL) == -1 ? 1 : 2;
}

static int
try_fork(void *arg)
{
	pid_t	 pid;

	(void)arg;
	/* glibc's fork() is clone(SIGCHLD): a process, not a thread. */
	if ((pid = fork()) == 0)
		_exit(0);
	return pid == -1 ? 1 : 2;
}

static int
try_kill_parent(void *arg)
{
	(void)arg;
	return kill(getppid(), 0) == -1 ? 1 : 2;
}

static int
try_mmap_exec(void *arg)
{
	(void)arg;
	return mmap(NULL, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? 1 : 2;
}

static int
try_mmap_write_exec(void *arg)
{
	(void)arg;
	return mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? 1 : 2;
}

static int
try_fcntl_dupfd(void *arg)
{
	(void)arg;
	return fcntl(2, F_DUPFD, 10) == -1 ? 1 : 2;
}

static int
try_chmod(void *arg)
{
	(void)arg;
	return chmod("/tmp", 0777) == -1 ? 1 : 2;
}

struct forbidden {
	const char	*name;
	int		(*call)(void *);
};

static void
expect_all_killed(enum sandbox_role role, const struct forbidden *list,
    size_t count)
{
	size_t	 i;

	for (i = 0; i < count; i++)
		assert_killed_by_sigsys(wait_status(sandboxed_fork(role,
		    SANDBOX_KILL, list[i].call, NULL)), list[i].name);
}

static void
test_worker_forbidden(void **state)
{
	static const struct forbidden	 list[] = {
		{ "socket(AF_INET)", try_socket_inet },
		{ "socket(AF_UNIX)", try_socket_unix },
		{ "connect", try_connect },
		{ "listen", try_listen },
		{ "open O_RDONLY", try_open_read },
		{ "open O_CREAT", try_open_write },
		{ "execve", try_execve },
		{ "ptrace", try_ptrace },
		{ "fork", try_fork },
		{ "kill(parent)", try_kill_parent },
		{ "mmap PROT_EXEC", try_mmap_exec },
		{ "fcntl F_DUPFD", try_fcntl_dupfd },
		{ "chmod", try_chmod },
	};

	(void)state;
	NEED_SECCOMP();
	expect_all_killed(SANDBOX_ROLE_WORKER, list,
	    sizeof(list) / sizeof(list[0]));
}

static void
test_learner_forbidden(void **state)
{
	static const struct forbidden	 list[] = {
		{ "socket(AF_INET, SOCK_DGRAM)", try_socket_udp },
		{ "socket(AF_PACKET)", try_socket_packet },
		{ "listen", try_listen },
		{ "open O_RDONLY", try_open_read },
		{ "execve", try_execve },
		{ "ptrace", try_ptrace },
		{ "fork", try_fork },
		{ "mmap PROT_EXEC", try_mmap_exec },
	};

	(void)state;
	NEED_SECCOMP();
	expect_all_killed(SANDBOX_ROLE_LEARNER, list,
	    sizeof(list) / sizeof(list[0]));
}

static void
test_oracle_forbidden(void **state)
{
	static const struct forbidden	 list[] = {
		{ "socket(AF_PACKET)", try_socket_packet },
		{ "listen", try_listen },
		{ "open O_CREAT", try_open_write },
		{ "openat O_RDONLY|O_TRUNC", try_open_trunc },
		{ "execve", try_execve },
		{ "ptrace", try_ptrace },
		{ "fork", try_fork },
		{ "kill(parent)", try_kill_parent },
		{ "mmap PROT_WRITE|PROT_EXEC", try_mmap_write_exec },
		{ "chmod", try_chmod },
	};

	(void)state;
	NEED_SECCOMP();
	expect_all_killed(SANDBOX_ROLE_ORACLE, list,
	    sizeof(list) / sizeof(list[0]));
}

/* Memory, clocks and randomness every role relies on. */
static int
check_basics(void)
{
	struct timespec	 ts;
	unsigned char	 rnd[32];
	char		*big, *small;
	size_t		 i;

	if ((big = malloc(64 << 20)) == NULL)
		return 10;
	memset(big, 0xa5, 64 << 20);
	if ((big = realloc(big, 128 << 20)) == NULL)
		return 11;
	free(big);
	for (i = 0; i < 1000; i++) {
		if ((small = malloc(i * 37 + 1)) == NULL)
			return 12;
		free(small);
	}
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1 ||
	    clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return 13;
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return 14;
	if (getpid() <= 0)
		return 15;
	return 0;
}

/* The worker: evhtp on an inherited listener, answers over a socketpair. */
struct worker_ctx {
	int	 listener;
	int	 ipc;
	int	 served;
};

static void
worker_gencb(evhtp_request_t *req, void *arg)
{
	struct worker_ctx	*ctx = arg;

	evbuffer_add_printf(req->buffer_out, "pong");
	evhtp_request_set_keepalive(req, 0);
	evhtp_send_reply(req, EVHTP_RES_OK);
	ctx->served = 1;
}

static void
worker_check_done(evutil_socket_t fd, short what, void *arg)
{
	struct event_base	*base = arg;

	(void)fd;
	(void)what;
	event_base_loopexit(base, NULL);
}

static int
worker_body(void *arg)
{
	struct worker_ctx	*ctx = arg;
	struct event_base	*base;
	struct event		*timer;
	struct timeval		 tv = { 0, 300000 };
	evhtp_t			*htp;
	struct msghdr		 msg;
	struct iovec		 iov;
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int))];
	}			 cmsg;
	char			 byte = 'k';
	int			 rc, i;

	if ((rc = check_basics()) != 0)
		return rc;
	/* The event loop is created after the filter, the hard way. */
	if ((base = event_base_new()) == NULL)
		return 20;
	if ((htp = evhtp_new(base, NULL)) == NULL)
		return 21;
	evhtp_set_gencb(htp, worker_gencb, ctx);
	/* Backlog 0: the socket already listens, listen() is forbidden. */
	if (evhtp_accept_socket(htp, ctx->listener, 0) != 0)
		return 22;
	timer = event_new(base, -1, 0, worker_check_done, base);
	for (i = 0; i < 30 && !ctx->served; i++) {
		event_add(timer, &tv);
		event_base_dispatch(base);
	}
	/* Let the reply drain before tearing down. */
	event_add(timer, &tv);
	event_base_dispatch(base);
	if (!ctx->served)
		return 23;
	/* IPC: a byte and a descriptor over the socketpair. */
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &byte;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsg.buf;
	msg.msg_controllen = sizeof(cmsg.buf);
	CMSG_FIRSTHDR(&msg)->cmsg_level = SOL_SOCKET;
	CMSG_FIRSTHDR(&msg)->cmsg_type = SCM_RIGHTS;
	CMSG_FIRSTHDR(&msg)->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(CMSG_FIRSTHDR(&msg)), &ctx->ipc, sizeof(int));
	if (sendmsg(ctx->ipc, &msg, 0) != 1)
		return 24;
	event_free(timer);
	evhtp_unbind_socket(htp);
	evhtp_free(htp);
	event_base_free(base);
	return 0;
}

static void
test_worker_serves(void **state)
{
	struct worker_ctx	 ctx;
	struct msghdr		 msg;
	struct iovec		 iov;
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int))];
	}			 cmsg;
	char			 reply[1024], byte = 0;
	unsigned short		 port;
	int			 pair[2], fd, passed;
	pid_t			 pid;
	static const char	 request[] =
	    "GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

	(void)state;
	NEED_SECCOMP();
	memset(&ctx, 0, sizeof(ctx));
	ctx.listener = tcp_listener(&port);
	/* As the master hands it over: libevent accepts until EAGAIN. */
	assert_int_equal(fcntl(ctx.listener, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
	ctx.ipc = pair[1];
	pid = sandboxed_fork(SANDBOX_ROLE_WORKER, SANDBOX_KILL, worker_body,
	    &ctx);
	close(pair[1]);
	close(ctx.listener);

	fd = tcp_connect(port);
	assert_int_equal(write(fd, request, sizeof(request) - 1),
	    (ssize_t)sizeof(request) - 1);
	read_all(fd, reply, sizeof(reply));
	close(fd);
	if (strstr(reply, "200") == NULL) {
		assert_exit_zero(wait_status(pid));
		fail_msg("reply: \"%s\"", reply);
	}
	assert_non_null(strstr(reply, "pong"));

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &byte;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsg.buf;
	msg.msg_controllen = sizeof(cmsg.buf);
	assert_int_equal(recvmsg(pair[0], &msg, 0), 1);
	assert_int_equal(byte, 'k');
	assert_non_null(CMSG_FIRSTHDR(&msg));
	memcpy(&passed, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
	close(passed);
	close(pair[0]);
	assert_exit_zero(wait_status(pid));
}

/* GMime text conversion in many charsets, inside the worker filter. */
struct charset_case {
	const char	*charset;
	const char	*encoded;	/* body bytes in that charset */
	size_t		 len;
	const char	*utf8;		/* what get_text must return */
};

#define CASE(cs, enc, u) { cs, enc, sizeof(enc) - 1, u }
static const struct charset_case charset_cases[] = {
	CASE("iso-8859-1", "caf\xe9", "caf\xc3\xa9"),
	CASE("windows-1252", "\x80 \x93q\x94", "\xe2\x82\xac \xe2\x80\x9cq\xe2\x80\x9d"),
	CASE("iso-8859-15", "\xa4", "\xe2\x82\xac"),
	CASE("koi8-r", "\xd0\xd2\xc9\xd7\xc5\xd4",
	    "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"),
	CASE("windows-1251", "\xef\xf0\xe8", "\xd0\xbf\xd1\x80\xd0\xb8"),
	CASE("shift_jis", "\x82\xa0", "\xe3\x81\x82"),
	CASE("euc-jp", "\xa4\xa2", "\xe3\x81\x82"),
	CASE("iso-2022-jp", "\x1b$B$\"\x1b(B", "\xe3\x81\x82"),
	CASE("gb2312", "\xc4\xe3\xba\xc3", "\xe4\xbd\xa0\xe5\xa5\xbd"),
	CASE("gb18030", "\xc4\xe3", "\xe4\xbd\xa0"),
	CASE("big5", "\xa7\x41", "\xe4\xbd\xa0"),
	CASE("euc-kr", "\xc7\xd1", "\xed\x95\x9c"),
	CASE("utf-16le", "h\0i\0", "hi"),
	CASE("utf-16be", "\0h\0i", "hi"),
	CASE("iso-8859-7", "\xe1", "\xce\xb1"),
	CASE("tis-620", "\xa1", "\xe0\xb8\x81"),
};

static int
gmime_one(const struct charset_case *c)
{
	GMimeStream	*stream;
	GMimeParser	*parser;
	GMimeMessage	*message;
	GMimeObject	*body;
	char		 head[256], *text;
	size_t		 hlen, tlen;
	unsigned char	 raw[512];
	int		 ok;

	hlen = (size_t)snprintf(head, sizeof(head),
	    "From: a@example.org\r\nSubject: t\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=%s\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n", c->charset);
	if (hlen + c->len > sizeof(raw))
		return 0;
	memcpy(raw, head, hlen);
	memcpy(raw + hlen, c->encoded, c->len);
	stream = g_mime_stream_mem_new_with_buffer((const char *)raw,
	    hlen + c->len);
	parser = g_mime_parser_new_with_stream(stream);
	message = g_mime_parser_construct_message(parser, NULL);
	ok = 0;
	if (message != NULL &&
	    (body = g_mime_message_get_body(message)) != NULL &&
	    GMIME_IS_TEXT_PART(body) &&
	    (text = g_mime_text_part_get_text((GMimeTextPart *)body)) !=
	    NULL) {
		tlen = strlen(text);
		/* GMime may keep a trailing newline. */
		while (tlen > 0 && (text[tlen - 1] == '\n' ||
		    text[tlen - 1] == '\r'))
			tlen--;
		ok = tlen == strlen(c->utf8) &&
		    memcmp(text, c->utf8, tlen) == 0;
		if (!ok)
			fprintf(stderr, "%s: got \"%.*s\"\n", c->charset,
			    (int)tlen, text);
		g_free(text);
	}
	if (message != NULL)
		g_object_unref(message);
	g_object_unref(parser);
	g_object_unref(stream);
	return ok;
}

static int
gmime_body(void *arg)
{
	size_t	 i;

	(void)arg;
	for (i = 0; i < sizeof(charset_cases) / sizeof(charset_cases[0]); i++)
		if (!gmime_one(&charset_cases[i]))
			return 30 + (int)i;
	return 0;
}

static void
test_worker_gmime_charsets(void **state)
{
	(void)state;
	NEED_SECCOMP();
	assert_exit_zero(wait_status(sandboxed_fork(SANDBOX_ROLE_WORKER,
	    SANDBOX_KILL, gmime_body, NULL)));
}

/* The learner: hiredis connects to a "Redis" the parent plays. */
static int
learner_body(void *arg)
{
	unsigned short	*port = arg;
	redisContext	*rc;
	redisReply	*reply;
	struct timeval	 tv = { 5, 0 };
	int		 ok, r;

	if ((r = check_basics()) != 0)
		return r;
	/* hiredis resolves "127.0.0.1" with getaddrinfo: no file needed. */
	rc = redisConnectWithTimeout("127.0.0.1", *port, tv);
	if (rc == NULL || rc->err) {
		fprintf(stderr, "redis: %s\n", rc != NULL ? rc->errstr : "?");
		return 40;
	}
	reply = redisCommand(rc, "PING");
	ok = reply != NULL && reply->type == REDIS_REPLY_STATUS &&
	    strcmp(reply->str, "PONG") == 0;
	if (reply != NULL)
		freeReplyObject(reply);
	redisFree(rc);
	return ok ? 0 : 41;
}

static void
test_learner_connects(void **state)
{
	unsigned short	 port;
	char		 buf[256];
	int		 lfd, fd;
	pid_t		 pid;

	(void)state;
	NEED_SECCOMP();
	lfd = tcp_listener(&port);
	pid = sandboxed_fork(SANDBOX_ROLE_LEARNER, SANDBOX_KILL, learner_body,
	    &port);
	fd = accept_within(lfd);
	assert_true(fd != -1);
	memset(buf, 0, sizeof(buf));
	assert_true(read(fd, buf, sizeof(buf) - 1) > 0);
	assert_non_null(strstr(buf, "PING"));
	assert_int_equal(write(fd, "+PONG\r\n", 7), 7);
	assert_exit_zero(wait_status(pid));
	close(fd);
	close(lfd);
}

/* The oracle-proxy: getaddrinfo and a libcurl request to the parent. */
static size_t
oracle_sink(char *data, size_t size, size_t n, void *arg)
{
	char	*seen = arg;

	if (size * n >= 2 && memcmp(data, "ok", 2) == 0)
		*seen = 1;
	return size * n;
}

/* What curl's threaded resolver does: getaddrinfo in a new thread. */
static void *
oracle_resolve_thread(void *arg)
{
	struct addrinfo	 hints, *res;
	int		*ok = arg;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo("localhost", "443", &hints, &res) == 0) {
		*ok = 1;
		freeaddrinfo(res);
	}
	return NULL;
}

static int
oracle_body(void *arg)
{
	unsigned short	*port = arg;
	struct addrinfo	 hints, *res;
	char		 url[64], service[8], seen = 0;
	CURL		*curl;
	CURLcode	 cc;
	long		 code = 0;
	pthread_t	 thread;
	int		 r, resolved = 0;

	if ((r = check_basics()) != 0)
		return r;
	if (pthread_create(&thread, NULL, oracle_resolve_thread,
	    &resolved) != 0 || pthread_join(thread, NULL) != 0)
		return 54;
	if (!resolved)
		return 55;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(service, sizeof(service), "%u", (unsigned)*port);
	if (getaddrinfo("localhost", service, &hints, &res) != 0)
		return 50;
	freeaddrinfo(res);
	if ((curl = curl_easy_init()) == NULL)
		return 51;
	snprintf(url, sizeof(url), "http://localhost:%u/v1/x", (unsigned)*port);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 5L);
	curl_easy_setopt(curl, CURLOPT_IPRESOLVE, CURL_IPRESOLVE_V4);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, oracle_sink);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &seen);
	cc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(curl);
	if (cc != CURLE_OK) {
		fprintf(stderr, "curl: %s\n", curl_easy_strerror(cc));
		return 52;
	}
	return code == 200 && seen ? 0 : 53;
}

static void
test_oracle_requests(void **state)
{
	static const char	 answer[] = "HTTP/1.0 200 OK\r\n"
	    "Content-Length: 2\r\nConnection: close\r\n\r\nok";
	unsigned short		 port;
	char			 buf[1024];
	int			 lfd, fd;
	pid_t			 pid;

	(void)state;
	NEED_SECCOMP();
	lfd = tcp_listener(&port);
	pid = sandboxed_fork(SANDBOX_ROLE_ORACLE, SANDBOX_KILL, oracle_body,
	    &port);
	if ((fd = accept_within(lfd)) != -1) {
		read_all(fd, buf, sizeof(buf));
		assert_non_null(strstr(buf, "GET /v1/x"));
		assert_int_equal(write(fd, answer, sizeof(answer) - 1),
		    (ssize_t)sizeof(answer) - 1);
		close(fd);
	}
	assert_exit_zero(wait_status(pid));
	close(lfd);
}

/* Trap mode names the offending system call on stderr. */
static void
test_trap_reports_syscall(void **state)
{
	char	 out[256], want[64];
	int	 pipefd[2], status, saved;
	size_t	 len;
	pid_t	 pid;

	(void)state;
	NEED_SECCOMP();
	assert_int_equal(pipe(pipefd), 0);
	saved = dup(STDERR_FILENO);
	dup2(pipefd[1], STDERR_FILENO);
	pid = sandboxed_fork(SANDBOX_ROLE_WORKER, SANDBOX_TRAP,
	    try_socket_inet, NULL);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(pipefd[1]);
	memset(out, 0, sizeof(out));
	len = 0;
	while (len < sizeof(out) - 1) {
		ssize_t	 n = read(pipefd[0], out + len, sizeof(out) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(pipefd[0]);
	status = wait_status(pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), SANDBOX_TRAP_EXIT);
	snprintf(want, sizeof(want), "forbidden system call %d ",
	    (int)SYS_socket);
	if (strstr(out, want) == NULL)
		fail_msg("trap output: \"%s\"", out);
}

/* Off: no filter, but no_new_privs is set. */
static int
off_body(void *arg)
{
	int	 fd;

	(void)arg;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 60;
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return 61;
	close(fd);
	return 0;
}

static void
test_off_and_master(void **state)
{
	(void)state;
	assert_exit_zero(wait_status(sandboxed_fork(SANDBOX_ROLE_WORKER,
	    SANDBOX_OFF, off_body, NULL)));
	/* The master is never filtered, whatever the mode. */
	assert_exit_zero(wait_status(sandboxed_fork(SANDBOX_ROLE_MASTER,
	    SANDBOX_KILL, off_body, NULL)));
}

static void
test_mode_parse(void **state)
{
	enum sandbox_mode	 mode = SANDBOX_OFF;

	(void)state;
	assert_int_equal(sandbox_mode_parse("kill", &mode), 0);
	assert_int_equal(mode, SANDBOX_KILL);
	assert_int_equal(sandbox_mode_parse("trap", &mode), 0);
	assert_int_equal(mode, SANDBOX_TRAP);
	assert_int_equal(sandbox_mode_parse("off", &mode), 0);
	assert_int_equal(mode, SANDBOX_OFF);
	assert_int_equal(sandbox_mode_parse("KILL", &mode), -1);
	assert_int_equal(sandbox_mode_parse("", &mode), -1);
	assert_int_equal(sandbox_mode_parse(NULL, &mode), -1);
	assert_int_equal(mode, SANDBOX_OFF);
	assert_string_equal(sandbox_mode_name(SANDBOX_TRAP), "trap");
	assert_string_equal(sandbox_role_name(SANDBOX_ROLE_ORACLE),
	    "oracle-proxy");
}

static void
test_lookup_user(void **state)
{
	char	 err[128], longname[200];
	uid_t	 uid;
	gid_t	 gid;

	(void)state;
	assert_int_equal(sandbox_lookup_user("no-such-user-qx7", &uid, &gid,
	    err, sizeof(err)), -1);
	assert_string_equal(err, "user 'no-such-user-qx7' does not exist");
	assert_int_equal(sandbox_lookup_user("root", &uid, &gid, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "uid 0"));
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(sandbox_lookup_user(longname, &uid, &gid, err,
	    sizeof(err)), -1);
	assert_int_equal(sandbox_lookup_user(NULL, &uid, &gid, err,
	    sizeof(err)), -1);
	if (getpwnam("nobody") != NULL) {
		assert_int_equal(sandbox_lookup_user("nobody", &uid, &gid, err,
		    sizeof(err)), 0);
		assert_int_equal(uid, getpwnam("nobody")->pw_uid);
	}
}

/* As root: demote to nobody inside a chroot of a temporary directory. */
static int
drop_body(const char *dir, uid_t uid, gid_t gid)
{
	char		 err[256];
	gid_t		 groups[4];
	struct stat	 st;

	if (sandbox_drop_privileges("nobody", dir, err, sizeof(err)) == -1) {
		fprintf(stderr, "drop: %s\n", err);
		return 70;
	}
	if (getuid() != uid || geteuid() != uid || getgid() != gid ||
	    getegid() != gid)
		return 71;
	if (getgroups(4, groups) != 1 || groups[0] != gid)
		return 72;
	if (setuid(0) != -1 || seteuid(0) != -1 || setgid(0) != -1)
		return 73;
	/* The new root is the temporary directory: its marker is at /. */
	if (stat("/sandbox-marker", &st) == -1)
		return 74;
	/* Not root any more: a second call changes nothing and succeeds. */
	if (sandbox_drop_privileges("no-such-user-qx7", "/nonexistent", err,
	    sizeof(err)) != 0 || getuid() != uid)
		return 75;
	return 0;
}

static void
test_drop_privileges(void **state)
{
	struct passwd	*pw;
	char		 dir[] = "/tmp/sandbox-test-XXXXXX", marker[64];
	uid_t		 uid;
	gid_t		 gid;
	pid_t		 pid;
	int		 fd;

	(void)state;
	if (geteuid() != 0 || (pw = getpwnam("nobody")) == NULL) {
		skip();
		return;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	assert_non_null(mkdtemp(dir));
	/* The demoted user must be able to search its new root. */
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(marker, sizeof(marker), "%s/sandbox-marker", dir);
	fd = open(marker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd != -1);
	close(fd);
	fflush(NULL);
	if ((pid = fork()) == 0)
		_exit(drop_body(dir, uid, gid));
	assert_true(pid != -1);
	assert_exit_zero(wait_status(pid));
	unlink(marker);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(test_mode_parse),
		cmocka_unit_test(test_lookup_user),
		cmocka_unit_test(test_drop_privileges),
		cmocka_unit_test(test_worker_forbidden),
		cmocka_unit_test(test_learner_forbidden),
		cmocka_unit_test(test_oracle_forbidden),
		cmocka_unit_test(test_worker_serves),
		cmocka_unit_test(test_worker_gmime_charsets),
		cmocka_unit_test(test_learner_connects),
		cmocka_unit_test(test_oracle_requests),
		cmocka_unit_test(test_trap_reports_syscall),
		cmocka_unit_test(test_off_and_master),
	};

	/* Writes to a peer that closed must not kill the test program. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
