#ifndef GUARDIAN_PIDFILE_H
#define GUARDIAN_PIDFILE_H
#include <stddef.h>
#include <sys/types.h>

/*
 * Refuses (-1, reason in err) when the PID file names a process that is
 * still running: a second daemon would fail to bind anyway, but later and
 * with a less helpful message.
 */
int	pidfile_check(const char *path, char *err, size_t errlen);
/* Writes our PID.  0, or -1 with a reason in err. */
int	pidfile_write(const char *path, char *err, size_t errlen);
/* The PID recorded in path, or -1 with a reason in err. */
pid_t	pidfile_read(const char *path, char *err, size_t errlen);
void	pidfile_remove(const char *path);

#endif
