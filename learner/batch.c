/*
 * Pipelined Redis commands with copied replies.  hiredis answers the
 * commands of one connection in the order they were sent, so each reply
 * fills the next slot that was sent; a command that could not be queued
 * is an error slot at once and gets no callback.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "batch.h"
#include "buf.h"
#include "log.h"
#include "store.h"

/*
 * Commands are encoded to RESP here rather than by hiredis, whose
 * formatter builds each argument a byte at a time and calls sprintf for
 * every length: with dozens of commands per /analyze that was a large
 * share of the learner's CPU.  The format language is hiredis's, limited
 * to what callers use: arguments split at spaces (an interpolated value
 * is never split), %s, %b (pointer and size_t length), %d, %u, %ld, %lu,
 * %lld, %llu and %%.  A format with anything else goes to hiredis.
 * The bytes sent are the ones hiredis would send.
 */
#define BATCH_MAX_ARGS		64

struct batch {
	struct batch_slot	*slots;
	size_t			 n;
	size_t			 cap;
	size_t			 next;		/* next slot a reply fills */
	size_t			 pending;
	size_t			 lost;		/* commands without a slot */
	int			 running;
	char			 error[128];
	batch_done_cb		 done;
	void			*arg;
};

static int
batch_fmt_supported(const char *fmt)
{
	const char	*c;
	int		 args = 1;

	for (c = fmt; *c != '\0'; c++) {
		if (*c == ' ')
			args++;
		if (*c != '%' || c[1] == '\0')
			continue;
		c++;
		if (*c == 's' || *c == 'b' || *c == 'd' || *c == 'u' ||
		    *c == '%')
			continue;
		if (c[0] != 'l')
			return 0;
		if (c[1] == 'l')
			c++;
		if (c[1] != 'd' && c[1] != 'u')
			return 0;
		c++;
	}
	return args <= BATCH_MAX_ARGS;
}

/* The decimal digits of v, written at the end of d[24]: their count. */
static size_t
batch_u64_digits(char d[24], uint64_t v)
{
	size_t	 n = 24;

	do {
		d[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return 24 - n;
}

static void
batch_put_u64(struct buf *b, uint64_t v)
{
	char	 d[24];
	size_t	 n = batch_u64_digits(d, v);

	buf_append(b, d + 24 - n, n);
}

static void
batch_put_i64(struct buf *b, long long v)
{
	if (v < 0) {
		buf_putc(b, '-');
		batch_put_u64(b, -(uint64_t)v);
	} else
		batch_put_u64(b, (uint64_t)v);
}

/* "*<argc>" then "$<length>" and the bytes of each argument. */
static void
batch_resp_head(struct buf *out, int argc)
{
	buf_reset(out);
	buf_putc(out, '*');
	batch_put_u64(out, (uint64_t)argc);
	buf_append(out, "\r\n", 2);
}

static void
batch_resp_arg(struct buf *out, const void *p, size_t len)
{
	char	 d[24];
	size_t	 n = batch_u64_digits(d, len);
	uint8_t	*w;

	if (buf_reserve(out, 1 + n + 2 + len + 2) == -1)
		return;
	w = out->data + out->len;
	*w++ = '$';
	memcpy(w, d + 24 - n, n);
	w += n;
	*w++ = '\r';
	*w++ = '\n';
	memcpy(w, p, len);
	w += len;
	*w++ = '\r';
	*w++ = '\n';
	*w = '\0';
	out->len = (size_t)(w - out->data);
}

/*
 * The RESP encoding of a supported format, in out (reused: the learner
 * is one thread).  -1 when out of memory.
 */
static int
batch_fmt_encode(struct buf *out, const char *fmt, va_list ap)
{
	static struct buf	 args;
	size_t			 end[BATCH_MAX_ARGS], start, i;
	const char		*c, *s;
	int			 argc = 0, touched = 0;

	buf_reset(&args);
	for (c = fmt; *c != '\0'; c++) {
		if (*c != '%' || c[1] == '\0') {
			if (*c != ' ') {
				/* a run of literal bytes */
				for (s = c + 1; *s != '\0' && *s != ' ' &&
				    *s != '%'; s++)
					;
				buf_append(&args, c, (size_t)(s - c));
				c = s - 1;
				touched = 1;
			} else if (touched) {
				end[argc++] = args.len;
				touched = 0;
			}
			continue;
		}
		switch (*++c) {
		case 's':
			s = va_arg(ap, const char *);
			buf_append(&args, s, strlen(s));
			break;
		case 'b':
			s = va_arg(ap, const char *);
			buf_append(&args, s, va_arg(ap, size_t));
			break;
		case 'd':
			batch_put_i64(&args, va_arg(ap, int));
			break;
		case 'u':
			batch_put_u64(&args, va_arg(ap, unsigned int));
			break;
		case 'l':
			if (c[1] == 'l') {
				c++;
				if (*++c == 'd')
					batch_put_i64(&args,
					    va_arg(ap, long long));
				else
					batch_put_u64(&args,
					    va_arg(ap, unsigned long long));
			} else if (*++c == 'd')
				batch_put_i64(&args, va_arg(ap, long));
			else
				batch_put_u64(&args, va_arg(ap, unsigned long));
			break;
		default:	/* '%' */
			buf_putc(&args, '%');
			break;
		}
		touched = 1;
	}
	if (touched)
		end[argc++] = args.len;
	batch_resp_head(out, argc);
	for (i = 0, start = 0; i < (size_t)argc; start = end[i++])
		batch_resp_arg(out, args.data + start, end[i] - start);
	if (buf_failed(&args) || buf_failed(out)) {
		buf_free(&args);
		buf_free(out);
		return -1;
	}
	return 0;
}

struct batch *
batch_new(batch_done_cb done, void *arg)
{
	struct batch	*b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->done = done;
	b->arg = arg;
	return b;
}

static void
batch_error(struct batch *b, const char *why)
{
	if (b->error[0] == '\0')
		snprintf(b->error, sizeof(b->error), "%s", why);
}

static char *
batch_copy(const char *s, size_t len, size_t *outlen, int *truncated)
{
	char	*c;

	if (len > BATCH_STR_MAX) {
		len = BATCH_STR_MAX;
		*truncated = 1;
	}
	if ((c = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(c, s, len);
	c[len] = '\0';
	if (outlen != NULL)
		*outlen = len;
	return c;
}

static void
batch_fill(struct batch *b, struct batch_slot *s, const redisReply *r)
{
	size_t	i, n;

	if (r == NULL || r->type == REDIS_REPLY_ERROR) {
		s->type = BATCH_ERROR;
		batch_error(b, r != NULL && r->str != NULL ? r->str :
		    "connection lost");
		return;
	}
	switch (r->type) {
	case REDIS_REPLY_NIL:
		s->type = BATCH_NIL;
		return;
	case REDIS_REPLY_INTEGER:
		s->type = BATCH_INTEGER;
		s->integer = r->integer;
		return;
	case REDIS_REPLY_STRING:
	case REDIS_REPLY_STATUS:
		if ((s->str = batch_copy(r->str, r->len, &s->len,
		    &s->truncated)) == NULL)
			break;
		s->type = BATCH_STRING;
		return;
	case REDIS_REPLY_ARRAY:
		n = r->elements;
		if (n > BATCH_ARRAY_MAX) {
			n = BATCH_ARRAY_MAX;
			s->truncated = 1;
		}
		if (n > 0 && (s->elems = calloc(n, sizeof(char *))) == NULL)
			break;
		s->type = BATCH_ARRAY;
		for (i = 0; i < n; i++) {
			if (r->element[i]->type != REDIS_REPLY_STRING)
				continue;
			if ((s->elems[s->nelems] = batch_copy(
			    r->element[i]->str, r->element[i]->len, NULL,
			    &s->truncated)) == NULL)
				break;
			s->nelems++;
		}
		return;
	default:
		break;
	}
	s->type = BATCH_ERROR;
	batch_error(b, "unexpected reply or out of memory");
}

static void
batch_finish(struct batch *b)
{
	if (b->running && b->pending == 0) {
		b->running = 0;
		b->done(b, b->arg);
	}
}

static void
batch_reply_cb(redisAsyncContext *ac, void *r, void *privdata)
{
	struct batch	*b = privdata;

	(void)ac;
	while (b->next < b->n && !b->slots[b->next].sent)
		b->next++;
	if (b->next >= b->n || b->pending == 0) {
		log_warnx("%s: reply without a command", __func__);
		return;
	}
	batch_fill(b, &b->slots[b->next++], r);
	b->pending--;
	batch_finish(b);
}

/* A cleared slot at the end, or NULL (counted as lost). */
static struct batch_slot *
batch_slot_new(struct batch *b)
{
	struct batch_slot	*s;
	size_t			 cap;

	if (b->n == b->cap) {
		cap = b->cap == 0 ? 64 : b->cap * 2;
		if ((s = reallocarray(b->slots, cap, sizeof(*s))) == NULL) {
			/* No slot: batch_slot() reads it as an error. */
			batch_error(b, "out of memory");
			b->lost++;
			return NULL;
		}
		b->slots = s;
		b->cap = cap;
	}
	s = &b->slots[b->n];
	memset(s, 0, sizeof(*s));
	return s;
}

static size_t
batch_queued(struct batch *b, struct batch_slot *s, redisAsyncContext *ac,
    int rc)
{
	if (rc == REDIS_OK) {
		s->sent = 1;
		b->pending++;
		store_flush_soon();
	} else {
		s->type = BATCH_ERROR;
		batch_error(b, ac == NULL ? "redis unavailable" :
		    "cannot queue command");
	}
	return b->n++;
}

size_t
batch_cmd(struct batch *b, const char *fmt, ...)
{
	static struct buf	 cmd;
	redisAsyncContext	*ac;
	struct batch_slot	*s;
	va_list			 ap;
	int			 rc = REDIS_ERR;

	if ((s = batch_slot_new(b)) == NULL)
		return BATCH_NO_SLOT;
	if ((ac = store_async()) != NULL) {
		va_start(ap, fmt);
		if (!batch_fmt_supported(fmt))
			rc = redisvAsyncCommand(ac, batch_reply_cb, b, fmt, ap);
		else if (batch_fmt_encode(&cmd, fmt, ap) == 0)
			rc = redisAsyncFormattedCommand(ac, batch_reply_cb, b,
			    (const char *)cmd.data, cmd.len);
		va_end(ap);
	}
	return batch_queued(b, s, ac, rc);
}

size_t
batch_cmd_argv(struct batch *b, int argc, const char **argv,
    const size_t *argvlen)
{
	static struct buf	 cmd;
	redisAsyncContext	*ac;
	struct batch_slot	*s;
	int			 i, rc = REDIS_ERR;

	if ((s = batch_slot_new(b)) == NULL)
		return BATCH_NO_SLOT;
	if ((ac = store_async()) != NULL) {
		batch_resp_head(&cmd, argc);
		for (i = 0; i < argc; i++)
			batch_resp_arg(&cmd, argv[i], argvlen[i]);
		if (!buf_failed(&cmd))
			rc = redisAsyncFormattedCommand(ac, batch_reply_cb, b,
			    (const char *)cmd.data, cmd.len);
		else
			buf_free(&cmd);
	}
	return batch_queued(b, s, ac, rc);
}

size_t
batch_cmd_resp(struct batch *b, const char *resp, size_t len)
{
	redisAsyncContext	*ac;
	struct batch_slot	*s;
	int			 rc = REDIS_ERR;

	if ((s = batch_slot_new(b)) == NULL)
		return BATCH_NO_SLOT;
	if ((ac = store_async()) != NULL)
		rc = redisAsyncFormattedCommand(ac, batch_reply_cb, b, resp,
		    len);
	return batch_queued(b, s, ac, rc);
}

void
batch_run(struct batch *b)
{
	b->running = 1;
	batch_finish(b);
}

const struct batch_slot *
batch_slot(const struct batch *b, size_t i)
{
	static const struct batch_slot	error_slot = { .type = BATCH_ERROR };

	/* After a lost command slot numbers may have shifted: trust none. */
	return i < b->n && b->lost == 0 ? &b->slots[i] : &error_slot;
}

size_t
batch_count(const struct batch *b)
{
	return b->n;
}

size_t
batch_errors(const struct batch *b)
{
	size_t	i, e = b->lost;

	for (i = 0; i < b->n; i++)
		if (b->slots[i].type == BATCH_ERROR)
			e++;
	return e;
}

const char *
batch_error_text(const struct batch *b)
{
	return b->error;
}

void
batch_reset(struct batch *b)
{
	size_t	i, j;

	for (i = 0; i < b->n; i++) {
		free(b->slots[i].str);
		for (j = 0; j < b->slots[i].nelems; j++)
			free(b->slots[i].elems[j]);
		free(b->slots[i].elems);
	}
	b->n = 0;
	b->next = 0;
	b->pending = 0;
	b->lost = 0;
	b->error[0] = '\0';
}

void
batch_free(struct batch *b)
{
	if (b == NULL)
		return;
	batch_reset(b);
	free(b->slots);
	free(b);
}
