/*
 * The oracle-proxy process as its peers see it: started by a fake master
 * (fakemaster.h) under SANDBOX=kill, asked through a worker channel.
 */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fakemaster.h"

#define PEER_WORKER_PID	4242

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disabled_answers_unavailable),
		cmocka_unit_test(test_malformed_request_reports_worker),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
