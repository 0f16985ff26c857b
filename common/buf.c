#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
buf_init(struct buf *b, size_t limit)
{
	memset(b, 0, sizeof(*b));
	b->limit = limit;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

int
buf_reserve(struct buf *b, size_t extra)
{
	size_t	 need, ncap, max;
	uint8_t	*n;

	if (b->failed)
		return -1;
	max = b->limit != 0 ? b->limit : SIZE_MAX / 2;
	if (extra > max || b->len > max - extra) {
		b->failed = 1;
		return -1;
	}
	need = b->len + extra + 1;	/* room for the terminating NUL */
	if (need <= b->cap)
		return 0;
	ncap = b->cap != 0 ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 4 ? need : ncap * 2;
	if ((n = realloc(b->data, ncap)) == NULL) {
		b->failed = 1;
		return -1;
	}
	b->data = n;
	b->cap = ncap;
	return 0;
}

int
buf_append_slow(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return -1;
	if (n != 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n) == -1) {
		b->failed = 1;
		return -1;
	}
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int
buf_failed(const struct buf *b)
{
	return b->failed;
}

uint8_t *
buf_release(struct buf *b, size_t *len)
{
	uint8_t	*p;

	if (b->data == NULL && buf_append(b, "", 0) == -1)
		return NULL;
	p = b->data;
	if (len != NULL)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}
