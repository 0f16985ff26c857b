#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/*
 * Room kept at the end of every line for the closing quote, the
 * truncation marker, the closing brace and the newline, so that a line cut
 * short is still well formed.
 */
#define LOG_TAIL_RESERVE	40

static struct {
	char	 role[32];
	long	 pid;
	int	 fd;		/* -1 while logging to syslog */
	int	 owned;		/* fd is ours to close */
	int	 use_syslog;
	int	 level;
	int	 format;
	char	*path;		/* file destination, for log_reopen() */
} lg = {
	"guardian", 0, STDERR_FILENO, 0, 0, LOG_INFO, LOG_FORMAT_JSON, NULL
};

/*
 * Lines held until the end of a loop pass (log_defer), written together.
 * At most PIPE_BUF bytes per write, so that a write to a pipe stays one
 * piece among other processes' lines (a file opened for append is
 * written whole anyway).
 */
#define LOG_BATCH_MAX		4096

static struct {
	char	 buf[LOG_BATCH_MAX];
	size_t	 len;
	void	(*arm)(void);
} lb;

struct line {
	char	 buf[LOG_LINE_MAX];
	size_t	 len;
	size_t	 limit;
	int	 truncated;
};

static int
level_normalise(int level)
{
	switch (level) {
	case LOG_DEBUG:
	case LOG_INFO:
	case LOG_WARNING:
	case LOG_ERR:
		return level;
	default:
		return LOG_INFO;
	}
}

const char *
log_level_name(int level)
{
	switch (level_normalise(level)) {
	case LOG_DEBUG:
		return "DEBUG";
	case LOG_WARNING:
		return "WARN";
	case LOG_ERR:
		return "ERROR";
	default:
		return "INFO";
	}
}

int
log_level_from_string(const char *s)
{
	if (s == NULL)
		return LOG_INFO;
	if (strcasecmp(s, "DEBUG") == 0)
		return LOG_DEBUG;
	if (strcasecmp(s, "WARN") == 0)
		return LOG_WARNING;
	if (strcasecmp(s, "ERROR") == 0)
		return LOG_ERR;
	return LOG_INFO;
}

int
log_format_from_string(const char *s)
{
	if (s != NULL && strcasecmp(s, "TEXT") == 0)
		return LOG_FORMAT_TEXT;
	return LOG_FORMAT_JSON;
}

void
log_setlevel(int level)
{
	lg.level = level_normalise(level);
}

int
log_getlevel(void)
{
	return lg.level;
}

void
log_setformat(int format)
{
	lg.format = format == LOG_FORMAT_TEXT ? LOG_FORMAT_TEXT :
	    LOG_FORMAT_JSON;
}

int
log_getformat(void)
{
	return lg.format;
}

static void
log_close_current(void)
{
	log_flush();
	if (lg.owned && lg.fd >= 0)
		close(lg.fd);
	if (lg.use_syslog)
		closelog();
	lg.fd = STDERR_FILENO;
	lg.owned = 0;
	lg.use_syslog = 0;
}

int
log_init(const char *role, const char *destination)
{
	const char	*env;
	char		*path;
	int		 fd;

	if (role != NULL)
		snprintf(lg.role, sizeof(lg.role), "%s", role);
	lg.pid = (long)getpid();
	if ((env = getenv("LOG_LEVEL")) != NULL && *env != '\0')
		log_setlevel(log_level_from_string(env));
	if ((env = getenv("LOG_FORMAT")) != NULL && *env != '\0')
		log_setformat(log_format_from_string(env));

	log_close_current();
	free(lg.path);
	lg.path = NULL;
	if (destination == NULL || *destination == '\0')
		return 0;
	if (strcmp(destination, "syslog") == 0) {
		/* LOG_NDELAY: connect now, before any chroot. */
		openlog(lg.role, LOG_PID | LOG_NDELAY, LOG_DAEMON);
		lg.use_syslog = 1;
		lg.fd = -1;
		return 0;
	}
	if ((path = strdup(destination)) == NULL)
		return -1;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1) {
		free(path);
		return -1;
	}
	lg.fd = fd;
	lg.owned = 1;
	lg.path = path;
	return 0;
}

int
log_reopen(void)
{
	int	 fd;

	if (lg.path == NULL)
		return 0;
	fd = open(lg.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1)
		return -1;
	log_flush();
	if (lg.owned && lg.fd >= 0)
		close(lg.fd);
	lg.fd = fd;
	lg.owned = 1;
	return 0;
}

void
log_setfd(int fd)
{
	if (fd == lg.fd)
		return;
	log_close_current();
	free(lg.path);
	lg.path = NULL;
	lg.fd = fd;
	lg.owned = fd > STDERR_FILENO;
}

int
log_getfd(void)
{
	return lg.use_syslog ? -1 : lg.fd;
}

/*
 * Length of the well-formed UTF-8 sequence at s (at most n bytes), or 0
 * if it is not one: overlong forms, surrogates and code points above
 * U+10FFFF are rejected.
 */
static size_t
utf8_sequence(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t		 len, i;
	uint32_t	 c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Appends n bytes whole or not at all. */
static int
line_put(struct line *l, const char *s, size_t n)
{
	if (l->truncated || l->len > l->limit || n > l->limit - l->len) {
		l->truncated = 1;
		return -1;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	return 0;
}

static int
line_puts(struct line *l, const char *s)
{
	return line_put(l, s, strlen(s));
}

/* The tail always fits: it is written into the reserved room. */
static void
line_tail(struct line *l, const char *s)
{
	size_t	 n = strlen(s);

	if (n > sizeof(l->buf) - l->len)
		n = sizeof(l->buf) - l->len;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

/*
 * Copies the run of printable ASCII at *s that neither escape changes
 * (all but '"' and '\\'), as much of it as fits, as one character at a
 * time would: 1 when it copied a run, 0 when *s does not start one, -1
 * when the line is full.
 */
static int
line_put_plain(struct line *l, const unsigned char **s, size_t *n)
{
	const unsigned char	*p = *s;
	size_t			 k;

	for (k = 0; k < *n && p[k] >= 0x20 && p[k] < 0x7f && p[k] != '"' &&
	    p[k] != '\\'; k++)
		;
	if (k == 0)
		return 0;
	if (l->len > l->limit || k > l->limit - l->len) {
		if (l->len < l->limit)
			line_put(l, (const char *)p, l->limit - l->len);
		l->truncated = 1;
		return -1;
	}
	line_put(l, (const char *)p, k);
	*s += k;
	*n -= k;
	return 1;
}

/* JSON string contents; stops at the first piece that does not fit. */
static void
json_escape(struct line *l, const char *str)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 n = strlen(str), k;
	uint32_t		 cp;
	char			 tmp[8];
	int			 plain;

	while (n > 0 && !l->truncated) {
		if ((plain = line_put_plain(l, &s, &n)) == -1)
			break;
		if (plain == 1)
			continue;
		k = utf8_sequence(s, n, &cp);
		if (k == 0) {
			line_put(l, "\xef\xbf\xbd", 3);	/* U+FFFD */
			k = 1;
		} else if (cp == '"')
			line_put(l, "\\\"", 2);
		else if (cp == '\\')
			line_put(l, "\\\\", 2);
		else if (cp == '\n')
			line_put(l, "\\n", 2);
		else if (cp == '\r')
			line_put(l, "\\r", 2);
		else if (cp == '\t')
			line_put(l, "\\t", 2);
		else if (cp < 0x20 || cp == 0x7f || cp == 0x2028 ||
		    cp == 0x2029) {
			snprintf(tmp, sizeof(tmp), "\\u%04x", (unsigned)cp);
			line_put(l, tmp, 6);
		} else
			line_put(l, (const char *)s, k);
		s += k;
		n -= k;
	}
}

/* slog's text handler quotes a value only when it has to. */
static int
text_needs_quoting(const char *str)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 n = strlen(str), k;
	uint32_t		 cp;

	if (n == 0)
		return 1;
	while (n > 0) {
		k = utf8_sequence(s, n, &cp);
		if (k == 0 || cp <= ' ' || cp == '=' || cp == '"' ||
		    cp == '\\' || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
		    cp == 0x2028 || cp == 0x2029)
			return 1;
		s += k;
		n -= k;
	}
	return 0;
}

static void
text_escape(struct line *l, const char *str)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 n = strlen(str), k;
	uint32_t		 cp;
	char			 tmp[8];
	int			 plain;

	while (n > 0 && !l->truncated) {
		if ((plain = line_put_plain(l, &s, &n)) == -1)
			break;
		if (plain == 1)
			continue;
		k = utf8_sequence(s, n, &cp);
		if (k == 0) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", s[0]);
			line_put(l, tmp, 4);
			k = 1;
		} else if (cp == '"')
			line_put(l, "\\\"", 2);
		else if (cp == '\\')
			line_put(l, "\\\\", 2);
		else if (cp == '\n')
			line_put(l, "\\n", 2);
		else if (cp == '\r')
			line_put(l, "\\r", 2);
		else if (cp == '\t')
			line_put(l, "\\t", 2);
		else if (cp < 0x20 || cp == 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", (unsigned)cp);
			line_put(l, tmp, 4);
		} else if ((cp >= 0x80 && cp < 0xa0) || cp == 0x2028 ||
		    cp == 0x2029) {
			snprintf(tmp, sizeof(tmp), "\\u%04x", (unsigned)cp);
			line_put(l, tmp, 6);
		} else
			line_put(l, (const char *)s, k);
		s += k;
		n -= k;
	}
}

/*
 * One attribute.  The key must fit entirely or the attribute is dropped;
 * a value is cut at a character boundary and its quote closed, so the line
 * stays well formed either way.
 */
static void
line_attr(struct line *l, int format, const char *key, const char *value)
{
	size_t	 start = l->len;
	int	 quote;

	if (l->truncated)
		return;
	if (value == NULL)
		value = "";
	if (format == LOG_FORMAT_JSON) {
		line_put(l, ",\"", 2);
		json_escape(l, key);
		line_put(l, "\":\"", 3);
		if (l->truncated) {
			l->len = start;
			return;
		}
		json_escape(l, value);
		line_tail(l, "\"");
		return;
	}
	line_put(l, " ", 1);
	if (text_needs_quoting(key)) {
		line_put(l, "\"", 1);
		text_escape(l, key);
		line_put(l, "\"", 1);
	} else
		line_puts(l, key);
	line_put(l, "=", 1);
	if (l->truncated) {
		l->len = start;
		return;
	}
	quote = text_needs_quoting(value) || l->len >= l->limit ||
	    strlen(value) >= l->limit - l->len;
	if (quote) {
		line_put(l, "\"", 1);
		text_escape(l, value);
		line_tail(l, "\"");
	} else
		line_puts(l, value);
}

static void
line_begin(struct line *l, int format, int level)
{
	struct timespec	 ts;
	struct tm	 tm;
	char		 when[48], tmp[32];
	size_t		 n;

	l->len = 0;
	l->limit = sizeof(l->buf) - LOG_TAIL_RESERVE;
	l->truncated = 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (gmtime_r(&ts.tv_sec, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	n = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + n, sizeof(when) - n, ".%06ldZ", ts.tv_nsec / 1000);
	snprintf(tmp, sizeof(tmp), "%ld", lg.pid);

	if (format == LOG_FORMAT_JSON) {
		line_puts(l, "{\"time\":\"");
		line_puts(l, when);
		line_puts(l, "\",\"level\":\"");
		line_puts(l, log_level_name(level));
		line_puts(l, "\",\"role\":\"");
		json_escape(l, lg.role);
		line_puts(l, "\",\"pid\":");
		line_puts(l, tmp);
	} else {
		line_puts(l, "time=");
		line_puts(l, when);
		line_puts(l, " level=");
		line_puts(l, log_level_name(level));
		line_attr(l, format, "role", lg.role);
		line_puts(l, " pid=");
		line_puts(l, tmp);
	}
}

static void
line_end(struct line *l, int format)
{
	if (format == LOG_FORMAT_JSON)
		line_tail(l, l->truncated ? ",\"truncated\":true}\n" : "}\n");
	else
		line_tail(l, l->truncated ? " truncated=true\n" : "\n");
}

static void
log_write(const char *p, size_t len)
{
	size_t	 off = 0;
	ssize_t	 n;

	while (off < len) {
		n = write(lg.fd, p + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		off += (size_t)n;
	}
}

void
log_flush(void)
{
	int	 saved_errno = errno;

	if (lb.len > 0) {
		log_write(lb.buf, lb.len);
		lb.len = 0;
	}
	errno = saved_errno;
}

static void
line_emit(struct line *l, int level)
{
	if (lg.use_syslog) {
		syslog(level_normalise(level), "%.*s", (int)(l->len - 1),
		    l->buf);
		return;
	}
	/*
	 * Information and debug lines wait for the end of the pass when the
	 * owner asked for it; warnings and errors, and any line that does
	 * not fit, are written at once, after those held, in order.  One
	 * write never holds part of a line.
	 */
	if (lb.arm != NULL && level >= LOG_INFO && l->len <= LOG_BATCH_MAX) {
		if (lb.len + l->len > LOG_BATCH_MAX)
			log_flush();
		if (lb.len == 0)
			lb.arm();
		memcpy(lb.buf + lb.len, l->buf, l->len);
		lb.len += l->len;
		return;
	}
	log_flush();
	log_write(l->buf, l->len);
}

void
log_defer(void (*arm)(void))
{
	static int	 registered;

	log_flush();
	lb.arm = arm;
	if (arm != NULL && !registered && atexit(log_flush) == 0)
		registered = 1;
}

static void
log_record(int level, const char *msg, int msg_truncated,
    const char *const *kv, size_t npairs)
{
	struct line	 l;
	size_t		 i;
	int		 saved_errno = errno;
	int		 format = lg.format;

	level = level_normalise(level);
	if (level > lg.level)
		return;
	line_begin(&l, format, level);
	line_attr(&l, format, "msg", msg);
	for (i = 0; i < npairs; i++)
		line_attr(&l, format, kv[2 * i], kv[2 * i + 1]);
	if (msg_truncated)
		l.truncated = 1;
	line_end(&l, format);
	line_emit(&l, level);
	errno = saved_errno;
}

static void
log_vformat(int level, int with_errno, const char *fmt, va_list ap)
{
	char	 msg[LOG_LINE_MAX];
	int	 saved_errno = errno, n, truncated = 0;
	size_t	 len;

	if (level_normalise(level) > lg.level)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0) {
		snprintf(msg, sizeof(msg), "%s", fmt);
		n = (int)strlen(msg);
	}
	if ((size_t)n >= sizeof(msg)) {
		truncated = 1;
		n = (int)strlen(msg);
	}
	if (with_errno) {
		len = (size_t)n;
		n = snprintf(msg + len, sizeof(msg) - len, ": %s",
		    strerror(saved_errno));
		if (n < 0 || (size_t)n >= sizeof(msg) - len)
			truncated = 1;
	}
	log_record(level, msg, truncated, NULL, 0);
	errno = saved_errno;
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vformat(LOG_WARNING, 1, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vformat(LOG_WARNING, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vformat(LOG_INFO, 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vformat(LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vformat(LOG_ERR, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vformat(LOG_ERR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Pairs beyond this many are dropped and the line marked truncated. */
#define LOG_KV_MAX	32

void
log_kv(int level, const char *msg, ...)
{
	const char	*kv[2 * LOG_KV_MAX], *key;
	size_t		 n = 0;
	int		 more = 0;
	va_list		 ap;

	va_start(ap, msg);
	while ((key = va_arg(ap, const char *)) != NULL) {
		if (n == LOG_KV_MAX) {
			more = 1;
			(void)va_arg(ap, const char *);
			continue;
		}
		kv[2 * n] = key;
		kv[2 * n + 1] = va_arg(ap, const char *);
		n++;
	}
	va_end(ap);
	log_record(level, msg != NULL ? msg : "", more, kv, n);
}

void
log_kvv(int level, const char *msg, const char *const *kv, size_t npairs)
{
	log_record(level, msg != NULL ? msg : "", 0, kv, npairs);
}
