#ifndef GUARDIAN_ORACLE_DEST_H
#define GUARDIAN_ORACLE_DEST_H
/*
 * The one destination the oracle-proxy may reach: scheme, host and port
 * of ORACLE_URL.  Request URLs are this base plus a fixed endpoint path;
 * the socket callback refuses any connection to another port or family.
 */
#include <sys/socket.h>

#include <stddef.h>

#define ORACLE_URL_MAX	2048

struct oracle_dest {
	int		 https;
	char		 host[256];	/* without IPv6 brackets */
	unsigned int	 port;		/* explicit or the scheme's */
	char		 base[ORACLE_URL_MAX];	/* scheme://host[:port][/path] */
};

/*
 * Parses an http:// or https:// URL with a host, no user info, query or
 * fragment; a trailing '/' of the path is dropped.  0, or -1 with a
 * reason in err.
 */
int	oracle_dest_parse(struct oracle_dest *, const char *url, char *err,
	    size_t errlen);
/* 1 if the host is a loopback name or address. */
int	oracle_dest_is_loopback(const struct oracle_dest *);
/* 1 if a TCP connection to addr may be opened for this destination. */
int	oracle_dest_allowed(const struct oracle_dest *,
	    const struct sockaddr *addr, socklen_t len);
/* base + path into out; -1 if it does not fit. */
int	oracle_dest_url(const struct oracle_dest *, const char *path,
	    char *out, size_t outlen);

#endif
