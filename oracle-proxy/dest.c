/*
 * The Oracle destination (dest.h).  Parsed by curl's own URL parser, so
 * that what is checked here is what curl will connect to.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "dest.h"

/* Fetches one part; *out NULL when absent.  -1 on other errors. */
static int
oracle_dest_part(CURLU *u, CURLUPart what, char **out)
{
	CURLUcode	rc;

	*out = NULL;
	rc = curl_url_get(u, what, out, 0);
	if (rc == CURLUE_OK)
		return 0;
	if (rc == CURLUE_NO_USER || rc == CURLUE_NO_PASSWORD ||
	    rc == CURLUE_NO_QUERY || rc == CURLUE_NO_FRAGMENT ||
	    rc == CURLUE_NO_PORT || rc == CURLUE_NO_OPTIONS)
		return 0;
	return -1;
}

static int
oracle_dest_fill(struct oracle_dest *d, CURLU *u, char *err, size_t errlen)
{
	char	*scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	char	*user = NULL, *pass = NULL, *query = NULL, *frag = NULL;
	size_t	 hl, pl;
	int	 rc = -1, v6;

	if (oracle_dest_part(u, CURLUPART_SCHEME, &scheme) == -1 ||
	    oracle_dest_part(u, CURLUPART_HOST, &host) == -1 ||
	    oracle_dest_part(u, CURLUPART_PORT, &port) == -1 ||
	    oracle_dest_part(u, CURLUPART_PATH, &path) == -1 ||
	    oracle_dest_part(u, CURLUPART_USER, &user) == -1 ||
	    oracle_dest_part(u, CURLUPART_PASSWORD, &pass) == -1 ||
	    oracle_dest_part(u, CURLUPART_QUERY, &query) == -1 ||
	    oracle_dest_part(u, CURLUPART_FRAGMENT, &frag) == -1) {
		snprintf(err, errlen, "malformed URL");
		goto done;
	}
	if (scheme == NULL || (strcasecmp(scheme, "https") != 0 &&
	    strcasecmp(scheme, "http") != 0)) {
		snprintf(err, errlen, "scheme must be http or https");
		goto done;
	}
	if (host == NULL || *host == '\0') {
		snprintf(err, errlen, "no host");
		goto done;
	}
	if (user != NULL || pass != NULL || query != NULL || frag != NULL) {
		snprintf(err, errlen,
		    "user info, query or fragment not allowed");
		goto done;
	}
	d->https = strcasecmp(scheme, "https") == 0;
	hl = strlen(host);
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		memmove(host, host + 1, hl - 1);
	}
	if (strlen(host) >= sizeof(d->host)) {
		snprintf(err, errlen, "host name too long");
		goto done;
	}
	strcpy(d->host, host);
	d->port = d->https ? 443 : 80;
	if (port != NULL) {
		char		*end;
		unsigned long	 p = strtoul(port, &end, 10);

		if (*end != '\0' || p == 0 || p > 65535) {
			snprintf(err, errlen, "bad port");
			goto done;
		}
		d->port = (unsigned int)p;
	}
	pl = path != NULL ? strlen(path) : 0;
	while (pl > 0 && path[pl - 1] == '/')
		path[--pl] = '\0';
	v6 = strchr(d->host, ':') != NULL;
	if (snprintf(d->base, sizeof(d->base), "%s://%s%s%s:%u%s",
	    d->https ? "https" : "http", v6 ? "[" : "", d->host,
	    v6 ? "]" : "", d->port, pl > 0 ? path : "") >=
	    (int)sizeof(d->base)) {
		snprintf(err, errlen, "URL too long");
		goto done;
	}
	rc = 0;
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(user);
	curl_free(pass);
	curl_free(query);
	curl_free(frag);
	return rc;
}

int
oracle_dest_parse(struct oracle_dest *d, const char *url, char *err,
    size_t errlen)
{
	CURLU	*u;
	int	 rc;

	memset(d, 0, sizeof(*d));
	if (url == NULL || strlen(url) >= ORACLE_URL_MAX) {
		snprintf(err, errlen, "missing or too long");
		return -1;
	}
	if ((u = curl_url()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		snprintf(err, errlen, "malformed URL");
		curl_url_cleanup(u);
		return -1;
	}
	rc = oracle_dest_fill(d, u, err, errlen);
	curl_url_cleanup(u);
	return rc;
}

int
oracle_dest_is_loopback(const struct oracle_dest *d)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (strcasecmp(d->host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, d->host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, d->host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

int
oracle_dest_allowed(const struct oracle_dest *d, const struct sockaddr *addr,
    socklen_t len)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	if (addr == NULL)
		return 0;
	switch (addr->sa_family) {
	case AF_INET:
		if (len < (socklen_t)sizeof(*sin))
			return 0;
		sin = (const struct sockaddr_in *)(const void *)addr;
		return ntohs(sin->sin_port) == d->port;
	case AF_INET6:
		if (len < (socklen_t)sizeof(*sin6))
			return 0;
		sin6 = (const struct sockaddr_in6 *)(const void *)addr;
		return ntohs(sin6->sin6_port) == d->port;
	default:
		return 0;
	}
}

int
oracle_dest_url(const struct oracle_dest *d, const char *path, char *out,
    size_t outlen)
{
	int	n = snprintf(out, outlen, "%s%s", d->base, path);

	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}
