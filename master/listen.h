#ifndef GUARDIAN_LISTEN_H
#define GUARDIAN_LISTEN_H
/*
 * The master opens the listening sockets (before any privilege is dropped)
 * and every worker inherits them.  Both return the descriptor, or -1 with
 * a reason in err.
 */
#include <stddef.h>
#include <sys/types.h>

#define LISTEN_BACKLOG	1024

int	listen_tcp(const char *addr, unsigned int port, char *err,
	    size_t errlen);
/* owner/group may be NULL or empty (unchanged); mode 0 leaves the umask. */
int	listen_unix(const char *path, const char *owner, const char *group,
	    unsigned int mode, char *err, size_t errlen);

#endif
