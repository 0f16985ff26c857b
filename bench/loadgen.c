/*
 * loadgen: a small HTTP/1.1 load generator for the daemon's benchmarks.
 *
 *   loadgen [-c connections] [-d seconds | -n requests] [-p port]
 *           [-a address] [-u path] [-m GET|POST] [file ...]
 *
 * Each connection keeps one request in flight over a keep-alive
 * connection; the bodies are the given files, taken in turn across all
 * connections, so a mix of messages can be posted.  Without files it
 * sends empty requests (GET /status).  At the end it prints requests/s,
 * latency percentiles, and errors (failed connections, malformed or
 * non-2xx answers).  It reads Content-Length answers only, which is what
 * the daemon sends.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#define LOADGEN_MAX_HEADERS	16384
#define LOADGEN_MAX_BODY	(64 * 1024 * 1024)

struct loadgen_body {
	char	*data;
	size_t	 len;
};

struct loadgen_conn {
	struct bufferevent	*bev;
	uint64_t		 sent_at;
	size_t			 body_left;	/* of the answer */
	int			 status;
	int			 in_body;
	int			 close_after;
};

static struct {
	struct event_base	*base;
	struct sockaddr_in	 addr;
	const char		*path;
	const char		*method;
	struct loadgen_body	*bodies;
	size_t			 nbodies;
	size_t			 next_body;
	uint64_t		 deadline;	/* usec, 0: by count */
	uint64_t		 max_requests;
	uint64_t		 started;	/* requests sent */
	uint64_t		 done;
	uint64_t		 errors;
	uint64_t		 non2xx;
	uint32_t		*lat;		/* usec per answer */
	size_t			 nlat, caplat;
	int			 stopping;
	unsigned int		 active;
} lg;

static void	loadgen_connect(struct loadgen_conn *);

static uint64_t
loadgen_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void
loadgen_record(uint64_t usec)
{
	uint32_t	*p;

	if (lg.nlat == lg.caplat) {
		lg.caplat = lg.caplat ? lg.caplat * 2 : 65536;
		if ((p = reallocarray(lg.lat, lg.caplat, sizeof(*p))) == NULL)
			err(1, "reallocarray");
		lg.lat = p;
	}
	lg.lat[lg.nlat++] = usec > UINT32_MAX ? UINT32_MAX : (uint32_t)usec;
}

static int
loadgen_more(void)
{
	if (lg.stopping)
		return 0;
	if (lg.deadline != 0)
		return loadgen_now() < lg.deadline;
	return lg.started < lg.max_requests;
}

static void
loadgen_finish_conn(struct loadgen_conn *c)
{
	if (c->bev != NULL) {
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
	if (lg.active > 0 && --lg.active == 0)
		event_base_loopexit(lg.base, NULL);
}

static void
loadgen_send(struct loadgen_conn *c)
{
	struct evbuffer		*out = bufferevent_get_output(c->bev);
	struct loadgen_body	*b = NULL;

	if (lg.nbodies > 0) {
		b = &lg.bodies[lg.next_body];
		lg.next_body = (lg.next_body + 1) % lg.nbodies;
	}
	evbuffer_add_printf(out, "%s %s HTTP/1.1\r\nHost: %s\r\n"
	    "Content-Type: text/plain\r\nContent-Length: %zu\r\n\r\n",
	    lg.method, lg.path, inet_ntoa(lg.addr.sin_addr),
	    b != NULL ? b->len : 0);
	if (b != NULL)
		evbuffer_add_reference(out, b->data, b->len, NULL, NULL);
	c->sent_at = loadgen_now();
	c->in_body = 0;
	c->status = 0;
	c->close_after = 0;
	lg.started++;
}

static void
loadgen_next(struct loadgen_conn *c)
{
	if (!loadgen_more()) {
		loadgen_finish_conn(c);
		return;
	}
	if (c->close_after) {
		bufferevent_free(c->bev);
		c->bev = NULL;
		loadgen_connect(c);
		return;
	}
	loadgen_send(c);
}

static void
loadgen_fail(struct loadgen_conn *c)
{
	lg.errors++;
	bufferevent_free(c->bev);
	c->bev = NULL;
	if (!loadgen_more()) {
		if (lg.active > 0 && --lg.active == 0)
			event_base_loopexit(lg.base, NULL);
		return;
	}
	loadgen_connect(c);
}

/* Parses the status line and headers; 1 when complete, -1 on error. */
static int
loadgen_headers(struct loadgen_conn *c, struct evbuffer *in)
{
	struct evbuffer_ptr	 end;
	char			*head, *line, *save, *v;
	size_t			 len;
	long long		 cl = -1;

	end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (end.pos == -1)
		return evbuffer_get_length(in) > LOADGEN_MAX_HEADERS ? -1 : 0;
	len = (size_t)end.pos + 4;
	if ((head = malloc(len + 1)) == NULL)
		err(1, "malloc");
	evbuffer_remove(in, head, len);
	head[len] = '\0';
	line = strtok_r(head, "\r\n", &save);
	if (line == NULL || sscanf(line, "HTTP/1.%*d %d", &c->status) != 1) {
		free(head);
		return -1;
	}
	while ((line = strtok_r(NULL, "\r\n", &save)) != NULL) {
		if ((v = strchr(line, ':')) == NULL)
			continue;
		*v++ = '\0';
		v += strspn(v, " \t");
		if (strcasecmp(line, "Content-Length") == 0)
			cl = strtoll(v, NULL, 10);
		else if (strcasecmp(line, "Connection") == 0 &&
		    strcasecmp(v, "close") == 0)
			c->close_after = 1;
		else if (strcasecmp(line, "Transfer-Encoding") == 0)
			cl = -2;	/* not supported: count an error */
	}
	free(head);
	if (cl < 0 || cl > LOADGEN_MAX_BODY)
		return -1;
	c->body_left = (size_t)cl;
	c->in_body = 1;
	return 1;
}

static void
loadgen_read(struct bufferevent *bev, void *arg)
{
	struct loadgen_conn	*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	size_t			 n;
	int			 r;

	for (;;) {
		if (!c->in_body) {
			if ((r = loadgen_headers(c, in)) == -1) {
				loadgen_fail(c);
				return;
			}
			if (r == 0)
				return;
		}
		n = evbuffer_get_length(in);
		if (n > c->body_left)
			n = c->body_left;
		evbuffer_drain(in, n);
		c->body_left -= n;
		if (c->body_left > 0)
			return;
		loadgen_record(loadgen_now() - c->sent_at);
		lg.done++;
		if (c->status < 200 || c->status > 299)
			lg.non2xx++;
		c->in_body = 0;
		loadgen_next(c);
		if (c->bev == NULL || evbuffer_get_length(in) == 0)
			return;
	}
}

static void
loadgen_event(struct bufferevent *bev, short what, void *arg)
{
	struct loadgen_conn	*c = arg;
	int			 one = 1;

	if (what & BEV_EVENT_CONNECTED) {
		(void)setsockopt(bufferevent_getfd(bev), IPPROTO_TCP,
		    TCP_NODELAY, &one, sizeof(one));
		loadgen_send(c);
		return;
	}
	loadgen_fail(c);
}

static void
loadgen_connect(struct loadgen_conn *c)
{
	c->bev = bufferevent_socket_new(lg.base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		errx(1, "bufferevent_socket_new failed");
	bufferevent_setcb(c->bev, loadgen_read, NULL, loadgen_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&lg.addr,
	    sizeof(lg.addr)) == -1)
		loadgen_fail(c);
}

static void
loadgen_load(const char *path, struct loadgen_body *b)
{
	struct stat	 st;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1)
		err(1, "%s", path);
	if (st.st_size < 0 || st.st_size > LOADGEN_MAX_BODY)
		errx(1, "%s: too large", path);
	b->len = (size_t)st.st_size;
	if ((b->data = malloc(b->len + 1)) == NULL)
		err(1, "malloc");
	while (off < b->len) {
		if ((n = read(fd, b->data + off, b->len - off)) <= 0)
			err(1, "%s: read", path);
		off += (size_t)n;
	}
	close(fd);
}

static int
loadgen_cmp(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double
loadgen_pct(double p)
{
	size_t	i;

	if (lg.nlat == 0)
		return 0;
	i = (size_t)(p * (double)(lg.nlat - 1) + 0.5);
	return lg.lat[i] / 1000.0;
}

static void
loadgen_usage(void)
{
	fprintf(stderr, "usage: loadgen [-c connections] [-d seconds | -n "
	    "requests] [-p port] [-a address] [-u path] [-m method] "
	    "[file ...]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct loadgen_conn	*conns;
	const char		*address = "127.0.0.1";
	uint64_t		 t0, t1;
	double			 secs, duration = 0;
	long			 nconn = 16, port = 12421;
	int			 ch, i;

	lg.path = NULL;
	lg.method = NULL;
	while ((ch = getopt(argc, argv, "a:c:d:m:n:p:u:")) != -1) {
		switch (ch) {
		case 'a':
			address = optarg;
			break;
		case 'c':
			nconn = strtol(optarg, NULL, 10);
			break;
		case 'd':
			duration = strtod(optarg, NULL);
			break;
		case 'm':
			lg.method = optarg;
			break;
		case 'n':
			lg.max_requests = strtoull(optarg, NULL, 10);
			break;
		case 'p':
			port = strtol(optarg, NULL, 10);
			break;
		case 'u':
			lg.path = optarg;
			break;
		default:
			loadgen_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (nconn < 1 || nconn > 10000 || port < 1 || port > 65535 ||
	    (duration <= 0 && lg.max_requests == 0))
		loadgen_usage();
	lg.addr.sin_family = AF_INET;
	lg.addr.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, address, &lg.addr.sin_addr) != 1)
		errx(1, "%s: not an IPv4 address", address);
	if (argc > 0) {
		if ((lg.bodies = calloc((size_t)argc, sizeof(*lg.bodies))) ==
		    NULL)
			err(1, "calloc");
		for (i = 0; i < argc; i++)
			loadgen_load(argv[i], &lg.bodies[i]);
		lg.nbodies = (size_t)argc;
	}
	if (lg.path == NULL)
		lg.path = lg.nbodies > 0 ? "/analyze" : "/status";
	if (lg.method == NULL)
		lg.method = lg.nbodies > 0 ? "POST" : "GET";
	if ((lg.base = event_base_new()) == NULL)
		errx(1, "event_base_new failed");
	if ((conns = calloc((size_t)nconn, sizeof(*conns))) == NULL)
		err(1, "calloc");
	t0 = loadgen_now();
	if (duration > 0)
		lg.deadline = t0 + (uint64_t)(duration * 1e6);
	lg.active = (unsigned int)nconn;
	for (i = 0; i < nconn; i++)
		loadgen_connect(&conns[i]);
	event_base_dispatch(lg.base);
	t1 = loadgen_now();
	secs = (double)(t1 - t0) / 1e6;
	qsort(lg.lat, lg.nlat, sizeof(*lg.lat), loadgen_cmp);
	printf("requests=%" PRIu64 " seconds=%.2f rps=%.1f p50_ms=%.3f "
	    "p90_ms=%.3f p99_ms=%.3f max_ms=%.3f errors=%" PRIu64
	    " non2xx=%" PRIu64 " connections=%ld\n", lg.done, secs,
	    secs > 0 ? (double)lg.done / secs : 0, loadgen_pct(0.50),
	    loadgen_pct(0.90), loadgen_pct(0.99),
	    lg.nlat ? lg.lat[lg.nlat - 1] / 1000.0 : 0, lg.errors,
	    lg.non2xx, nconn);
	return lg.errors > 0 || lg.done == 0;
}
