#ifndef GUARDIAN_LEARNER_BATCH_H
#define GUARDIAN_LEARNER_BATCH_H
/*
 * A pipeline of Redis commands sent at once, whose replies are copied
 * (hiredis frees its reply objects after each callback) into slots in
 * command order; one callback runs when the last reply is in.  Copies
 * are bounded: a string reply longer than BATCH_STR_MAX or an array with
 * more than BATCH_ARRAY_MAX elements is cut and flagged truncated.
 *
 * When Redis is not connected every command fails at once (slot type
 * BATCH_ERROR), so callers handle one path for "down" and "error".
 */
#include <stddef.h>

#define BATCH_STR_MAX		(1024 * 1024)
#define BATCH_ARRAY_MAX		16384
/* What batch_cmd returns when it could not even allocate a slot. */
#define BATCH_NO_SLOT		((size_t)-2)

enum batch_type {
	BATCH_PENDING = 0,
	BATCH_ERROR,		/* error reply, lost connection, not sent */
	BATCH_NIL,
	BATCH_INTEGER,
	BATCH_STRING,		/* string or status reply */
	BATCH_ARRAY		/* of strings (others are skipped) */
};

struct batch_slot {
	enum batch_type	  type;
	long long	  integer;
	char		 *str;		/* NUL-terminated copy */
	size_t		  len;
	char		**elems;
	size_t		  nelems;
	int		  truncated;
	int		  sent;
};

struct batch;
typedef void	(*batch_done_cb)(struct batch *, void *arg);

struct batch	*batch_new(batch_done_cb, void *arg);
/*
 * Queues a command (hiredis format, "%s" arguments); returns its slot
 * (BATCH_NO_SLOT, read as an error, when out of memory).
 */
size_t		 batch_cmd(struct batch *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* The same with the arguments as an array, none formatted. */
size_t		 batch_cmd_argv(struct batch *, int argc, const char **argv,
		    const size_t *argvlen);
/* A command already encoded in RESP (an array of bulk strings). */
size_t		 batch_cmd_resp(struct batch *, const char *resp, size_t len);
/*
 * Sends what was queued; done runs once every reply is in, possibly
 * before batch_run returns (nothing sent, or Redis down).
 */
void		 batch_run(struct batch *);
const struct batch_slot *batch_slot(const struct batch *, size_t);
size_t		 batch_count(const struct batch *);
/* Slots of type BATCH_ERROR. */
size_t		 batch_errors(const struct batch *);
/* The first error message seen, for the log ("" if none). */
const char	*batch_error_text(const struct batch *);
/* Drops the slots for reuse by the next round trip of the same job. */
void		 batch_reset(struct batch *);
void		 batch_free(struct batch *);

#endif
