#ifndef GUARDIAN_BUF_H
#define GUARDIAN_BUF_H
/*
 * A growable byte buffer.  Every append checks for overflow and a caller-set
 * limit, so code that builds strings from hostile input cannot grow without
 * bound: once an append fails, the buffer stays in the failed state and
 * buf_failed() says so.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct buf {
	uint8_t	*data;		/* NUL-terminated when data != NULL */
	size_t	 len;
	size_t	 cap;
	size_t	 limit;		/* 0: no limit beyond SIZE_MAX / 2 */
	int	 failed;
};

void	buf_init(struct buf *, size_t limit);
void	buf_free(struct buf *);
void	buf_reset(struct buf *);		/* len = 0, keeps memory */
int	buf_reserve(struct buf *, size_t extra);
int	buf_append_slow(struct buf *, const void *, size_t);
int	buf_puts(struct buf *, const char *);
int	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	buf_failed(const struct buf *);
/* Hands the memory to the caller (NUL-terminated) and resets the buffer. */
uint8_t	*buf_release(struct buf *, size_t *len);

/*
 * Appends are the inner loop of every text stage: the common case (room
 * left, under the limit) is inline, everything else goes through
 * buf_append_slow with the same checks.  len <= limit always holds.
 */
static inline int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (b->failed || b->cap - b->len <= n ||
	    (b->limit != 0 && b->limit - b->len < n))
		return buf_append_slow(b, p, n);
	if (n != 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

static inline int
buf_putc(struct buf *b, int c)
{
	uint8_t	 ch = (uint8_t)c;

	if (b->failed || b->cap - b->len <= 1 ||
	    (b->limit != 0 && b->limit == b->len))
		return buf_append_slow(b, &ch, 1);
	b->data[b->len++] = ch;
	b->data[b->len] = '\0';
	return 0;
}

#endif
