#ifndef GUARDIAN_PROTO_H
#define GUARDIAN_PROTO_H
/*
 * The daemon's message catalogue (framing is common/ipc.h) and, per
 * receiving role, which message types each peer may send it.  A message
 * outside the table is treated like a malformed one: the channel is
 * dropped and a worker that sent it is replaced.
 */
#include <stdint.h>

#include "proc.h"

enum proto_type {
	/* child -> master */
	PROTO_CHILD_READY = 1,		/* (empty) serving requests */
	PROTO_PEER_MISBEHAVED,		/* u32 pid: replace that worker */
	/* master -> child */
	PROTO_PEER_CHANNEL,		/* u8 peer type, u32 peer pid + fd */
	PROTO_LOG_FD,			/* (empty) + the new log descriptor */
	PROTO_TUNABLES,			/* u64 spam weight, u64 ham weight,
					   u64 threshold, u32 retention days,
					   u8 log level, u8 log format */
	/* worker -> learner */
	PROTO_STATUS_REQUEST,		/* (empty) */
	/* learner -> worker */
	PROTO_STATUS_REPLY,		/* u8 ok, u64 current seq,
					   str node id */
	/* worker or learner -> oracle-proxy */
	PROTO_ORACLE_REQUEST,		/* u8 endpoint, data JSON body */
	/* oracle-proxy -> worker or learner */
	PROTO_ORACLE_REPLY,		/* u8 outcome, u32 HTTP status,
					   data body */
	/* worker -> learner (payloads: master/proto_analyze.h) */
	PROTO_ANALYZE_REQUEST,		/* digests of one message */
	PROTO_REPORT_REQUEST,		/* a Message-ID hash to learn from */
	/* learner -> worker */
	PROTO_ANALYZE_REPLY,		/* a verdict, or "ask the Oracle" */
	PROTO_REPORT_REPLY,		/* what the report did locally */
	PROTO_NTYPES
};

/* PROTO_ORACLE_REQUEST endpoints. */
#define PROTO_ORACLE_ANALYZE	1
#define PROTO_ORACLE_REPORT	2
#define PROTO_ORACLE_SYNC	3
#define PROTO_ORACLE_STATS	4

/*
 * PROTO_ORACLE_REPLY outcomes (docs/oracle.md).  OK: the Oracle answered
 * within the timeout and passed validation; status and body are its own.
 * UNAVAILABLE: no answer (transport error, timeout, circuit open, Oracle
 * disabled).  INVALID: an answer that failed validation (wrong status
 * for the endpoint, malformed JSON, oversized).  MORE: one slice of a
 * body too large for one message; slices arrive in order under the same
 * request id and the final reply (OK) carries the last one.
 */
#define PROTO_ORACLE_OK		0
#define PROTO_ORACLE_UNAVAILABLE 1
#define PROTO_ORACLE_INVALID	2
#define PROTO_ORACLE_MORE	3

const char	*proto_type_name(uint32_t);
/* 1 if self accepts type from peer, else 0. */
int		 proto_permitted(enum proc_type self, enum proc_type peer,
		    uint32_t type);

#endif
