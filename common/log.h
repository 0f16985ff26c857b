#ifndef GUARDIAN_LOG_H
#define GUARDIAN_LOG_H
/*
 * Logging for every role.
 *
 * Each line is one record in the shape of Go's log/slog, so pipelines built
 * for the upstream daemon keep working, plus the process role and pid:
 *
 *   JSON: {"time":"2026-01-28T10:00:00.123456Z","level":"INFO",
 *          "role":"worker","pid":123,"msg":"...","key":"value"}
 *   TEXT: time=2026-01-28T10:00:00.123456Z level=INFO role=worker pid=123
 *          msg="..." key=value
 *
 * Everything is escaped; invalid UTF-8 becomes U+FFFD and control
 * characters are escaped, so a line is always valid JSON.  A line never
 * exceeds LOG_LINE_MAX bytes: a longer one is cut at a character boundary
 * and carries "truncated":true (TEXT: truncated=true).
 *
 * Destinations: stderr (default), a file opened for append, or syslog.
 *
 * Children and log descriptors: the master opens the destination before
 * anything is sandboxed.  A child started by fork+exec gets that descriptor
 * as its stderr (the master dup2()s log_getfd() onto fd 2) and calls
 * log_init(role, NULL): it writes to stderr and never opens anything by
 * path, so it keeps working inside a chroot.  Every line is written with a
 * single write(2) on an O_APPEND descriptor, so lines of concurrent
 * processes do not interleave.  On SIGUSR1 the master calls log_reopen()
 * from its event loop (never from the signal handler); it may then pass the
 * new descriptor to its children over IPC and they install it with
 * log_setfd().  Until they do, they keep writing to the old file, which is
 * what logrotate's "copytruncate" or "delaycompress" expects anyway.  With
 * syslog the socket is opened at log_init() (LOG_NDELAY), before any
 * chroot.
 *
 * Levels are the syslog(3) priorities; anything other than these four is
 * treated as LOG_INFO.
 */
#include <stdarg.h>
#include <stddef.h>
#include <syslog.h>

/* Longest line written, newline included. */
#define LOG_LINE_MAX	8192

#define LOG_FORMAT_JSON	0
#define LOG_FORMAT_TEXT	1

/*
 * Sets the role shown in every line (copied, at most 31 bytes) and the
 * destination: NULL or "" for stderr, "syslog", or a file path opened for
 * append.  Takes the initial level and format from the LOG_LEVEL and
 * LOG_FORMAT environment variables when set, so the first lines of a
 * process follow them before the configuration is read.  Returns 0, or -1
 * with errno set if the file cannot be opened (logging stays on stderr).
 * May be called again, e.g. by a child after fork.
 */
int	 log_init(const char *role, const char *destination);
/* Reopens a file destination (for log rotation); 0 or -1 keeping the old. */
int	 log_reopen(void);
/* Replaces the output descriptor (the log takes ownership of fd). */
void	 log_setfd(int fd);
/* Current output descriptor, -1 when logging to syslog. */
int	 log_getfd(void);
/*
 * Holds information and debug lines until log_flush(), written then in
 * as few writes as possible (at most 4 KiB each, whole lines only).  arm
 * is called when the first line is held: the owner makes log_flush() run
 * at the end of its loop pass.  Warnings and errors are written at once,
 * after the lines held; so is everything at exit.  NULL: every line is
 * written at once (the default).  IPC channels flush before they send,
 * so a line always leaves before the answer it accounts for.
 */
void	 log_defer(void (*arm)(void));
void	 log_flush(void);

void	 log_setlevel(int level);
int	 log_getlevel(void);
void	 log_setformat(int format);
int	 log_getformat(void);
/* "DEBUG", "INFO", "WARN", "ERROR" (any case); anything else LOG_INFO. */
int	 log_level_from_string(const char *);
/* "TEXT" (any case) gives LOG_FORMAT_TEXT; anything else JSON. */
int	 log_format_from_string(const char *);
const char *log_level_name(int level);

/* log_warn appends ": " and strerror(errno) to the message. */
void	 log_warn(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
void	 log_warnx(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
void	 log_info(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
void	 log_debug(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
/* Log at ERROR level and exit(1); fatal appends strerror(errno). */
void	 fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	 fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/*
 * A structured (audit) line: a fixed message and key/value string pairs
 * ended by NULL, e.g.
 *   log_kv(LOG_INFO, "Local spam detected", "request_id", rid,
 *       "digest", d, "distance", "12", NULL);
 * A NULL value is written as an empty string.
 */
void	 log_kv(int level, const char *msg, ...)
	    __attribute__((sentinel));
/* The same with an array of 2 * npairs strings (key, value, key, ...). */
void	 log_kvv(int level, const char *msg, const char *const *kv,
	    size_t npairs);

#endif
