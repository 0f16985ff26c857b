/*
 * The IPC decoder against arbitrary bytes: a stream of frames, each
 * header decoded and its payload read with one of a few schemas chosen by
 * the type, shaped like the messages the roles exchange.  A payload that
 * parses must re-encode to exactly the same bytes: the encoding is
 * canonical, so two readers can never disagree about a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipc.h"

static int
schema_read(uint32_t type, struct msg_reader *r, struct msg *out)
{
	const char	*s;
	const void	*d;
	size_t		 n;
	uint8_t		 u8;
	uint32_t	 u32, count, i;
	uint64_t	 u64;

	switch (type % 4) {
	case 0:		/* a lookup request: id, two strings */
		if (msg_get_u32(r, &u32) == -1)
			return -1;
		msg_add_u32(out, u32);
		for (i = 0; i < 2; i++) {
			if (msg_get_str(r, &s, &n) == -1)
				return -1;
			if (strlen(s) != n)
				abort();
			msg_add_str(out, s);
		}
		break;
	case 1:		/* a verdict: flags, counter, opaque blob */
		if (msg_get_u8(r, &u8) == -1 || msg_get_u64(r, &u64) == -1 ||
		    msg_get_data(r, &d, &n) == -1)
			return -1;
		msg_add_u8(out, u8);
		msg_add_u64(out, u64);
		msg_add_data(out, d, n);
		break;
	case 2:		/* a list of digests */
		if (msg_get_u32(r, &count) == -1 || count > 64)
			return -1;
		msg_add_u32(out, count);
		for (i = 0; i < count; i++) {
			if (msg_get_str(r, &s, NULL) == -1)
				return -1;
			msg_add_str(out, s);
		}
		break;
	default:	/* empty */
		break;
	}
	return msg_end(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipc_hdr		 h;
	struct msg_reader	 r;
	struct msg		 out;
	size_t			 off = 0;

	while (size - off >= IPC_HDR_SIZE) {
		if (ipc_hdr_decode(data + off, &h) == -1)
			break;
		off += IPC_HDR_SIZE;
		if (h.len > size - off)
			break;
		msg_reader_init(&r, data + off, h.len);
		msg_init(&out);
		if (schema_read(h.type, &r, &out) == 0) {
			if (msg_failed(&out) || msg_len(&out) != h.len ||
			    (h.len > 0 &&
			    memcmp(msg_data(&out), data + off, h.len) != 0))
				abort();
		}
		msg_free(&out);
		off += h.len;
	}
	return 0;
}
