#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pidfile.h"

pid_t
pidfile_read(const char *path, char *err, size_t errlen)
{
	char	 line[32];
	char	*end;
	long	 pid;
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		snprintf(err, errlen, "cannot open PID file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 0) {
		snprintf(err, errlen, "PID file %s is empty", path);
		return -1;
	}
	line[n] = '\0';
	errno = 0;
	pid = strtol(line, &end, 10);
	if (errno != 0 || end == line || (*end != '\n' && *end != '\0') ||
	    pid <= 1 || pid > INT_MAX) {
		snprintf(err, errlen, "PID file %s holds no valid PID", path);
		return -1;
	}
	return (pid_t)pid;
}

int
pidfile_check(const char *path, char *err, size_t errlen)
{
	char	 ignored[128];
	pid_t	 old;

	old = pidfile_read(path, ignored, sizeof(ignored));
	if (old > 0 && old != getpid() && kill(old, 0) == 0) {
		snprintf(err, errlen, "already running with PID %ld "
		    "(PID file %s)", (long)old, path);
		return -1;
	}
	return 0;
}

int
pidfile_write(const char *path, char *err, size_t errlen)
{
	char	 line[32];
	int	 fd, len;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd == -1) {
		snprintf(err, errlen, "cannot write PID file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	len = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	if (write(fd, line, (size_t)len) != len) {
		snprintf(err, errlen, "cannot write PID file %s: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

void
pidfile_remove(const char *path)
{
	(void)unlink(path);
}
