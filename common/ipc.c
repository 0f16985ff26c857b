#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "ipc.h"
#include "log.h"

/* Descriptors held for flagged messages not yet complete. */
#define IPC_FD_QUEUE		16
/* SCM_RIGHTS room per read: more than a peer may legitimately send. */
#define IPC_FDS_PER_READ	8
#define IPC_READ_CHUNK		(64 * 1024)

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

void
ipc_hdr_encode(uint8_t out[IPC_HDR_SIZE], const struct ipc_hdr *h)
{
	put32(out, (h->type & IPC_TYPE_MAX) | (h->has_fd ? IPC_F_FD : 0));
	put32(out + 4, h->len);
	put32(out + 8, h->id);
	put32(out + 12, h->pid);
}

int
ipc_hdr_decode(const uint8_t in[IPC_HDR_SIZE], struct ipc_hdr *h)
{
	uint32_t	 t = get32(in);

	h->type = t & IPC_TYPE_MAX;
	h->has_fd = (t & IPC_F_FD) != 0;
	h->len = get32(in + 4);
	h->id = get32(in + 8);
	h->pid = get32(in + 12);
	return h->len > IPC_MAX_PAYLOAD ? -1 : 0;
}

void
msg_init(struct msg *m)
{
	buf_init(&m->b, IPC_MAX_PAYLOAD);
}

void
msg_free(struct msg *m)
{
	buf_free(&m->b);
}

void
msg_reset(struct msg *m)
{
	buf_reset(&m->b);
}

int
msg_add_u8(struct msg *m, uint8_t v)
{
	return buf_append(&m->b, &v, 1);
}

int
msg_add_u32(struct msg *m, uint32_t v)
{
	uint8_t	 p[4];

	put32(p, v);
	return buf_append(&m->b, p, 4);
}

int
msg_add_u64(struct msg *m, uint64_t v)
{
	uint8_t	 p[8];

	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
	return buf_append(&m->b, p, 8);
}

int
msg_add_str(struct msg *m, const char *s)
{
	size_t	 n;

	if (s == NULL || (n = strlen(s)) > IPC_STR_MAX) {
		m->b.failed = 1;
		return -1;
	}
	if (msg_add_u32(m, (uint32_t)n) == -1 ||
	    buf_append(&m->b, s, n + 1) == -1)
		return -1;
	return 0;
}

int
msg_add_data(struct msg *m, const void *p, size_t n)
{
	if (n > IPC_MAX_PAYLOAD || (n > 0 && p == NULL)) {
		m->b.failed = 1;
		return -1;
	}
	if (msg_add_u32(m, (uint32_t)n) == -1 || buf_append(&m->b, p, n) == -1)
		return -1;
	return 0;
}

int
msg_failed(const struct msg *m)
{
	return buf_failed(&m->b);
}

const uint8_t *
msg_data(const struct msg *m)
{
	return m->b.data;
}

size_t
msg_len(const struct msg *m)
{
	return m->b.len;
}

void
msg_reader_init(struct msg_reader *r, const void *p, size_t len)
{
	r->p = p;
	r->len = p != NULL ? len : 0;
	r->off = 0;
	r->failed = 0;
}

/* The next n bytes, or NULL (and failed from then on). */
static const uint8_t *
reader_take(struct msg_reader *r, size_t n)
{
	const uint8_t	*p;

	if (r->failed || n > r->len - r->off) {
		r->failed = 1;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

int
msg_get_u8(struct msg_reader *r, uint8_t *v)
{
	const uint8_t	*p;

	if ((p = reader_take(r, 1)) == NULL)
		return -1;
	*v = p[0];
	return 0;
}

int
msg_get_u32(struct msg_reader *r, uint32_t *v)
{
	const uint8_t	*p;

	if ((p = reader_take(r, 4)) == NULL)
		return -1;
	*v = get32(p);
	return 0;
}

int
msg_get_u64(struct msg_reader *r, uint64_t *v)
{
	const uint8_t	*p;

	if ((p = reader_take(r, 8)) == NULL)
		return -1;
	*v = (uint64_t)get32(p) << 32 | get32(p + 4);
	return 0;
}

int
msg_get_str(struct msg_reader *r, const char **s, size_t *lenp)
{
	const uint8_t	*p;
	uint32_t	 n;

	if (msg_get_u32(r, &n) == -1)
		return -1;
	if (n > IPC_STR_MAX || (p = reader_take(r, (size_t)n + 1)) == NULL) {
		r->failed = 1;
		return -1;
	}
	/* Terminated exactly at n, and no NUL before. */
	if (p[n] != '\0' || memchr(p, '\0', n) != NULL) {
		r->failed = 1;
		return -1;
	}
	*s = (const char *)p;
	if (lenp != NULL)
		*lenp = n;
	return 0;
}

int
msg_get_strbuf(struct msg_reader *r, char *dst, size_t size)
{
	const char	*s;
	size_t		 n;

	if (msg_get_str(r, &s, &n) == -1)
		return -1;
	if (n >= size) {
		r->failed = 1;
		return -1;
	}
	memcpy(dst, s, n + 1);
	return 0;
}

int
msg_get_data(struct msg_reader *r, const void **data, size_t *lenp)
{
	const uint8_t	*p;
	uint32_t	 n;

	if (msg_get_u32(r, &n) == -1 || (p = reader_take(r, n)) == NULL)
		return -1;
	*data = p;
	*lenp = n;
	return 0;
}

int
msg_end(const struct msg_reader *r)
{
	return r->failed || r->off != r->len ? -1 : 0;
}

/*
 * Takes the descriptors of a received control message into fds; those
 * beyond max are closed and 1 is returned.
 */
static int
collect_fds(struct msghdr *mh, int *fds, size_t *nfds, size_t max)
{
	struct cmsghdr	*cm;
	int		 fd, extra = 0;
	size_t		 i, n;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
			    sizeof(int));
			if (*nfds < max)
				fds[(*nfds)++] = fd;
			else {
				close(fd);
				extra = 1;
			}
		}
	}
	return extra;
}

/* One sendmsg of iov[0..n), with passfd attached when >= 0. */
static ssize_t
send_iov(int sock, struct iovec *iov, size_t n, int passfd)
{
	struct msghdr	 mh;
	union {
		struct cmsghdr	 hdr;
		char		 space[CMSG_SPACE(sizeof(int))];
	} cmsg;
	struct cmsghdr	*cm;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = n;
	if (passfd >= 0) {
		memset(&cmsg, 0, sizeof(cmsg));
		mh.msg_control = cmsg.space;
		mh.msg_controllen = sizeof(cmsg.space);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &passfd, sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL);
}

static ssize_t
send_chunk(int sock, const void *p, size_t len, int passfd)
{
	struct iovec	 iov;

	iov.iov_base = (void *)(uintptr_t)p;
	iov.iov_len = len;
	return send_iov(sock, &iov, 1, passfd);
}

static int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on sock until deadline (-1: none). */
static int
wait_fd(int sock, short events, int64_t deadline)
{
	struct pollfd	 pfd;
	int64_t		 left;
	int		 r;

	for (;;) {
		left = -1;
		if (deadline >= 0) {
			left = deadline - now_ms();
			if (left < 0)
				left = 0;
		}
		pfd.fd = sock;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		return 0;
	}
}

int
ipc_send_blocking(int sock, uint32_t type, uint32_t id, const struct msg *m,
    int passfd)
{
	struct ipc_hdr	 h;
	uint8_t		*frame;
	size_t		 len = m != NULL ? msg_len(m) : 0, off = 0;
	ssize_t		 n;
	int		 fd = passfd;

	if (type > IPC_TYPE_MAX) {
		errno = EINVAL;
		return -1;
	}
	if ((m != NULL && msg_failed(m)) || len > IPC_MAX_PAYLOAD) {
		errno = EMSGSIZE;
		return -1;
	}
	if ((frame = malloc(IPC_HDR_SIZE + len)) == NULL)
		return -1;
	h.type = type;
	h.len = (uint32_t)len;
	h.id = id;
	h.pid = (uint32_t)getpid();
	h.has_fd = passfd >= 0;
	ipc_hdr_encode(frame, &h);
	if (len > 0)
		memcpy(frame + IPC_HDR_SIZE, msg_data(m), len);
	while (off < IPC_HDR_SIZE + len) {
		n = send_chunk(sock, frame + off, IPC_HDR_SIZE + len - off, fd);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_fd(sock, POLLOUT, -1) == -1)
				goto fail;
			continue;
		}
		if (n == -1)
			goto fail;
		fd = -1;	/* went with the first byte */
		off += (size_t)n;
	}
	free(frame);
	return 0;
fail:
	free(frame);
	return -1;
}

static void
close_fds(int *fds, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		close(fds[i]);
}

/* Reads exactly len bytes, gathering descriptors. */
static int
recv_exact(int sock, uint8_t *p, size_t len, int *fds, size_t *nfds,
    int64_t deadline, int first)
{
	struct msghdr	 mh;
	struct iovec	 iov;
	union {
		struct cmsghdr	 hdr;
		char		 space[CMSG_SPACE(IPC_FDS_PER_READ *
				    sizeof(int))];
	} cmsg;
	size_t		 off = 0;
	ssize_t		 n;

	while (off < len) {
		if (wait_fd(sock, POLLIN, deadline) == -1)
			return -1;
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = p + off;
		iov.iov_len = len - off;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cmsg.space;
		mh.msg_controllen = sizeof(cmsg.space);
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n == -1 && (errno == EINTR || errno == EAGAIN ||
		    errno == EWOULDBLOCK))
			continue;
		if (n == -1)
			return -1;
		collect_fds(&mh, fds, nfds, IPC_FDS_PER_READ);
		if (n == 0) {
			errno = first && off == 0 ? ECONNRESET : EPROTO;
			return -1;
		}
		if (mh.msg_flags & MSG_CTRUNC) {
			errno = EPROTO;
			return -1;
		}
		off += (size_t)n;
		first = 0;
	}
	return 0;
}

int
ipc_recv_blocking(int sock, struct ipc_hdr *h, uint8_t **payload, int *fdp,
    int timeout_ms)
{
	uint8_t		 raw[IPC_HDR_SIZE], *p = NULL;
	int		 fds[IPC_FDS_PER_READ];
	size_t		 nfds = 0;
	int64_t		 deadline = timeout_ms >= 0 ? now_ms() + timeout_ms : -1;
	int		 saved;

	*payload = NULL;
	if (fdp != NULL)
		*fdp = -1;
	if (recv_exact(sock, raw, IPC_HDR_SIZE, fds, &nfds, deadline, 1) == -1)
		goto fail;
	if (ipc_hdr_decode(raw, h) == -1) {
		errno = EPROTO;
		goto fail;
	}
	if (h->len > 0) {
		if ((p = malloc(h->len)) == NULL)
			goto fail;
		if (recv_exact(sock, p, h->len, fds, &nfds, deadline, 0) == -1)
			goto fail;
	}
	if (h->has_fd && nfds == 0) {
		errno = EPROTO;
		goto fail;
	}
	if (!h->has_fd) {
		close_fds(fds, nfds);	/* unannounced: not ours to keep */
		nfds = 0;
	}
	if (nfds > 0) {
		if (fdp != NULL)
			*fdp = fds[0];
		else
			close(fds[0]);
		close_fds(fds + 1, nfds - 1);	/* nobody asked for these */
	}
	*payload = p;
	return 0;
fail:
	saved = errno;
	close_fds(fds, nfds);
	free(p);
	errno = saved;
	return -1;
}

struct ipc_out {
	struct ipc_out	*next;
	size_t		 len;
	size_t		 off;
	int		 fd;
	uint8_t		 data[];
};

struct ipc_chan {
	int			 sock;
	struct event		*ev_read;
	struct event		*ev_write;
	struct event		*ev_flush;	/* sends what this pass queued */
	struct event		*ev_fail;	/* reports a send failure */
	ipc_msg_cb		 msg_cb;
	ipc_err_cb		 err_cb;
	void			*arg;
	uint32_t		 pid;

	uint8_t			*in;
	size_t			 in_len;
	size_t			 in_cap;
	int			 fds[IPC_FD_QUEUE];
	size_t			 nfds;

	struct ipc_out		*head;
	struct ipc_out		*tail;
	size_t			 nout;
	size_t			 out_bytes;

	int			 failed;
	enum ipc_error		 fail_code;
	const char		*fail_why;
	int			 depth;		/* inside our callbacks */
	int			 freed;		/* free once depth is 0 */
};

static int	chan_flush(struct ipc_chan *);

static void
chan_destroy(struct ipc_chan *c)
{
	struct ipc_out	*o;

	/* What the socket takes now still leaves, as it did when sent. */
	if (c->sock >= 0 && !c->failed)
		(void)chan_flush(c);
	while ((o = c->head) != NULL) {
		c->head = o->next;
		if (o->fd >= 0)
			close(o->fd);
		free(o);
	}
	close_fds(c->fds, c->nfds);
	if (c->ev_read != NULL)
		event_free(c->ev_read);
	if (c->ev_write != NULL)
		event_free(c->ev_write);
	if (c->ev_flush != NULL)
		event_free(c->ev_flush);
	if (c->ev_fail != NULL)
		event_free(c->ev_fail);
	if (c->sock >= 0)
		close(c->sock);
	free(c->in);
	free(c);
}

void
ipc_chan_free(struct ipc_chan *c)
{
	if (c == NULL)
		return;
	if (c->depth > 0) {
		/* Called from a callback: finish when it returns. */
		c->freed = 1;
		event_del(c->ev_read);
		event_del(c->ev_write);
		event_del(c->ev_flush);
		event_del(c->ev_fail);
		return;
	}
	chan_destroy(c);
}

/* Leaves a callback section; -1 if the channel is gone or stopped. */
static int
chan_leave(struct ipc_chan *c)
{
	if (--c->depth == 0 && c->freed) {
		chan_destroy(c);
		return -1;
	}
	return c->freed || c->failed ? -1 : 0;
}

/* Stops the channel and tells the owner, once. */
static void
chan_fail(struct ipc_chan *c, enum ipc_error code, const char *why)
{
	if (c->failed)
		return;
	c->failed = 1;
	c->fail_code = code;
	c->fail_why = why;
	event_del(c->ev_read);
	event_del(c->ev_write);
	if (c->err_cb != NULL && !c->freed)
		c->err_cb(c, code, why, c->arg);
}

static void
chan_fail_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ipc_chan	*c = arg;
	enum ipc_error	 code = c->fail_code;

	(void)fd;
	(void)what;
	c->depth++;
	c->failed = 0;
	chan_fail(c, code, c->fail_why);
	chan_leave(c);
}

/*
 * Writes what the socket takes; -1 after a failure was recorded.  The
 * queued messages go out in as few sendmsg calls as possible: one
 * gathers up to CHAN_IOV messages, and a message with a descriptor
 * starts a call of its own, so that the descriptor travels with its
 * first byte.
 */
#define CHAN_IOV	64

static int
chan_flush(struct ipc_chan *c)
{
	struct iovec	 iov[CHAN_IOV];
	struct ipc_out	*o;
	ssize_t		 n;
	size_t		 niov, done;
	int		 fd;

	while ((o = c->head) != NULL) {
		fd = o->off == 0 ? o->fd : -1;
		niov = 0;
		for (; o != NULL && niov < CHAN_IOV; o = o->next) {
			if (niov > 0 && o->fd >= 0)
				break;
			iov[niov].iov_base = o->data + o->off;
			iov[niov].iov_len = o->len - o->off;
			niov++;
		}
		n = send_iov(c->sock, iov, niov, fd);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			event_add(c->ev_write, NULL);
			return 0;
		}
		if (n == -1) {
			c->fail_code = IPC_ERR_IO;
			c->fail_why = "write failed";
			return -1;
		}
		done = (size_t)n;
		while ((o = c->head) != NULL) {
			if (o->fd >= 0 && o->fd == fd) {
				/* sent: a byte of its message left */
				close(o->fd);
				o->fd = -1;
				fd = -1;
			}
			if (done < o->len - o->off) {
				o->off += done;
				break;
			}
			done -= o->len - o->off;
			c->head = o->next;
			if (c->head == NULL)
				c->tail = NULL;
			c->nout--;
			c->out_bytes -= o->len;
			free(o);
		}
	}
	event_del(c->ev_write);
	return 0;
}

/*
 * Sends the queue: at the end of a pass (ev_flush), or once the socket
 * takes more (ev_write).
 */
static void
chan_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ipc_chan	*c = arg;

	(void)fd;
	(void)what;
	c->depth++;
	/* The log lines of this pass leave before the answers they explain. */
	log_flush();
	if (!c->failed && !c->freed && chan_flush(c) == -1)
		chan_fail(c, c->fail_code, c->fail_why);
	chan_leave(c);
}

/* Hands every complete message to the owner; -1 to stop. */
static int
chan_parse(struct ipc_chan *c)
{
	struct ipc_hdr		 h;
	struct msg_reader	 r;
	size_t			 start = 0, need;
	uint8_t			*n;
	int			 fd;

	while (c->in_len - start >= IPC_HDR_SIZE) {
		if (ipc_hdr_decode(c->in + start, &h) == -1) {
			chan_fail(c, IPC_ERR_PROTO, "oversized message");
			return -1;
		}
		/* A descriptor travels with the first byte of its message. */
		if (h.has_fd && c->nfds == 0) {
			chan_fail(c, IPC_ERR_PROTO, "descriptor missing");
			return -1;
		}
		need = IPC_HDR_SIZE + (size_t)h.len;
		if (c->in_len - start < need) {
			if (c->in_cap < need) {
				memmove(c->in, c->in + start,
				    c->in_len - start);
				c->in_len -= start;
				start = 0;
				if ((n = realloc(c->in, need)) == NULL) {
					chan_fail(c, IPC_ERR_IO,
					    "out of memory");
					return -1;
				}
				c->in = n;
				c->in_cap = need;
			}
			break;
		}
		fd = -1;
		if (h.has_fd) {
			fd = c->fds[0];
			memmove(c->fds, c->fds + 1,
			    (c->nfds - 1) * sizeof(int));
			c->nfds--;
		}
		msg_reader_init(&r, c->in + start + IPC_HDR_SIZE, h.len);
		start += need;
		c->msg_cb(c, &h, &r, fd, c->arg);
		if (c->freed || c->failed)
			return -1;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	/* Between messages, any descriptor left is one nobody announced. */
	if (c->in_len == 0 && c->nfds > 0) {
		close_fds(c->fds, c->nfds);
		c->nfds = 0;
	}
	return 0;
}

static void
chan_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ipc_chan	*c = arg;
	struct msghdr	 mh;
	struct iovec	 iov;
	union {
		struct cmsghdr	 hdr;
		char		 space[CMSG_SPACE(IPC_FDS_PER_READ *
				    sizeof(int))];
	} cmsg;
	ssize_t		 n;
	int		 extra;

	(void)fd;
	(void)what;
	c->depth++;
	if (c->in_len == c->in_cap) {
		/* Cannot happen: the buffer always fits the pending message. */
		chan_fail(c, IPC_ERR_PROTO, "receive buffer overrun");
		goto out;
	}
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = c->in + c->in_len;
	iov.iov_len = c->in_cap - c->in_len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cmsg.space;
	mh.msg_controllen = sizeof(cmsg.space);
	n = recvmsg(c->sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n == -1) {
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
			chan_fail(c, IPC_ERR_IO, "read failed");
		goto out;
	}
	extra = collect_fds(&mh, c->fds, &c->nfds, IPC_FD_QUEUE);
	if (extra || (mh.msg_flags & MSG_CTRUNC)) {
		chan_fail(c, IPC_ERR_PROTO, "too many descriptors");
		goto out;
	}
	if (n == 0) {
		if (c->in_len > 0)
			chan_fail(c, IPC_ERR_PROTO,
			    "peer closed in the middle of a message");
		else
			chan_fail(c, IPC_ERR_EOF, "peer closed");
		goto out;
	}
	c->in_len += (size_t)n;
	chan_parse(c);
out:
	chan_leave(c);
}

struct ipc_chan *
ipc_chan_new(struct event_base *base, int sock, ipc_msg_cb msg_cb,
    ipc_err_cb err_cb, void *arg)
{
	struct ipc_chan	*c;
	int		 fl;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->sock = -1;
	if ((fl = fcntl(sock, F_GETFL)) == -1 ||
	    fcntl(sock, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(sock, F_SETFD, FD_CLOEXEC) == -1)
		goto fail;
	c->in_cap = IPC_READ_CHUNK;
	if ((c->in = malloc(c->in_cap)) == NULL)
		goto fail;
	c->ev_read = event_new(base, sock, EV_READ | EV_PERSIST, chan_read_cb,
	    c);
	c->ev_write = event_new(base, sock, EV_WRITE | EV_PERSIST,
	    chan_flush_cb, c);
	c->ev_flush = event_new(base, -1, 0, chan_flush_cb, c);
	c->ev_fail = event_new(base, -1, 0, chan_fail_cb, c);
	if (c->ev_read == NULL || c->ev_write == NULL || c->ev_flush == NULL ||
	    c->ev_fail == NULL ||
	    event_add(c->ev_read, NULL) == -1)
		goto fail;
	c->sock = sock;
	c->msg_cb = msg_cb;
	c->err_cb = err_cb;
	c->arg = arg;
	c->pid = (uint32_t)getpid();
	return c;
fail:
	chan_destroy(c);	/* leaves sock to the caller */
	return NULL;
}

int
ipc_chan_send(struct ipc_chan *c, uint32_t type, uint32_t id,
    const struct msg *m, int passfd)
{
	struct ipc_out	*o;
	struct ipc_hdr	 h;
	size_t		 len = m != NULL ? msg_len(m) : 0;
	int		 err;

	if (c->failed || c->freed)
		err = EPIPE;
	else if (type > IPC_TYPE_MAX)
		err = EINVAL;
	else if ((m != NULL && msg_failed(m)) || len > IPC_MAX_PAYLOAD)
		err = EMSGSIZE;
	else if (c->nout >= IPC_QUEUE_MAX_MSGS ||
	    c->out_bytes + IPC_HDR_SIZE + len > IPC_QUEUE_MAX_BYTES)
		err = ENOBUFS;
	else if ((o = malloc(sizeof(*o) + IPC_HDR_SIZE + len)) == NULL)
		err = ENOMEM;
	else
		err = 0;
	if (err != 0) {
		if (passfd >= 0)
			close(passfd);
		errno = err;
		return -1;
	}
	h.type = type;
	h.len = (uint32_t)len;
	h.id = id;
	h.pid = c->pid;
	h.has_fd = passfd >= 0;
	ipc_hdr_encode(o->data, &h);
	if (len > 0)
		memcpy(o->data + IPC_HDR_SIZE, msg_data(m), len);
	o->next = NULL;
	o->len = IPC_HDR_SIZE + len;
	o->off = 0;
	o->fd = passfd;
	if (c->tail != NULL)
		c->tail->next = o;
	else
		c->head = o;
	c->tail = o;
	c->nout++;
	c->out_bytes += o->len;
	/*
	 * Sent once the loop has run the callbacks that are ready now, so
	 * that the messages of one pass leave in one write and the peer
	 * wakes once for them.  Unless the socket is full: then ev_write
	 * is pending and sends it.
	 */
	if (!event_pending(c->ev_write, EV_WRITE, NULL))
		event_active(c->ev_flush, 0, 0);
	return 0;
}

size_t
ipc_chan_queued(const struct ipc_chan *c)
{
	return c->nout;
}

int
ipc_chan_fd(const struct ipc_chan *c)
{
	return c->sock;
}
