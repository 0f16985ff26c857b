#ifndef GUARDIAN_IPC_H
#define GUARDIAN_IPC_H
/*
 * Messages between the roles, over AF_UNIX SOCK_STREAM socketpairs.
 *
 * Why a stream socket: a message may be up to IPC_MAX_PAYLOAD bytes, more
 * than a SOCK_SEQPACKET datagram can carry with default socket buffers,
 * and a stream never fails a send for size.  The price is framing, which
 * is what the header is for, and fd passing, handled as OpenBSD's imsg
 * does: a flag in the header says a descriptor travels with the message
 * and received descriptors are matched to flagged messages in order.
 * Descriptors nobody expects are closed.
 *
 * Wire format, every integer big-endian:
 *
 *   header (16 bytes): u32 type | u32 length | u32 request id | u32 pid
 *       bit 31 of type is IPC_F_FD (a descriptor comes with the message);
 *       length counts payload bytes only and is at most IPC_MAX_PAYLOAD.
 *   payload fields:   u8, u32, u64 as is;
 *       str:  u32 n | n bytes | 0x00   (no NUL inside, n <= IPC_STR_MAX)
 *       data: u32 n | n bytes          (n bounded by the payload)
 *
 * A reader consumes exactly the fields it declares and then calls
 * msg_end(), which fails if anything is left: truncated, oversized and
 * padded messages are all protocol errors.  The peer is distrusted: the
 * owner of a channel that reports IPC_ERR_PROTO closes it and restarts
 * the peer.
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

#define IPC_HDR_SIZE		16
#define IPC_MAX_PAYLOAD		(256 * 1024)
#define IPC_STR_MAX		(64 * 1024)
#define IPC_F_FD		0x80000000U
#define IPC_TYPE_MAX		0x7fffffffU
/* Outgoing queue bound per channel: beyond it ipc_chan_send fails. */
#define IPC_QUEUE_MAX_MSGS	4096
#define IPC_QUEUE_MAX_BYTES	(8 * 1024 * 1024)

struct ipc_hdr {
	uint32_t	 type;		/* without IPC_F_FD */
	uint32_t	 len;		/* payload bytes */
	uint32_t	 id;		/* request id, echoed by replies */
	uint32_t	 pid;		/* sender */
	int		 has_fd;	/* IPC_F_FD was set */
};

void	 ipc_hdr_encode(uint8_t out[IPC_HDR_SIZE], const struct ipc_hdr *);
/* -1 if the length exceeds IPC_MAX_PAYLOAD. */
int	 ipc_hdr_decode(const uint8_t in[IPC_HDR_SIZE], struct ipc_hdr *);

/* A payload being built.  Once an add fails, every later one fails too. */
struct msg {
	struct buf	 b;
};

void	 msg_init(struct msg *);
void	 msg_free(struct msg *);
void	 msg_reset(struct msg *);
int	 msg_add_u8(struct msg *, uint8_t);
int	 msg_add_u32(struct msg *, uint32_t);
int	 msg_add_u64(struct msg *, uint64_t);
/* Fails on NULL or a string longer than IPC_STR_MAX. */
int	 msg_add_str(struct msg *, const char *);
int	 msg_add_data(struct msg *, const void *, size_t);
int	 msg_failed(const struct msg *);
const uint8_t *msg_data(const struct msg *);
size_t	 msg_len(const struct msg *);

/*
 * Reads a received payload.  Strings and data are returned as pointers
 * into the payload, valid as long as it is (for a channel: until the
 * callback returns).  Once a get fails, every later one fails too.
 */
struct msg_reader {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
	int		 failed;
};

void	 msg_reader_init(struct msg_reader *, const void *, size_t);
int	 msg_get_u8(struct msg_reader *, uint8_t *);
int	 msg_get_u32(struct msg_reader *, uint32_t *);
int	 msg_get_u64(struct msg_reader *, uint64_t *);
/* NUL-terminated; *len (if not NULL) gets strlen. */
int	 msg_get_str(struct msg_reader *, const char **, size_t *len);
/* A copy in caller storage; fails if it does not fit in size bytes. */
int	 msg_get_strbuf(struct msg_reader *, char *, size_t size);
int	 msg_get_data(struct msg_reader *, const void **, size_t *len);
/* 0 when every byte was consumed and no get failed. */
int	 msg_end(const struct msg_reader *);

/*
 * Blocking helpers for start-up handshakes and tests.  They read exactly
 * one message and never beyond it, so a channel can take over the socket
 * afterwards.  passfd (or -1) is sent with the message and NOT closed.
 * ipc_recv_blocking allocates the payload into *payload (free() it; NULL
 * when empty), stores a received descriptor in *fd (-1 if none; fd may
 * be NULL, then a descriptor is closed) and waits at most timeout_ms
 * (-1: forever).  Both return 0, or -1 with errno set: ETIMEDOUT,
 * EPROTO (malformed), ECONNRESET (peer closed), or the system error.
 */
int	 ipc_send_blocking(int sock, uint32_t type, uint32_t id,
	    const struct msg *, int passfd);
int	 ipc_recv_blocking(int sock, struct ipc_hdr *, uint8_t **payload,
	    int *fd, int timeout_ms);

/*
 * A non-blocking channel driven by a libevent loop.  Complete messages
 * go to msg_cb; fd is the descriptor that came with the message or -1,
 * and the callback owns it.  On end of file, an I/O error or a protocol
 * error the channel stops reading and writing and calls err_cb once; the
 * owner then frees it (ipc_chan_free may be called from either callback).
 */
struct ipc_chan;
struct event_base;

enum ipc_error {
	IPC_ERR_EOF = 1,	/* peer closed between messages */
	IPC_ERR_IO,		/* read or write failed */
	IPC_ERR_PROTO		/* malformed data, or the peer cut a message */
};

typedef void	(*ipc_msg_cb)(struct ipc_chan *, const struct ipc_hdr *,
		    struct msg_reader *, int fd, void *arg);
typedef void	(*ipc_err_cb)(struct ipc_chan *, enum ipc_error,
		    const char *why, void *arg);

/*
 * Takes ownership of sock (made non-blocking and close-on-exec); on
 * failure returns NULL and sock stays the caller's.  msg_cb is required.
 */
struct ipc_chan	*ipc_chan_new(struct event_base *, int sock, ipc_msg_cb,
		    ipc_err_cb, void *arg);
/* Closes the socket and every queued descriptor. */
void		 ipc_chan_free(struct ipc_chan *);
/*
 * Queues a message (m may be NULL for an empty payload) and tries to
 * write at once.  passfd (or -1) is owned by the channel from then on and
 * closed once sent, or on failure.  Returns -1 with errno ENOBUFS when
 * the queue is full, EMSGSIZE when m is too big or failed, EPIPE after
 * the channel failed.
 */
int		 ipc_chan_send(struct ipc_chan *, uint32_t type, uint32_t id,
		    const struct msg *, int passfd);
size_t		 ipc_chan_queued(const struct ipc_chan *);
int		 ipc_chan_fd(const struct ipc_chan *);

#endif
