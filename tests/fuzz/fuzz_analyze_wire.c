/*
 * What the learner and the worker read from each other and from outside:
 * the analyze and report payloads (a hostile worker writes them) and
 * upstream's verdict JSON (the Oracle's answers and mi:oracle_cache:
 * values, which anyone with Redis access can write).  The first byte
 * picks the reader; none may crash, and what decodes must re-encode.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ipc.h"
#include "learner/verdict.h"
#include "master/proto_analyze.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_analyze_request	 q;
	struct proto_analyze_reply	 a;
	struct proto_report_request	 rq;
	struct proto_report_reply	 ra;
	struct decide_cache		 v;
	struct msg_reader		 r;
	struct msg			 m;
	struct buf			 b;

	if (size < 1)
		return 0;
	msg_reader_init(&r, data + 1, size - 1);
	msg_init(&m);
	switch (data[0] % 5) {
	case 0:
		if (proto_analyze_request_decode(&r, &q) == 0) {
			if (proto_analyze_request_encode(&m, &q) != 0)
				abort();
			proto_analyze_request_free(&q);
		}
		break;
	case 1:
		if (proto_analyze_reply_decode(&r, &a) == 0 &&
		    proto_analyze_reply_encode(&m, &a) != 0)
			abort();
		break;
	case 2:
		if (proto_report_request_decode(&r, &rq) == 0 &&
		    proto_report_request_encode(&m, &rq) != 0)
			abort();
		break;
	case 3:
		if (proto_report_reply_decode(&r, &ra) == 0) {
			if (proto_report_reply_encode(&m, &ra) != 0)
				abort();
			proto_report_reply_free(&ra);
		}
		break;
	default:
		if (verdict_parse((const char *)data + 1, size - 1,
		    size > 1 && (data[1] & 1), &v) == 0) {
			buf_init(&b, 0);
			verdict_encode(&b, &v);
			/* What we write must read back the same. */
			if (buf_failed(&b) || verdict_parse((const char *)b.data,
			    b.len, 0, &v) != 0)
				abort();
			buf_free(&b);
		}
		break;
	}
	msg_free(&m);
	return 0;
}
