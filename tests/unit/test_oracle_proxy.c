/*
 * The oracle-proxy process as its peers see it: started by a fake master
 * (fakemaster.h) under SANDBOX=kill, asked through a worker channel.
 */
#include "testutil.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "buf.h"
#include "fakemaster.h"

#define PEER_WORKER_PID	4242
#define BREAKER_FAILURES 5	/* oracle-proxy/breaker.h BREAKER_THRESHOLD */
#define DIGEST	"T1B5490EBDB9FC11EEC1CEB780C6EAA33B4764EAEDD3EAE58688A153B8B0C305B9ACBA74"
#define ANALYZE_BODY \
	"{\"node_id\":\"test-node\",\"email_body_hash\":\"" DIGEST "\"}"
#define REPORT_BODY \
	"{\"node_id\":\"test-node\",\"signatures\":[\"" DIGEST "\"]," \
	"\"report_type\":\"spam\"}"
#define SYNC_BODY \
	"{\"node_id\":\"test-node\",\"current_seq\":0,\"version\":\"0.7.6\"}"
#define STATS_BODY \
	"{\"node_id\":\"test-node\",\"scanned_count\":1," \
	"\"partial_match_count\":0,\"spam_confirmed_count\":0," \
	"\"cached_positive_count\":0,\"cached_negative_count\":0," \
	"\"local_spam_count\":0}"

/* The test Oracle (tests/oracle/oracle.py), one per program. */
static struct {
	pid_t		 pid;
	unsigned int	 port;
	char		 url[64];
} oracle = { -1, 0, "" };

struct proxy {
	char			 dir[64];
	char			 conf[128];
	char			 log[128];
	struct fakemaster	 fm;
	int			 worker;
};

struct answer {
	uint8_t		 outcome;
	uint32_t	 status;
	size_t		 len;
	char		 body[512];	/* first bytes, NUL-terminated */
};

static void
proxy_start(struct proxy *px, const char *config)
{
	FILE	*f;

	memset(px, 0, sizeof(*px));
	snprintf(px->dir, sizeof(px->dir), "/tmp/test_oracle_proxy.XXXXXX");
	assert_non_null(mkdtemp(px->dir));
	snprintf(px->conf, sizeof(px->conf), "%s/guardian.conf", px->dir);
	snprintf(px->log, sizeof(px->log), "%s/proxy.log", px->dir);
	assert_non_null(f = fopen(px->conf, "w"));
	fprintf(f, "SANDBOX=kill\nLOG_LEVEL=debug\n%s%s",
	    getuid() == 0 ? "RUN_AS_USER=nobody\n" : "", config);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(fakemaster_spawn(&px->fm, "oracle-proxy", px->conf,
	    px->log), 0);
	assert_int_equal(fakemaster_wait_ready(&px->fm, 10000), 0);
	px->worker = fakemaster_peer(&px->fm, PROC_WORKER, PEER_WORKER_PID);
	assert_true(px->worker >= 0);
}

static void
proxy_dump_log(const struct proxy *px)
{
	char	 line[512];
	FILE	*f;

	if ((f = fopen(px->log, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		fprintf(stderr, "  proxy: %s", line);
	fclose(f);
}

static int
proxy_log_count(const struct proxy *px, const char *needle)
{
	char	 line[1024];
	int	 n = 0;
	FILE	*f;

	if ((f = fopen(px->log, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, needle) != NULL)
			n++;
	fclose(f);
	return n;
}

static void
proxy_stop(struct proxy *px)
{
	int	st;

	if (px->worker >= 0)
		close(px->worker);
	st = fakemaster_stop(&px->fm, 3000);
	/* Killed by SIGSYS means the sandbox was too tight. */
	if (st != -1 && WIFSIGNALED(st)) {
		proxy_dump_log(px);
		fail_msg("oracle-proxy died by signal %d", WTERMSIG(st));
	}
	/* Sanitizer builds: the child's reports land in its log. */
	if (proxy_log_count(px, "runtime error") != 0 ||
	    proxy_log_count(px, "Sanitizer") != 0) {
		proxy_dump_log(px);
		fail_msg("oracle-proxy: sanitizer report");
	}
	unlink(px->conf);
	unlink(px->log);
	rmdir(px->dir);
}

static int
proxy_send(int fd, uint32_t id, uint8_t endpoint, const char *body)
{
	struct msg	 m;
	int		 rc;

	msg_init(&m);
	msg_add_u8(&m, endpoint);
	msg_add_data(&m, body, strlen(body));
	rc = ipc_send_blocking(fd, PROTO_ORACLE_REQUEST, id, &m, -1);
	msg_free(&m);
	return rc;
}

/* Reads one ORACLE_REPLY; returns its request id, or fails the test. */
static uint32_t
proxy_recv(int fd, struct answer *a, int timeout_ms)
{
	struct ipc_hdr		 hdr;
	struct msg_reader	 r;
	uint8_t			*payload = NULL;
	const void		*body;
	size_t			 n;

	assert_int_equal(ipc_recv_blocking(fd, &hdr, &payload, NULL,
	    timeout_ms), 0);
	assert_int_equal(hdr.type, PROTO_ORACLE_REPLY);
	msg_reader_init(&r, payload, hdr.len);
	assert_int_equal(msg_get_u8(&r, &a->outcome), 0);
	assert_int_equal(msg_get_u32(&r, &a->status), 0);
	assert_int_equal(msg_get_data(&r, &body, &a->len), 0);
	assert_int_equal(msg_end(&r), 0);
	n = a->len < sizeof(a->body) - 1 ? a->len : sizeof(a->body) - 1;
	memcpy(a->body, body, n);
	a->body[n] = '\0';
	free(payload);
	return hdr.id;
}

static void
proxy_call(struct proxy *px, uint8_t endpoint, const char *body,
    struct answer *a, int timeout_ms)
{
	static uint32_t	 next_id = 100;
	uint32_t	 id = next_id++;

	assert_int_equal(proxy_send(px->worker, id, endpoint, body), 0);
	assert_int_equal(proxy_recv(px->worker, a, timeout_ms), id);
}

/* ORACLE_ENABLED=false: an immediate "unavailable", no network at all. */
static void
test_disabled_answers_unavailable(void **state)
{
	struct proxy	 px;
	struct answer	 a;
	uint8_t		 ep;

	(void)state;
	/* A port nothing listens on: a connection attempt would hang. */
	proxy_start(&px, "ORACLE_ENABLED=false\n"
	    "ORACLE_URL=http://192.0.2.1:9\n");
	for (ep = PROTO_ORACLE_ANALYZE; ep <= PROTO_ORACLE_STATS; ep++) {
		proxy_call(&px, ep, "{\"node_id\":\"n\"}", &a, 1000);
		assert_int_equal(a.outcome, PROTO_ORACLE_UNAVAILABLE);
	}
	proxy_stop(&px);
}

/*
 * A malformed request from a worker: the proxy drops that channel, asks
 * the master to replace the worker, and keeps serving.
 */
static void
test_malformed_request_reports_worker(void **state)
{
	struct proxy	 px;
	struct answer	 a;
	struct msg	 m;
	uint32_t	 pid;
	uint8_t		 b;
	int		 w2;

	(void)state;
	proxy_start(&px, "ORACLE_ENABLED=false\n");
	msg_init(&m);
	msg_add_u8(&m, PROTO_ORACLE_ANALYZE);	/* body missing */
	assert_int_equal(ipc_send_blocking(px.worker, PROTO_ORACLE_REQUEST, 1,
	    &m, -1), 0);
	msg_free(&m);
	assert_int_equal(fakemaster_recv(&px.fm, &pid, 5000),
	    PROTO_PEER_MISBEHAVED);
	assert_int_equal(pid, PEER_WORKER_PID);
	/* The channel is closed. */
	assert_int_equal(read(px.worker, &b, 1), 0);
	/* A fresh worker is served. */
	w2 = fakemaster_peer(&px.fm, PROC_WORKER, PEER_WORKER_PID + 1);
	assert_true(w2 >= 0);
	assert_int_equal(proxy_send(w2, 7, PROTO_ORACLE_SYNC, "{}"), 0);
	assert_int_equal(proxy_recv(w2, &a, 5000), 7);
	close(w2);
	assert_true(fakemaster_alive(&px.fm, NULL));
	proxy_stop(&px);
}

/* Starts oracle.py on a free loopback port; -1 if python3 is missing. */
static int
oracle_setup(void **state)
{
	char		 line[128];
	struct pollfd	 pfd;
	size_t		 off = 0;
	ssize_t		 n;
	int		 pipefd[2], devnull;

	(void)state;
	if (pipe(pipefd) == -1)
		return -1;
	if ((oracle.pid = fork()) == -1)
		return -1;
	if (oracle.pid == 0) {
		devnull = open("/dev/null", O_RDWR);
		dup2(pipefd[1], 1);
		dup2(devnull, 2);
		dup2(devnull, 0);
		execlp("python3", "python3", "-I", "-S",
		    "tests/oracle/oracle.py", "--port", "0", "--quiet",
		    (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	pfd.fd = pipefd[0];
	pfd.events = POLLIN;
	while (off < sizeof(line) - 1 && poll(&pfd, 1, 10000) == 1) {
		if ((n = read(pipefd[0], line + off, 1)) <= 0)
			break;
		if (line[off] == '\n')
			break;
		off++;
	}
	line[off] = '\0';
	close(pipefd[0]);
	if (sscanf(line, "listening on 127.0.0.1:%u", &oracle.port) != 1) {
		/* No python3 (or no oracle.py): the cases skip. */
		kill(oracle.pid, SIGKILL);
		waitpid(oracle.pid, NULL, 0);
		oracle.pid = -1;
		return 0;
	}
	snprintf(oracle.url, sizeof(oracle.url), "http://127.0.0.1:%u",
	    oracle.port);
	return 0;
}

static int
oracle_teardown(void **state)
{
	(void)state;
	if (oracle.pid > 0) {
		kill(oracle.pid, SIGTERM);
		waitpid(oracle.pid, NULL, 0);
		oracle.pid = -1;
	}
	return 0;
}

static size_t
oracle_collect(char *data, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;

	return buf_append(b, data, size * n) == 0 ? size * n : 0;
}

/* A control request to the test Oracle (GET when json is NULL). */
static json_t *
oracle_http(const char *path, const char *json)
{
	struct curl_slist	*h = NULL;
	struct buf		 b;
	char			 url[128];
	json_t			*doc;
	CURL			*e;
	long			 status = 0;

	buf_init(&b, 64 * 1024 * 1024);
	snprintf(url, sizeof(url), "%s%s", oracle.url, path);
	assert_non_null(e = curl_easy_init());
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, oracle_collect);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
	if (json != NULL) {
		h = curl_slist_append(NULL, "Content-Type: application/json");
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, json);
	}
	assert_int_equal(curl_easy_perform(e), CURLE_OK);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	assert_int_equal(status, 200);
	curl_easy_cleanup(e);
	curl_slist_free_all(h);
	doc = json_loadb((const char *)b.data, b.len, 0, NULL);
	buf_free(&b);
	assert_non_null(doc);
	return doc;
}

static void
oracle_control(const char *json)
{
	json_decref(oracle_http("/_control", json));
}

/* How many requests the Oracle received on an endpoint. */
static size_t
oracle_received(const char *endpoint)
{
	json_t	*d = oracle_http("/_state", NULL);
	size_t	 n;

	n = json_array_size(json_object_get(json_object_get(d, "requests"),
	    endpoint));
	json_decref(d);
	return n;
}

static void
proxy_start_oracle(struct proxy *px, const char *extra)
{
	char	 conf[512];

	if (oracle.pid == -1)
		skip();
	json_decref(oracle_http("/_reset", "{}"));
	snprintf(conf, sizeof(conf), "ORACLE_URL=%s\n%s", oracle.url, extra);
	proxy_start(px, conf);
}

static void
sleep_ms(long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static uint64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A healthy Oracle: every endpoint relays the Oracle's answer. */
static void
test_normal_answers(void **state)
{
	struct proxy	 px;
	struct answer	 a;

	(void)state;
	proxy_start_oracle(&px, "");
	proxy_call(&px, PROTO_ORACLE_ANALYZE, ANALYZE_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_OK);
	assert_int_equal(a.status, 200);
	assert_non_null(strstr(a.body, "\"result\""));
	proxy_call(&px, PROTO_ORACLE_REPORT, REPORT_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_OK);
	assert_int_equal(a.status, 200);
	assert_non_null(strstr(a.body, "\"accepted\""));
	proxy_call(&px, PROTO_ORACLE_SYNC, SYNC_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_OK);
	assert_int_equal(a.status, 200);
	assert_non_null(strstr(a.body, "\"new_seq\""));
	proxy_call(&px, PROTO_ORACLE_STATS, STATS_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_OK);
	assert_int_equal(a.status, 200);
	assert_int_equal(oracle_received("analyze"), 1);
	assert_int_equal(oracle_received("report"), 1);
	assert_int_equal(oracle_received("sync"), 1);
	assert_int_equal(oracle_received("stats"), 1);
	proxy_stop(&px);
}

/* Slow answers give up at ORACLE_TIMEOUT, not at the Oracle's pace. */
static void
test_slow_times_out(void **state)
{
	struct proxy	 px;
	struct answer	 a;
	uint64_t	 t0, dt;

	(void)state;
	proxy_start_oracle(&px, "ORACLE_TIMEOUT=1\n");
	oracle_control("{\"mode\":\"slow\",\"delay\":4,"
	    "\"endpoints\":[\"analyze\"]}");
	t0 = now_ms();
	proxy_call(&px, PROTO_ORACLE_ANALYZE, ANALYZE_BODY, &a, 5000);
	dt = now_ms() - t0;
	assert_int_equal(a.outcome, PROTO_ORACLE_UNAVAILABLE);
	assert_true(dt >= 900 && dt < 2000);
	proxy_stop(&px);
}

/* Non-2xx: never a verdict; a report relays status and body. */
static void
test_error_statuses(void **state)
{
	struct proxy	 px;
	struct answer	 a;

	(void)state;
	proxy_start_oracle(&px, "");
	oracle_control("{\"mode\":\"error\",\"status\":503}");
	proxy_call(&px, PROTO_ORACLE_ANALYZE, ANALYZE_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_INVALID);
	proxy_call(&px, PROTO_ORACLE_REPORT, REPORT_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_OK);
	assert_int_equal(a.status, 503);
	assert_non_null(strstr(a.body, "\"error\""));
	proxy_call(&px, PROTO_ORACLE_SYNC, SYNC_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_INVALID);
	oracle_control("{\"mode\":\"ratelimit\"}");
	proxy_call(&px, PROTO_ORACLE_REPORT, REPORT_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_OK);
	assert_int_equal(a.status, 429);
	assert_non_null(strstr(a.body, "Too many reports"));
	proxy_call(&px, PROTO_ORACLE_ANALYZE, ANALYZE_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_INVALID);
	/* A spam verdict with a 500 is not a verdict. */
	oracle_control("{\"mode\":\"bad_status_verdict\"}");
	proxy_call(&px, PROTO_ORACLE_ANALYZE, ANALYZE_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_INVALID);
	proxy_call(&px, PROTO_ORACLE_SYNC, SYNC_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_INVALID);
	oracle_control("{\"mode\":\"not_modified\",\"endpoints\":[\"sync\"]}");
	proxy_call(&px, PROTO_ORACLE_SYNC, SYNC_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_OK);
	assert_int_equal(a.status, 304);
	proxy_stop(&px);
}

/* Broken JSON and wrong types fail validation; reports stay verbatim. */
static void
test_malformed_answers(void **state)
{
	struct proxy	 px;
	struct answer	 a;

	(void)state;
	proxy_start_oracle(&px, "");
	oracle_control("{\"mode\":\"malformed\"}");
	proxy_call(&px, PROTO_ORACLE_ANALYZE, ANALYZE_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_INVALID);
	proxy_call(&px, PROTO_ORACLE_SYNC, SYNC_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_INVALID);
	proxy_call(&px, PROTO_ORACLE_REPORT, REPORT_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_OK);
	assert_int_equal(a.status, 200);
	oracle_control("{\"mode\":\"wrong_shape\"}");
	proxy_call(&px, PROTO_ORACLE_ANALYZE, ANALYZE_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_INVALID);
	proxy_call(&px, PROTO_ORACLE_SYNC, SYNC_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_INVALID);
	proxy_stop(&px);
}

static long
proxy_peak_rss_kb(const struct proxy *px)
{
	char	 path[64], line[256];
	long	 kb = -1;
	FILE	*f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)px->fm.pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* 50 MiB answers are cut at the cap, quickly and without the memory. */
static void
test_oversized_answers(void **state)
{
	struct proxy	 px;
	struct answer	 a;
	uint64_t	 t0;
	long		 kb;

	(void)state;
	proxy_start_oracle(&px, "");
	oracle_control("{\"mode\":\"oversized\"}");
	t0 = now_ms();
	proxy_call(&px, PROTO_ORACLE_ANALYZE, ANALYZE_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_INVALID);
	proxy_call(&px, PROTO_ORACLE_SYNC, SYNC_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_INVALID);
	proxy_call(&px, PROTO_ORACLE_REPORT, REPORT_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_INVALID);
	assert_true(now_ms() - t0 < 3000);
	kb = proxy_peak_rss_kb(&px);
	assert_true(kb > 0 && kb < 64 * 1024);
	/* Under the cap it is an answer like any other. */
	oracle_control("{\"mode\":\"oversized\",\"size\":20000}");
	proxy_call(&px, PROTO_ORACLE_ANALYZE, ANALYZE_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_OK);
	assert_int_equal(a.len, 20000);
	proxy_stop(&px);
}

static void
test_dropped_connection(void **state)
{
	struct proxy	 px;
	struct answer	 a;

	(void)state;
	proxy_start_oracle(&px, "");
	oracle_control("{\"mode\":\"drop\"}");
	proxy_call(&px, PROTO_ORACLE_ANALYZE, ANALYZE_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_UNAVAILABLE);
	proxy_call(&px, PROTO_ORACLE_REPORT, REPORT_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_UNAVAILABLE);
	proxy_stop(&px);
}

/*
 * Five 503s in a row open the circuit: then no request reaches the
 * Oracle until the backoff has passed and one probe succeeds.
 */
static void
test_breaker_opens_and_recovers(void **state)
{
	struct proxy	 px;
	struct answer	 a;
	uint64_t	 t0;
	int		 i;

	(void)state;
	proxy_start_oracle(&px, "");
	oracle_control("{\"mode\":\"error\",\"status\":503}");
	for (i = 0; i < BREAKER_FAILURES; i++) {
		proxy_call(&px, PROTO_ORACLE_ANALYZE, ANALYZE_BODY, &a, 5000);
		assert_int_equal(a.outcome, PROTO_ORACLE_INVALID);
	}
	oracle_control("{\"mode\":\"normal\"}");
	t0 = now_ms();
	for (i = 0; i < 20; i++) {
		proxy_call(&px, PROTO_ORACLE_ANALYZE, ANALYZE_BODY, &a, 5000);
		assert_int_equal(a.outcome, PROTO_ORACLE_UNAVAILABLE);
	}
	assert_true(now_ms() - t0 < 1000);
	assert_int_equal(oracle_received("analyze"), BREAKER_FAILURES);
	/* The first opening lasts 0.5 to 1 s. */
	sleep_ms(1100);
	proxy_call(&px, PROTO_ORACLE_ANALYZE, ANALYZE_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_OK);
	proxy_call(&px, PROTO_ORACLE_ANALYZE, ANALYZE_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_OK);
	assert_int_equal(oracle_received("analyze"), BREAKER_FAILURES + 2);
	/* Each change logged once, not per refused request. */
	assert_int_equal(proxy_log_count(&px, "circuit open for"), 1);
	assert_int_equal(proxy_log_count(&px, "circuit closed"), 1);
	proxy_stop(&px);
}

/* Many requests in flight at once, each answered under its own id. */
static void
test_many_in_flight(void **state)
{
	struct proxy	 px;
	struct answer	 a;
	uint8_t		 seen[64];
	uint64_t	 t0;
	uint32_t	 id;
	int		 i;

	(void)state;
	proxy_start_oracle(&px, "");
	oracle_control("{\"mode\":\"slow\",\"delay\":0.5}");
	memset(seen, 0, sizeof(seen));
	t0 = now_ms();
	for (i = 0; i < 40; i++)
		assert_int_equal(proxy_send(px.worker, 1000 + i,
		    PROTO_ORACLE_ANALYZE, ANALYZE_BODY), 0);
	for (i = 0; i < 40; i++) {
		id = proxy_recv(px.worker, &a, 5000);
		assert_true(id >= 1000 && id < 1040 && !seen[id - 1000]);
		seen[id - 1000] = 1;
		assert_int_equal(a.outcome, PROTO_ORACLE_OK);
	}
	/* 40 sequential half-second answers would take 20 s. */
	assert_true(now_ms() - t0 < 4000);
	proxy_stop(&px);
}

/*
 * Proxies named by the environment are never used: the request goes to
 * the Oracle itself and the would-be proxy sees no connection.
 */
static void
test_environment_proxy_refused(void **state)
{
	struct sockaddr_in	 sin;
	struct proxy		 px;
	struct answer		 a;
	socklen_t		 slen = sizeof(sin);
	char			 url[64];
	int			 lfd, cfd;

	(void)state;
	if (oracle.pid == -1)
		skip();
	assert_true((lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK,
	    0)) >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lfd, 8), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &slen), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u",
	    ntohs(sin.sin_port));
	setenv("http_proxy", url, 1);
	setenv("HTTPS_PROXY", url, 1);
	setenv("ALL_PROXY", url, 1);
	proxy_start_oracle(&px, "");
	unsetenv("http_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("ALL_PROXY");
	proxy_call(&px, PROTO_ORACLE_ANALYZE, ANALYZE_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_OK);
	assert_int_equal(oracle_received("analyze"), 1);
	cfd = accept(lfd, NULL, NULL);
	assert_int_equal(cfd, -1);
	close(lfd);
	proxy_stop(&px);
}

/* A name, resolved inside the sandbox at each connection. */
static void
test_resolves_localhost(void **state)
{
	struct proxy	 px;
	struct answer	 a;
	char		 conf[128];

	(void)state;
	if (oracle.pid == -1)
		skip();
	json_decref(oracle_http("/_reset", "{}"));
	snprintf(conf, sizeof(conf), "ORACLE_URL=http://localhost:%u/\n",
	    oracle.port);
	proxy_start(&px, conf);
	proxy_call(&px, PROTO_ORACLE_ANALYZE, ANALYZE_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_OK);
	proxy_stop(&px);
}

/* Nobody listens: unavailable, and the proxy lives on. */
static void
test_connection_refused(void **state)
{
	struct proxy	 px;
	struct answer	 a;

	(void)state;
	proxy_start(&px, "ORACLE_URL=http://127.0.0.1:1\n");
	proxy_call(&px, PROTO_ORACLE_SYNC, SYNC_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_UNAVAILABLE);
	assert_int_equal(a.status, 0);
	proxy_stop(&px);
}

/* A body that is not a JSON object never leaves the proxy. */
static void
test_request_body_checked(void **state)
{
	struct proxy	 px;
	struct answer	 a;

	(void)state;
	proxy_start_oracle(&px, "");
	proxy_call(&px, PROTO_ORACLE_REPORT, "[1,2]", &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_INVALID);
	proxy_call(&px, PROTO_ORACLE_REPORT, "{\"a\":1} x", &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_INVALID);
	assert_int_equal(oracle_received("report"), 0);
	proxy_stop(&px);
}

/* A full sync larger than one message arrives in ordered slices. */
static void
test_large_sync_in_slices(void **state)
{
	struct proxy	 px;
	struct answer	 a;
	struct buf	 seed, whole;
	struct ipc_hdr	 hdr;
	struct msg_reader r;
	uint8_t		*payload;
	const void	*body;
	size_t		 len;
	uint32_t	 status;
	json_t		*doc, *ops;
	int		 i, slices = 0;

	(void)state;
	proxy_start_oracle(&px, "");
	buf_init(&seed, 0);
	buf_puts(&seed, "{\"bands\":[");
	for (i = 0; i < 30000; i++)
		buf_printf(&seed, "%s\"%d:%06X\"", i ? "," : "",
		    i % 20 + 1, i);
	buf_puts(&seed, "]}");
	json_decref(oracle_http("/_seed", (const char *)seed.data));
	buf_free(&seed);
	assert_int_equal(proxy_send(px.worker, 55, PROTO_ORACLE_SYNC,
	    SYNC_BODY), 0);
	buf_init(&whole, 0);
	for (;;) {
		assert_int_equal(ipc_recv_blocking(px.worker, &hdr, &payload,
		    NULL, 10000), 0);
		assert_int_equal(hdr.id, 55);
		msg_reader_init(&r, payload, hdr.len);
		assert_int_equal(msg_get_u8(&r, &a.outcome), 0);
		assert_int_equal(msg_get_u32(&r, &status), 0);
		assert_int_equal(msg_get_data(&r, &body, &len), 0);
		assert_int_equal(msg_end(&r), 0);
		buf_append(&whole, body, len);
		free(payload);
		if (a.outcome != PROTO_ORACLE_MORE)
			break;
		slices++;
	}
	assert_int_equal(a.outcome, PROTO_ORACLE_OK);
	assert_int_equal(status, 200);
	assert_true(slices >= 2);
	assert_non_null(doc = json_loadb((const char *)whole.data, whole.len,
	    0, NULL));
	ops = json_object_get(doc, "ops");
	assert_int_equal(json_array_size(json_object_get(
	    json_array_get(ops, 0), "bands")), 30000);
	json_decref(doc);
	buf_free(&whole);
	proxy_stop(&px);
}

/*
 * With every transfer slot held by slow stats posts (30 s timeout), an
 * analyze request still gets its answer at ORACLE_TIMEOUT.
 */
static void
test_queued_request_times_out(void **state)
{
	struct proxy	 px;
	struct answer	 a;
	uint64_t	 t0, dt;
	int		 i;

	(void)state;
	proxy_start_oracle(&px, "ORACLE_TIMEOUT=1\n");
	oracle_control("{\"mode\":\"slow\",\"delay\":3,"
	    "\"endpoints\":[\"stats\"]}");
	for (i = 0; i < 32; i++)
		assert_int_equal(proxy_send(px.worker, 2000 + i,
		    PROTO_ORACLE_STATS, STATS_BODY), 0);
	sleep_ms(200);
	t0 = now_ms();
	assert_int_equal(proxy_send(px.worker, 3000, PROTO_ORACLE_ANALYZE,
	    ANALYZE_BODY), 0);
	assert_int_equal(proxy_recv(px.worker, &a, 5000), 3000);
	dt = now_ms() - t0;
	assert_int_equal(a.outcome, PROTO_ORACLE_UNAVAILABLE);
	assert_true(dt >= 900 && dt < 2500);
	proxy_stop(&px);
}

/*
 * TLS: a minimal HTTPS Oracle with a throw-away certificate for
 * 127.0.0.1.  Verified against ORACLE_CA_FILE (read before the sandbox,
 * passed as a blob), refused against the system bundle.
 */
static const char tls_server_py[] =
    "import http.server, ssl, sys\n"
    "class H(http.server.BaseHTTPRequestHandler):\n"
    "    protocol_version = 'HTTP/1.1'\n"
    "    def log_message(self, *a): pass\n"
    "    def do_POST(self):\n"
    "        self.rfile.read(int(self.headers.get('Content-Length', 0)))\n"
    "        b = b'{\"result\":{\"action\":\"allow\",\"proximity_match\":false}}'\n"
    "        self.send_response(200)\n"
    "        self.send_header('Content-Type', 'application/json')\n"
    "        self.send_header('Content-Length', str(len(b)))\n"
    "        self.end_headers()\n"
    "        self.wfile.write(b)\n"
    "s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)\n"
    "c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
    "c.load_cert_chain(sys.argv[1], sys.argv[2])\n"
    "s.socket = c.wrap_socket(s.socket, server_side=True)\n"
    "print('listening on 127.0.0.1:%d' % s.server_address[1], flush=True)\n"
    "s.serve_forever()\n";

static pid_t
tls_server_start(const char *dir, unsigned int *port)
{
	char		 cmd[1024], cert[128], key[128], line[128];
	struct pollfd	 pfd;
	size_t		 off = 0;
	pid_t		 pid;
	int		 pipefd[2], devnull;

	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey ec "
	    "-pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
	    "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
	    "-keyout %s -out %s >/dev/null 2>&1", key, cert);
	if (system(cmd) != 0 || pipe(pipefd) == -1)
		return -1;
	if ((pid = fork()) == 0) {
		devnull = open("/dev/null", O_RDWR);
		dup2(pipefd[1], 1);
		dup2(devnull, 2);
		execlp("python3", "python3", "-I", "-S", "-c", tls_server_py,
		    cert, key, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	pfd.fd = pipefd[0];
	pfd.events = POLLIN;
	while (pid > 0 && off < sizeof(line) - 1 &&
	    poll(&pfd, 1, 10000) == 1 && read(pipefd[0], line + off, 1) == 1 &&
	    line[off] != '\n')
		off++;
	line[off] = '\0';
	close(pipefd[0]);
	if (pid > 0 && sscanf(line, "listening on 127.0.0.1:%u", port) != 1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

static void
test_tls_verified(void **state)
{
	struct proxy	 px;
	struct answer	 a;
	char		 dir[64], conf[512], path[128];
	unsigned int	 port;
	pid_t		 server;

	(void)state;
	if (oracle.pid == -1)
		skip();		/* no python3 */
	snprintf(dir, sizeof(dir), "/tmp/test_oracle_tls.XXXXXX");
	assert_non_null(mkdtemp(dir));
	if ((server = tls_server_start(dir, &port)) == -1) {
		snprintf(path, sizeof(path), "rm -rf %s", dir);
		(void)system(path);
		skip();		/* no openssl command */
	}
	snprintf(conf, sizeof(conf), "ORACLE_URL=https://127.0.0.1:%u\n"
	    "ORACLE_CA_FILE=%s/cert.pem\n", port, dir);
	proxy_start(&px, conf);
	proxy_call(&px, PROTO_ORACLE_ANALYZE, ANALYZE_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_OK);
	assert_non_null(strstr(a.body, "\"allow\""));
	proxy_stop(&px);
	/* The system bundle does not know this certificate. */
	snprintf(conf, sizeof(conf), "ORACLE_URL=https://127.0.0.1:%u\n",
	    port);
	proxy_start(&px, conf);
	proxy_call(&px, PROTO_ORACLE_ANALYZE, ANALYZE_BODY, &a, 5000);
	assert_int_equal(a.outcome, PROTO_ORACLE_UNAVAILABLE);
	proxy_stop(&px);
	kill(server, SIGTERM);
	waitpid(server, NULL, 0);
	snprintf(path, sizeof(path), "%s/cert.pem", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disabled_answers_unavailable),
		cmocka_unit_test(test_malformed_request_reports_worker),
		cmocka_unit_test(test_connection_refused),
		cmocka_unit_test(test_normal_answers),
		cmocka_unit_test(test_slow_times_out),
		cmocka_unit_test(test_error_statuses),
		cmocka_unit_test(test_malformed_answers),
		cmocka_unit_test(test_oversized_answers),
		cmocka_unit_test(test_dropped_connection),
		cmocka_unit_test(test_breaker_opens_and_recovers),
		cmocka_unit_test(test_many_in_flight),
		cmocka_unit_test(test_environment_proxy_refused),
		cmocka_unit_test(test_resolves_localhost),
		cmocka_unit_test(test_request_body_checked),
		cmocka_unit_test(test_large_sync_in_slices),
		cmocka_unit_test(test_queued_request_times_out),
		cmocka_unit_test(test_tls_verified),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, oracle_setup, oracle_teardown);
}
