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
int	buf_append(struct buf *, const void *, size_t);
int	buf_putc(struct buf *, int);
int	buf_puts(struct buf *, const char *);
int	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	buf_failed(const struct buf *);
/* Hands the memory to the caller (NUL-terminated) and resets the buffer. */
uint8_t	*buf_release(struct buf *, size_t *len);

#endif
