#ifndef GUARDIAN_LEARNER_H
#define GUARDIAN_LEARNER_H
/*
 * What the learner's jobs (lookup.c, learn.c) need from its core: the
 * current tunables and a way to answer the worker that asked, which may
 * have gone away meanwhile (then the answer is dropped).
 */
#include <stdint.h>

#include "ipc.h"

struct guardian_config;
struct learner_req;

const struct guardian_config *learner_config(void);
/* Sends the reply (nothing if the worker is gone); req stays valid. */
void	learner_req_reply(struct learner_req *, uint32_t type,
	    const struct msg *);
/* The job is over: releases req. */
void	learner_req_done(struct learner_req *);
/* 32 random bits for jitter (not for secrets). */
uint32_t learner_random(void);
/* A printable name of the asking worker, for logs. */
long	learner_req_pid(const struct learner_req *);

#endif
