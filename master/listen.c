/*
 * Listening sockets.  They are created close-on-exec; the spawner moves
 * them to the fixed descriptor numbers a worker expects.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"

int
listen_tcp(const char *addr, unsigned int port, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res, *ai;
	char		 service[16];
	int		 fd = -1, on = 1, rc, saved = 0;

	if (port == 0 || port > 65535) {
		snprintf(err, errlen, "invalid port %u", port);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(service, sizeof(service), "%u", port);
	if ((rc = getaddrinfo(addr, service, &hints, &res)) != 0) {
		snprintf(err, errlen, "cannot resolve listen address %s: %s",
		    addr, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
		if (fd == -1) {
			saved = errno;
			continue;
		}
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
		    sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, LISTEN_BACKLOG) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		snprintf(err, errlen, "cannot listen on %s port %u: %s", addr,
		    port, strerror(saved));
		return -1;
	}
	return fd;
}

static int
listen_unix_owner(const char *path, const char *owner, const char *group,
    char *err, size_t errlen)
{
	struct passwd	*pw;
	struct group	*gr;
	uid_t		 uid = (uid_t)-1;
	gid_t		 gid = (gid_t)-1;

	if (owner != NULL && *owner != '\0') {
		if ((pw = getpwnam(owner)) == NULL) {
			snprintf(err, errlen, "LISTEN_SOCKET_OWNER: user '%s' "
			    "does not exist", owner);
			return -1;
		}
		uid = pw->pw_uid;
	}
	if (group != NULL && *group != '\0') {
		if ((gr = getgrnam(group)) == NULL) {
			snprintf(err, errlen, "LISTEN_SOCKET_GROUP: group '%s' "
			    "does not exist", group);
			return -1;
		}
		gid = gr->gr_gid;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    chown(path, uid, gid) == -1) {
		snprintf(err, errlen, "cannot chown %s: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
listen_unix(const char *path, const char *owner, const char *group,
    unsigned int mode, char *err, size_t errlen)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "LISTEN_SOCKET path too long: %s", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	/* Replace a stale socket, but never another kind of file. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket",
			    path);
			return -1;
		}
		(void)unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, LISTEN_BACKLOG) == -1) {
		snprintf(err, errlen, "cannot listen on %s: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	if (listen_unix_owner(path, owner, group, err, errlen) == -1 ||
	    (mode != 0 && chmod(path, mode) == -1 &&
	    snprintf(err, errlen, "cannot chmod %s: %s", path,
	    strerror(errno)) > 0)) {
		close(fd);
		(void)unlink(path);
		return -1;
	}
	return fd;
}
