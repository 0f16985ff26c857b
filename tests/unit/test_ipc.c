#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "ipc.h"

static void
pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

/* A raw frame: header plus payload, for feeding hand-made input. */
static size_t
frame(uint8_t *out, uint32_t type, uint32_t len_field, uint32_t id,
    const void *payload, size_t n)
{
	struct ipc_hdr	 h = { type, len_field, id, 77,
	    (type & IPC_F_FD) != 0 };

	ipc_hdr_encode(out, &h);
	if (n > 0)
		memcpy(out + IPC_HDR_SIZE, payload, n);
	return IPC_HDR_SIZE + n;
}

static void
test_round_trip_every_type(void **state)
{
	struct msg		 m;
	struct msg_reader	 r;
	uint8_t			 u8;
	uint32_t		 u32;
	uint64_t		 u64;
	const char		*s;
	const void		*d;
	size_t			 n;
	char			 small[8];

	(void)state;
	msg_init(&m);
	assert_int_equal(msg_add_u8(&m, 0xab), 0);
	assert_int_equal(msg_add_u32(&m, 0xdeadbeef), 0);
	assert_int_equal(msg_add_u64(&m, 0x0102030405060708ULL), 0);
	assert_int_equal(msg_add_str(&m, "T1ABCDEF"), 0);
	assert_int_equal(msg_add_str(&m, ""), 0);
	assert_int_equal(msg_add_data(&m, "\0\1\2", 3), 0);
	assert_int_equal(msg_add_data(&m, NULL, 0), 0);
	assert_int_equal(msg_add_str(&m, "short"), 0);
	/* Fixed big-endian layout. */
	assert_int_equal(msg_len(&m), 1 + 4 + 8 + (4 + 9) + (4 + 1) +
	    (4 + 3) + 4 + (4 + 6));
	assert_memory_equal(msg_data(&m), "\xab\xde\xad\xbe\xef\1\2\3\4\5\6\7"
	    "\x08\0\0\0\x08T1ABCDEF", 26);

	msg_reader_init(&r, msg_data(&m), msg_len(&m));
	assert_int_equal(msg_get_u8(&r, &u8), 0);
	assert_int_equal(u8, 0xab);
	assert_int_equal(msg_get_u32(&r, &u32), 0);
	assert_int_equal(u32, 0xdeadbeef);
	assert_int_equal(msg_get_u64(&r, &u64), 0);
	assert_true(u64 == 0x0102030405060708ULL);
	assert_int_equal(msg_get_str(&r, &s, &n), 0);
	assert_string_equal(s, "T1ABCDEF");
	assert_int_equal(n, 8);
	assert_int_equal(msg_get_str(&r, &s, NULL), 0);
	assert_string_equal(s, "");
	assert_int_equal(msg_get_data(&r, &d, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(d, "\0\1\2", 3);
	assert_int_equal(msg_get_data(&r, &d, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(msg_end(&r), -1);	/* one field left */
	assert_int_equal(msg_get_strbuf(&r, small, sizeof(small)), 0);
	assert_string_equal(small, "short");
	assert_int_equal(msg_end(&r), 0);
	/* Reading past the end fails and stays failed. */
	assert_int_equal(msg_get_u8(&r, &u8), -1);
	assert_int_equal(msg_end(&r), -1);
	msg_free(&m);
}

static void
test_reader_rejects_malformed(void **state)
{
	struct msg_reader	 r;
	const char		*s;
	const void		*d;
	size_t			 n;
	uint32_t		 u32;
	uint64_t		 u64;
	char			 small[4];

	(void)state;
	/* Truncated integers. */
	msg_reader_init(&r, "\0\0\0", 3);
	assert_int_equal(msg_get_u32(&r, &u32), -1);
	msg_reader_init(&r, "\0\0\0\0\0\0\0", 7);
	assert_int_equal(msg_get_u64(&r, &u64), -1);
	/* String without its terminator. */
	msg_reader_init(&r, "\0\0\0\3abcX", 8);
	assert_int_equal(msg_get_str(&r, &s, &n), -1);
	/* String with an embedded NUL. */
	msg_reader_init(&r, "\0\0\0\3a\0c\0", 8);
	assert_int_equal(msg_get_str(&r, &s, &n), -1);
	/* Length beyond the payload, and beyond IPC_STR_MAX. */
	msg_reader_init(&r, "\0\0\0\x09" "abc\0", 8);
	assert_int_equal(msg_get_str(&r, &s, &n), -1);
	msg_reader_init(&r, "\xff\xff\xff\xff" "abc\0", 8);
	assert_int_equal(msg_get_str(&r, &s, &n), -1);
	msg_reader_init(&r, "\xff\xff\xff\xff" "abc\0", 8);
	assert_int_equal(msg_get_data(&r, &d, &n), -1);
	/* Too long for the caller's buffer. */
	msg_reader_init(&r, "\0\0\0\4abcd\0", 9);
	assert_int_equal(msg_get_strbuf(&r, small, sizeof(small)), -1);
	/* Failure is sticky: a later valid field does not reset it. */
	msg_reader_init(&r, "\0\0\0\3abcX\0\0\0\1", 12);
	assert_int_equal(msg_get_str(&r, &s, &n), -1);
	assert_int_equal(msg_get_u32(&r, &u32), -1);
	assert_int_equal(msg_end(&r), -1);
	/* Trailing garbage. */
	msg_reader_init(&r, "\0\0\0\1\0", 5);
	assert_int_equal(msg_get_u32(&r, &u32), 0);
	assert_int_equal(msg_end(&r), -1);
	/* Empty payload. */
	msg_reader_init(&r, NULL, 0);
	assert_int_equal(msg_end(&r), 0);
}

static void
test_builder_bounds(void **state)
{
	struct msg	 m;
	char		*big;

	(void)state;
	big = malloc(IPC_STR_MAX + 2);
	assert_non_null(big);
	memset(big, 'x', IPC_STR_MAX + 1);
	big[IPC_STR_MAX + 1] = '\0';
	msg_init(&m);
	assert_int_equal(msg_add_str(&m, big), -1);
	assert_true(msg_failed(&m));
	assert_int_equal(msg_add_u8(&m, 1), -1);	/* sticky */
	msg_reset(&m);
	assert_false(msg_failed(&m));
	big[IPC_STR_MAX] = '\0';
	assert_int_equal(msg_add_str(&m, big), 0);
	assert_int_equal(msg_add_str(&m, NULL), -1);
	msg_reset(&m);
	/* The payload cap. */
	while (msg_add_str(&m, big) == 0)
		;
	assert_true(msg_failed(&m));
	assert_true(msg_len(&m) <= IPC_MAX_PAYLOAD);
	msg_free(&m);
	free(big);
}

static void
test_header_decode(void **state)
{
	uint8_t		 raw[IPC_HDR_SIZE];
	struct ipc_hdr	 h = { 5, IPC_MAX_PAYLOAD, 9, 1234, 1 }, o;

	(void)state;
	ipc_hdr_encode(raw, &h);
	assert_memory_equal(raw, "\x80\0\0\5\0\4\0\0\0\0\0\x09\0\0\x04\xd2",
	    16);
	assert_int_equal(ipc_hdr_decode(raw, &o), 0);
	assert_int_equal(o.type, 5);
	assert_int_equal(o.len, IPC_MAX_PAYLOAD);
	assert_int_equal(o.id, 9);
	assert_int_equal(o.pid, 1234);
	assert_int_equal(o.has_fd, 1);
	raw[7] = 1;	/* IPC_MAX_PAYLOAD + 1 */
	assert_int_equal(ipc_hdr_decode(raw, &o), -1);
}

static void
test_blocking_with_fd(void **state)
{
	int		 sv[2], p[2], fd;
	struct msg	 m;
	struct ipc_hdr	 h;
	uint8_t		*payload;
	struct msg_reader r;
	const char	*s;
	char		 c;

	(void)state;
	pair(sv);
	assert_int_equal(pipe(p), 0);
	msg_init(&m);
	msg_add_str(&m, "hello");
	assert_int_equal(ipc_send_blocking(sv[0], 42, 7, &m, p[1]), 0);
	assert_int_equal(ipc_send_blocking(sv[0], 43, 8, NULL, -1), 0);
	assert_int_equal(ipc_recv_blocking(sv[1], &h, &payload, &fd, 1000), 0);
	assert_int_equal(h.type, 42);
	assert_int_equal(h.id, 7);
	assert_int_equal(h.pid, getpid());
	assert_true(h.has_fd);
	assert_true(fd >= 0 && fd != p[1]);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	msg_reader_init(&r, payload, h.len);
	assert_int_equal(msg_get_str(&r, &s, NULL), 0);
	assert_string_equal(s, "hello");
	assert_int_equal(msg_end(&r), 0);
	free(payload);
	/* The passed descriptor is the pipe. */
	assert_int_equal(write(fd, "z", 1), 1);
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(c, 'z');
	close(fd);
	/* The second message was not eaten by the first read. */
	assert_int_equal(ipc_recv_blocking(sv[1], &h, &payload, NULL, 1000),
	    0);
	assert_int_equal(h.type, 43);
	assert_int_equal(h.len, 0);
	assert_null(payload);
	msg_free(&m);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

static void
test_blocking_errors(void **state)
{
	int		 sv[2];
	struct ipc_hdr	 h;
	uint8_t		 raw[64], *payload;

	(void)state;
	pair(sv);
	assert_int_equal(ipc_recv_blocking(sv[1], &h, &payload, NULL, 50), -1);
	assert_int_equal(errno, ETIMEDOUT);
	/* Oversized length. */
	frame(raw, 1, IPC_MAX_PAYLOAD + 1, 0, NULL, 0);
	assert_int_equal(write(sv[0], raw, IPC_HDR_SIZE), IPC_HDR_SIZE);
	assert_int_equal(ipc_recv_blocking(sv[1], &h, &payload, NULL, 1000),
	    -1);
	assert_int_equal(errno, EPROTO);
	close(sv[0]);
	close(sv[1]);

	/* Flag set, no descriptor. */
	pair(sv);
	frame(raw, 1 | IPC_F_FD, 0, 0, NULL, 0);
	assert_int_equal(write(sv[0], raw, IPC_HDR_SIZE), IPC_HDR_SIZE);
	assert_int_equal(ipc_recv_blocking(sv[1], &h, &payload, NULL, 1000),
	    -1);
	assert_int_equal(errno, EPROTO);
	close(sv[0]);
	close(sv[1]);

	/* Truncated header, then the peer goes away. */
	pair(sv);
	assert_int_equal(write(sv[0], raw, 5), 5);
	close(sv[0]);
	assert_int_equal(ipc_recv_blocking(sv[1], &h, &payload, NULL, 1000),
	    -1);
	assert_int_equal(errno, EPROTO);
	close(sv[1]);

	/* Truncated payload. */
	pair(sv);
	frame(raw, 1, 10, 0, "abc", 3);
	assert_int_equal(write(sv[0], raw, IPC_HDR_SIZE + 3), IPC_HDR_SIZE + 3);
	close(sv[0]);
	assert_int_equal(ipc_recv_blocking(sv[1], &h, &payload, NULL, 1000),
	    -1);
	assert_int_equal(errno, EPROTO);
	close(sv[1]);

	/* Clean close between messages. */
	pair(sv);
	close(sv[0]);
	assert_int_equal(ipc_recv_blocking(sv[1], &h, &payload, NULL, 1000),
	    -1);
	assert_int_equal(errno, ECONNRESET);
	close(sv[1]);
}

/* What the channel callbacks saw. */
struct seen {
	int		 msgs;
	uint32_t	 last_type;
	uint32_t	 last_id;
	uint32_t	 sum;
	int		 last_fd;
	int		 bad;
	int		 errors;
	enum ipc_error	 err;
	struct ipc_chan	*free_on_error;
	int		 free_in_msg;
	size_t		 big_len;
};

static void
on_msg(struct ipc_chan *c, const struct ipc_hdr *h, struct msg_reader *r,
    int fd, void *arg)
{
	struct seen	*s = arg;
	uint32_t	 v;
	const void	*d;
	size_t		 n;

	s->msgs++;
	s->last_type = h->type;
	s->last_id = h->id;
	if (s->last_fd >= 0)
		close(s->last_fd);
	s->last_fd = fd;
	if (h->type == 2) {
		if (msg_get_data(r, &d, &n) == -1 || msg_end(r) == -1)
			s->bad++;
		s->big_len = n;
	} else if (h->type == 1) {
		if (msg_get_u32(r, &v) == -1 || msg_end(r) == -1)
			s->bad++;
		else
			s->sum += v;
	}
	if (s->free_in_msg)
		ipc_chan_free(c);
}

static void
on_err(struct ipc_chan *c, enum ipc_error e, const char *why, void *arg)
{
	struct seen	*s = arg;

	(void)why;
	s->errors++;
	s->err = e;
	if (s->free_on_error == c) {
		ipc_chan_free(c);
		s->free_on_error = NULL;
	}
}

static void
spin(struct event_base *base, int rounds)
{
	while (rounds-- > 0)
		event_base_loop(base, EVLOOP_NONBLOCK);
}

static void
test_chan_partial_reads(void **state)
{
	struct event_base	*base;
	struct ipc_chan		*c;
	struct seen		 s = { .last_fd = -1 };
	int			 sv[2], i;
	uint8_t			 raw[3 * (IPC_HDR_SIZE + 4)];
	size_t			 len = 0, k;

	(void)state;
	base = event_base_new();
	pair(sv);
	c = ipc_chan_new(base, sv[1], on_msg, on_err, &s);
	assert_non_null(c);
	for (i = 1; i <= 3; i++)
		len += frame(raw + len, 1, 4, (uint32_t)i,
		    (uint8_t[]){ 0, 0, 0, (uint8_t)i }, 4);
	/* One byte at a time: the framing must not care. */
	for (k = 0; k < len; k++) {
		assert_int_equal(write(sv[0], raw + k, 1), 1);
		spin(base, 1);
	}
	assert_int_equal(s.msgs, 3);
	assert_int_equal(s.sum, 6);
	assert_int_equal(s.last_id, 3);
	assert_int_equal(s.bad, 0);
	assert_int_equal(s.errors, 0);
	close(sv[0]);
	spin(base, 2);
	assert_int_equal(s.errors, 1);
	assert_int_equal(s.err, IPC_ERR_EOF);
	ipc_chan_free(c);
	event_base_free(base);
}

static void
run_bad_input(const uint8_t *raw, size_t len, int close_after,
    enum ipc_error expect)
{
	struct event_base	*base;
	struct ipc_chan		*c;
	struct seen		 s = { .last_fd = -1 };
	int			 sv[2];

	base = event_base_new();
	pair(sv);
	c = ipc_chan_new(base, sv[1], on_msg, on_err, &s);
	assert_non_null(c);
	s.free_on_error = c;	/* the owner frees it from the callback */
	assert_int_equal(write(sv[0], raw, len), (ssize_t)len);
	if (close_after)
		close(sv[0]);
	spin(base, 4);
	assert_int_equal(s.errors, 1);
	assert_int_equal(s.err, expect);
	assert_null(s.free_on_error);
	if (!close_after)
		close(sv[0]);
	event_base_free(base);
}

static void
test_chan_protocol_errors(void **state)
{
	uint8_t	 raw[64];
	size_t	 n;

	(void)state;
	n = frame(raw, 1, IPC_MAX_PAYLOAD + 1, 0, NULL, 0);
	run_bad_input(raw, n, 0, IPC_ERR_PROTO);	/* oversized */
	n = frame(raw, 1, 4, 0, "\0\0", 2);
	run_bad_input(raw, n, 1, IPC_ERR_PROTO);	/* truncated payload */
	run_bad_input(raw, 7, 1, IPC_ERR_PROTO);	/* truncated header */
	n = frame(raw, 1 | IPC_F_FD, 0, 0, NULL, 0);
	run_bad_input(raw, n, 0, IPC_ERR_PROTO);	/* fd flag, no fd */
}

static void
test_chan_trailing_garbage_seen_by_reader(void **state)
{
	struct event_base	*base;
	struct ipc_chan		*c;
	struct seen		 s = { .last_fd = -1 };
	int			 sv[2];
	uint8_t			 raw[64];
	size_t			 n;

	(void)state;
	base = event_base_new();
	pair(sv);
	c = ipc_chan_new(base, sv[1], on_msg, on_err, &s);
	n = frame(raw, 1, 6, 0, "\0\0\0\1xx", 6);
	assert_int_equal(write(sv[0], raw, n), (ssize_t)n);
	spin(base, 2);
	assert_int_equal(s.msgs, 1);
	assert_int_equal(s.bad, 1);	/* msg_end refused the extra bytes */
	ipc_chan_free(c);
	close(sv[0]);
	event_base_free(base);
}

static void
test_chan_fd_passing_and_big_message(void **state)
{
	struct event_base	*base;
	struct ipc_chan		*a, *b;
	struct seen		 sa = { .last_fd = -1 }, sb = { .last_fd = -1 };
	struct msg		 m;
	int			 sv[2], p[2], i;
	char			 ch;
	uint8_t			*big;
	size_t			 bign = IPC_MAX_PAYLOAD - 4;

	(void)state;
	base = event_base_new();
	pair(sv);
	a = ipc_chan_new(base, sv[0], on_msg, on_err, &sa);
	b = ipc_chan_new(base, sv[1], on_msg, on_err, &sb);
	assert_int_equal(pipe(p), 0);

	big = malloc(bign);
	assert_non_null(big);
	memset(big, 0x5a, bign);
	msg_init(&m);
	assert_int_equal(msg_add_data(&m, big, bign), 0);
	assert_int_equal(msg_len(&m), IPC_MAX_PAYLOAD);
	/* Several maximum-size messages outrun the socket buffer. */
	for (i = 0; i < 4; i++)
		assert_int_equal(ipc_chan_send(a, 2, (uint32_t)i, &m, -1), 0);
	msg_reset(&m);
	msg_add_u32(&m, 5);
	assert_int_equal(ipc_chan_send(a, 1, 99, &m, p[1]), 0);
	for (i = 0; i < 200 && sb.msgs < 5; i++)
		spin(base, 1);
	assert_int_equal(sb.msgs, 5);
	assert_int_equal(sb.bad, 0);
	assert_int_equal(sb.big_len, bign);
	assert_int_equal(sb.last_id, 99);
	assert_int_equal(sb.sum, 5);
	assert_true(sb.last_fd >= 0);
	assert_int_equal(ipc_chan_queued(a), 0);
	assert_int_equal(write(sb.last_fd, "q", 1), 1);
	assert_int_equal(read(p[0], &ch, 1), 1);
	assert_int_equal(ch, 'q');
	close(sb.last_fd);
	/* The channel closed its copy of the sent descriptor. */
	assert_int_equal(fcntl(p[1], F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	close(p[0]);
	msg_free(&m);
	free(big);
	ipc_chan_free(a);
	ipc_chan_free(b);
	event_base_free(base);
}

static void
test_chan_closes_unexpected_fds(void **state)
{
	struct event_base	*base;
	struct ipc_chan		*c;
	struct seen		 s = { .last_fd = -1 };
	int			 sv[2], p[2], fl;
	uint8_t			 raw[32];
	char			 ch;

	(void)state;
	base = event_base_new();
	pair(sv);
	c = ipc_chan_new(base, sv[1], on_msg, on_err, &s);
	assert_int_equal(pipe(p), 0);
	/* A message without the flag, but a descriptor attached. */
	frame(raw, 3, 0, 0, NULL, 0);
	{
		struct msghdr	 mh;
		struct iovec	 iov = { raw, IPC_HDR_SIZE };
		union {
			struct cmsghdr	 h;
			char		 b[CMSG_SPACE(sizeof(int))];
		} u;
		struct cmsghdr	*cm;

		memset(&mh, 0, sizeof(mh));
		memset(&u, 0, sizeof(u));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = u.b;
		mh.msg_controllen = sizeof(u.b);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &p[1], sizeof(int));
		assert_int_equal(sendmsg(sv[0], &mh, 0), IPC_HDR_SIZE);
	}
	close(p[1]);
	spin(base, 2);
	assert_int_equal(s.msgs, 1);
	assert_int_equal(s.last_fd, -1);
	assert_int_equal(s.errors, 0);
	/* No writer is left anywhere: the read end sees end of file. */
	fl = fcntl(p[0], F_GETFL);
	fcntl(p[0], F_SETFL, fl | O_NONBLOCK);
	assert_int_equal(read(p[0], &ch, 1), 0);
	close(p[0]);
	ipc_chan_free(c);
	close(sv[0]);
	event_base_free(base);
}

static void
test_chan_queue_overflow(void **state)
{
	struct event_base	*base;
	struct ipc_chan		*c;
	struct seen		 s = { .last_fd = -1 };
	struct msg		 m;
	int			 sv[2], p[2], i, r = 0;
	uint8_t			*blob;

	(void)state;
	base = event_base_new();
	pair(sv);
	c = ipc_chan_new(base, sv[0], on_msg, on_err, &s);
	blob = calloc(1, 60000);
	assert_non_null(blob);
	msg_init(&m);
	msg_add_data(&m, blob, 60000);
	/* The peer never reads: the queue fills and then refuses. */
	for (i = 0; i < 1000 && r == 0; i++)
		r = ipc_chan_send(c, 2, (uint32_t)i, &m, -1);
	assert_int_equal(r, -1);
	assert_int_equal(errno, ENOBUFS);
	assert_true(ipc_chan_queued(c) > 0);
	assert_true(ipc_chan_queued(c) <= IPC_QUEUE_MAX_MSGS);
	/* A refused message's descriptor is closed, not leaked. */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(ipc_chan_send(c, 2, 0, &m, p[1]), -1);
	assert_int_equal(fcntl(p[1], F_GETFD), -1);
	close(p[0]);
	/* A failed builder is refused as well. */
	msg_reset(&m);
	m.b.failed = 1;
	assert_int_equal(ipc_chan_send(c, 2, 0, &m, -1), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(ipc_chan_send(c, IPC_F_FD, 0, NULL, -1), -1);
	assert_int_equal(errno, EINVAL);
	msg_free(&m);
	free(blob);
	ipc_chan_free(c);	/* drops queued messages */
	close(sv[1]);
	event_base_free(base);
}

static void
test_chan_send_to_closed_peer(void **state)
{
	struct event_base	*base;
	struct ipc_chan		*c;
	struct seen		 s = { .last_fd = -1 };
	int			 sv[2];

	(void)state;
	base = event_base_new();
	pair(sv);
	c = ipc_chan_new(base, sv[0], on_msg, on_err, &s);
	close(sv[1]);
	/* Queued, the failure comes from the loop, never SIGPIPE. */
	assert_int_equal(ipc_chan_send(c, 1, 0, NULL, -1), 0);
	assert_int_equal(s.errors, 0);
	spin(base, 2);
	assert_int_equal(s.errors, 1);
	assert_int_equal(ipc_chan_send(c, 1, 0, NULL, -1), -1);
	assert_int_equal(errno, EPIPE);
	ipc_chan_free(c);
	event_base_free(base);
}

static void
test_chan_free_inside_callback(void **state)
{
	struct event_base	*base;
	struct ipc_chan		*c;
	struct seen		 s = { .last_fd = -1, .free_in_msg = 1 };
	int			 sv[2];
	uint8_t			 raw[64];
	size_t			 n;

	(void)state;
	base = event_base_new();
	pair(sv);
	c = ipc_chan_new(base, sv[1], on_msg, on_err, &s);
	n = frame(raw, 1, 4, 0, "\0\0\0\1", 4);
	n += frame(raw + n, 1, 4, 0, "\0\0\0\1", 4);
	assert_int_equal(write(sv[0], raw, n), (ssize_t)n);
	spin(base, 2);
	/* Freed after the first: the second is never delivered. */
	assert_int_equal(s.msgs, 1);
	(void)c;
	close(sv[0]);
	event_base_free(base);
}

/*
 * Messages sent in one pass leave together once the loop runs; each
 * descriptor arrives with its own message, even among many without; a
 * channel freed before the loop runs still sends what the socket takes.
 */
struct gather_seen {
	int	fd_of[100];
	int	msgs;
};

static void
on_gather_msg(struct ipc_chan *c, const struct ipc_hdr *h,
    struct msg_reader *r, int fd, void *arg)
{
	struct gather_seen	*g = arg;

	(void)c;
	(void)r;
	if (h->id < 100)
		g->fd_of[h->id] = fd;
	else if (fd >= 0)
		close(fd);
	g->msgs++;
}

static void
test_chan_gathers_one_pass(void **state)
{
	struct event_base	*base;
	struct ipc_chan		*a, *b;
	struct gather_seen	 g;
	struct seen		 sa = { .last_fd = -1 };
	struct msg		 m;
	int			 sv[2], p[3][2], with[3] = { 0, 37, 99 };
	int			 i, k, j;
	char			 ch, got;

	(void)state;
	memset(&g, 0, sizeof(g));
	for (i = 0; i < 100; i++)
		g.fd_of[i] = -2;
	base = event_base_new();
	pair(sv);
	a = ipc_chan_new(base, sv[0], on_msg, on_err, &sa);
	b = ipc_chan_new(base, sv[1], on_gather_msg, on_err, &g);
	msg_init(&m);
	msg_add_u32(&m, 1);
	for (k = 0; k < 3; k++)
		assert_int_equal(pipe(p[k]), 0);
	for (i = 0, k = 0; i < 100; i++) {
		j = k < 3 && with[k] == i ? p[k++][1] : -1;
		assert_int_equal(ipc_chan_send(a, 1, (uint32_t)i, &m, j), 0);
	}
	/* Nothing has left yet: the loop has not run. */
	assert_int_equal(recv(sv[1], &ch, 1, MSG_PEEK | MSG_DONTWAIT), -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	assert_int_equal(ipc_chan_queued(a), 100);
	for (i = 0; i < 50 && g.msgs < 100; i++)
		spin(base, 1);
	assert_int_equal(g.msgs, 100);
	assert_int_equal(ipc_chan_queued(a), 0);
	for (i = 0, k = 0; i < 100; i++) {
		if (k < 3 && with[k] == i) {
			/* the descriptor of this message, not another one */
			assert_true(g.fd_of[i] >= 0);
			ch = (char)('a' + k);
			assert_int_equal(write(g.fd_of[i], &ch, 1), 1);
			assert_int_equal(read(p[k][0], &got, 1), 1);
			assert_int_equal(got, ch);
			close(g.fd_of[i]);
			close(p[k][0]);
			k++;
		} else
			assert_int_equal(g.fd_of[i], -1);
	}
	/* Freed before the loop runs: the message still leaves. */
	g.msgs = 0;
	assert_int_equal(ipc_chan_send(a, 1, 100, &m, -1), 0);
	ipc_chan_free(a);
	for (i = 0; i < 50 && g.msgs < 1; i++)
		spin(base, 1);
	assert_int_equal(g.msgs, 1);
	msg_free(&m);
	ipc_chan_free(b);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_every_type),
		cmocka_unit_test(test_reader_rejects_malformed),
		cmocka_unit_test(test_builder_bounds),
		cmocka_unit_test(test_header_decode),
		cmocka_unit_test(test_blocking_with_fd),
		cmocka_unit_test(test_blocking_errors),
		cmocka_unit_test(test_chan_partial_reads),
		cmocka_unit_test(test_chan_protocol_errors),
		cmocka_unit_test(test_chan_trailing_garbage_seen_by_reader),
		cmocka_unit_test(test_chan_fd_passing_and_big_message),
		cmocka_unit_test(test_chan_closes_unexpected_fds),
		cmocka_unit_test(test_chan_queue_overflow),
		cmocka_unit_test(test_chan_send_to_closed_peer),
		cmocka_unit_test(test_chan_free_inside_callback),
		cmocka_unit_test(test_chan_gathers_one_pass),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
