/*
 * Who may say what to whom.  Each row is (receiver, sender) and the
 * message types the receiver accepts from that sender; a pair without a
 * row has no channel at all.
 */
#include <stddef.h>

#include "proto.h"

struct proto_permit {
	enum proc_type	 self;
	enum proc_type	 peer;
	uint32_t	 types[6];	/* 0-terminated */
};

static const struct proto_permit proto_permits[] = {
	{ PROC_MASTER, PROC_WORKER, { PROTO_CHILD_READY, 0 } },
	{ PROC_MASTER, PROC_LEARNER,
	    { PROTO_CHILD_READY, PROTO_PEER_MISBEHAVED, 0 } },
	{ PROC_MASTER, PROC_ORACLE,
	    { PROTO_CHILD_READY, PROTO_PEER_MISBEHAVED, 0 } },
	{ PROC_WORKER, PROC_MASTER,
	    { PROTO_PEER_CHANNEL, PROTO_LOG_FD, PROTO_TUNABLES, 0 } },
	{ PROC_WORKER, PROC_LEARNER, { PROTO_STATUS_REPLY,
	    PROTO_ANALYZE_REPLY, PROTO_REPORT_REPLY, 0 } },
	{ PROC_WORKER, PROC_ORACLE, { PROTO_ORACLE_REPLY, 0 } },
	{ PROC_LEARNER, PROC_MASTER,
	    { PROTO_PEER_CHANNEL, PROTO_LOG_FD, PROTO_TUNABLES, 0 } },
	{ PROC_LEARNER, PROC_WORKER, { PROTO_STATUS_REQUEST,
	    PROTO_ANALYZE_REQUEST, PROTO_REPORT_REQUEST, 0 } },
	{ PROC_LEARNER, PROC_ORACLE, { PROTO_ORACLE_REPLY, 0 } },
	{ PROC_ORACLE, PROC_MASTER,
	    { PROTO_PEER_CHANNEL, PROTO_LOG_FD, PROTO_TUNABLES, 0 } },
	{ PROC_ORACLE, PROC_WORKER, { PROTO_ORACLE_REQUEST, 0 } },
	{ PROC_ORACLE, PROC_LEARNER, { PROTO_ORACLE_REQUEST, 0 } },
};

static const char *const proto_names[PROTO_NTYPES] = {
	[PROTO_CHILD_READY] = "CHILD_READY",
	[PROTO_PEER_MISBEHAVED] = "PEER_MISBEHAVED",
	[PROTO_PEER_CHANNEL] = "PEER_CHANNEL",
	[PROTO_LOG_FD] = "LOG_FD",
	[PROTO_TUNABLES] = "TUNABLES",
	[PROTO_STATUS_REQUEST] = "STATUS_REQUEST",
	[PROTO_STATUS_REPLY] = "STATUS_REPLY",
	[PROTO_ORACLE_REQUEST] = "ORACLE_REQUEST",
	[PROTO_ORACLE_REPLY] = "ORACLE_REPLY",
	[PROTO_ANALYZE_REQUEST] = "ANALYZE_REQUEST",
	[PROTO_REPORT_REQUEST] = "REPORT_REQUEST",
	[PROTO_ANALYZE_REPLY] = "ANALYZE_REPLY",
	[PROTO_REPORT_REPLY] = "REPORT_REPLY",
};

const char *
proto_type_name(uint32_t type)
{
	if (type == 0 || type >= PROTO_NTYPES)
		return "unknown";
	return proto_names[type];
}

int
proto_permitted(enum proc_type self, enum proc_type peer, uint32_t type)
{
	size_t	i, j;

	if (type == 0)
		return 0;
	for (i = 0; i < sizeof(proto_permits) / sizeof(proto_permits[0]);
	    i++) {
		if (proto_permits[i].self != self ||
		    proto_permits[i].peer != peer)
			continue;
		for (j = 0; proto_permits[i].types[j] != 0; j++)
			if (proto_permits[i].types[j] == type)
				return 1;
	}
	return 0;
}
