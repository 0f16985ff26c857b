/*
 * Hostile IPC: what a compromised worker (or any child) can send must not
 * take down the process that reads it.
 *
 * learner, oracle-proxy: the real roles run under a fake master
 * (fakemaster.h); the test plays their workers and sends truncated,
 * oversized, padded, forbidden and badly typed messages.  Each must make
 * the role drop that channel and report PEER_MISBEHAVED with the worker's
 * pid, while the role stays up and keeps answering other channels.
 *
 * master: the reverse.  This program becomes the master (the real
 * supervision code from librole.a) and its children are this same
 * program started as "-role NAME", behaving as $HOSTILE_<ROLE> says.  A
 * child sending garbage or a forbidden type is killed and replaced; a
 * PEER_MISBEHAVED from the learner replaces that worker and nobody else.
 */
#include "testutil.h"
#include "fakemaster.h"

#include <sys/stat.h>

#include <ctype.h>

#include <event2/event.h>

#include "log.h"
#include "master/master.h"

#define WAIT_MS		5000

/* Common to the role groups: a temporary directory and the role. */
struct role_fixture {
	char			 dir[64];
	char			 conf[128];
	char			 log[128];
	pid_t			 redis;
	struct fakemaster	 fm;
	int			 keep;		/* a worker channel kept open */
	uint32_t		 next_pid;	/* fake worker pids */
	uint32_t		 next_id;
};

static struct role_fixture	fx;

static int
fixture_dir(void)
{
	memset(&fx, 0, sizeof(fx));
	fx.redis = -1;
	fx.keep = -1;
	fx.fm.pid = -1;
	fx.fm.chan = -1;
	fx.next_pid = 60001;
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/guardian-hostile.XXXXXX");
	if (mkdtemp(fx.dir) == NULL)
		return -1;
	(void)chmod(fx.dir, 0755);
	snprintf(fx.conf, sizeof(fx.conf), "%s/guardian.conf", fx.dir);
	snprintf(fx.log, sizeof(fx.log), "%s/role.log", fx.dir);
	return 0;
}

static void
fixture_rmdir(void)
{
	char	path[192];

	snprintf(path, sizeof(path), "%s/guardian.conf", fx.dir);
	(void)unlink(path);
	snprintf(path, sizeof(path), "%s/role.log", fx.dir);
	(void)unlink(path);
	snprintf(path, sizeof(path), "%s/master.log", fx.dir);
	(void)unlink(path);
	(void)rmdir(fx.dir);
}

static int
fixture_config(const char *extra)
{
	FILE	*f;

	if ((f = fopen(fx.conf, "w")) == NULL)
		return -1;
	fprintf(f, "SANDBOX=kill\nLOG_LEVEL=INFO\nPID_FILE=%s/g.pid\n%s",
	    fx.dir, extra);
	if (geteuid() == 0)
		fprintf(f, "RUN_AS_USER=nobody\n");
	return fclose(f);
}

static int
fixture_start(const char *role)
{
	if (fakemaster_spawn(&fx.fm, role, fx.conf, fx.log) == -1 ||
	    fakemaster_wait_ready(&fx.fm, WAIT_MS) == -1)
		return -1;
	return 0;
}

static int
fixture_teardown(void **state)
{
	(void)state;
	if (fx.keep != -1)
		close(fx.keep);
	if (fx.fm.pid != -1)
		(void)fakemaster_stop(&fx.fm, 2000);
	if (fx.redis > 0) {
		(void)kill(fx.redis, SIGTERM);
		(void)waitpid(fx.redis, NULL, 0);
	}
	fixture_rmdir();
	return 0;
}

/* A raw header, for the cases the helpers refuse to build. */
static void
raw_header(uint8_t out[IPC_HDR_SIZE], uint32_t type, uint32_t len,
    uint32_t id)
{
	struct ipc_hdr	h = { type, len, id, 4242, (type & IPC_F_FD) != 0 };

	ipc_hdr_encode(out, &h);
}

/* Sends type with a payload of n raw bytes. */
static void
send_raw(int sock, uint32_t type, uint32_t id, const void *payload,
    size_t n)
{
	uint8_t	hdr[IPC_HDR_SIZE];

	raw_header(hdr, type, (uint32_t)n, id);
	assert_int_equal(fakemaster_write_raw(sock, hdr, sizeof(hdr)), 0);
	if (n > 0)
		assert_int_equal(fakemaster_write_raw(sock, payload, n), 0);
}

/*
 * What every hostile case ends with: the role reported that worker (and
 * no other first), closed its channel, is alive, and still serves.
 */
typedef int	(*serve_fn)(int sock);

static void
expect_dropped(int bad, uint32_t pid, serve_fn serves)
{
	uint32_t	reported = 0;
	int		type, fresh;

	type = fakemaster_recv(&fx.fm, &reported, WAIT_MS);
	assert_int_equal(type, PROTO_PEER_MISBEHAVED);
	assert_int_equal(reported, pid);
	assert_true(fakemaster_closed_by_peer(bad, WAIT_MS));
	close(bad);
	assert_true(fakemaster_alive(&fx.fm, NULL));
	fresh = fakemaster_peer(&fx.fm, PROC_WORKER, fx.next_pid++);
	assert_true(fresh != -1);
	assert_int_equal(serves(fresh), 0);
	close(fresh);
	assert_int_equal(serves(fx.keep), 0);
}

/* A new fake worker channel and its pid. */
static int
new_worker(uint32_t *pid)
{
	int	sock;

	*pid = fx.next_pid++;
	sock = fakemaster_peer(&fx.fm, PROC_WORKER, *pid);
	assert_true(sock != -1);
	return sock;
}

/* ---- learner ---- */

/* 0 when a STATUS_REQUEST gets its STATUS_REPLY with Redis up. */
static int
learner_serves(int sock)
{
	struct ipc_hdr		 hdr;
	struct msg_reader	 r;
	uint8_t			*payload = NULL, ok = 0;
	uint64_t		 seq;
	const char		*node;
	uint32_t		 id = ++fx.next_id;
	int			 rc = -1;

	if (ipc_send_blocking(sock, PROTO_STATUS_REQUEST, id, NULL, -1) == -1 ||
	    ipc_recv_blocking(sock, &hdr, &payload, NULL, WAIT_MS) == -1)
		return -1;
	msg_reader_init(&r, payload, hdr.len);
	if (hdr.type == PROTO_STATUS_REPLY && hdr.id == id &&
	    msg_get_u8(&r, &ok) == 0 && msg_get_u64(&r, &seq) == 0 &&
	    msg_get_str(&r, &node, NULL) == 0 && msg_end(&r) == 0 && ok &&
	    strlen(node) == 36)
		rc = 0;
	free(payload);
	return rc;
}

static int
learner_setup(void **state)
{
	char		extra[128];
	unsigned int	port = 0;
	int		i;

	(void)state;
	if (fixture_dir() == -1)
		return -1;
	if ((fx.redis = fakemaster_redis_start(fx.dir, &port)) == -1) {
		fixture_rmdir();
		return 0;	/* each test skips */
	}
	snprintf(extra, sizeof(extra), "REDIS_HOST=127.0.0.1\n"
	    "REDIS_PORT=%u\n", port);
	if (fixture_config(extra) == -1 || fixture_start("learner") == -1)
		return -1;
	if ((fx.keep = fakemaster_peer(&fx.fm, PROC_WORKER,
	    fx.next_pid++)) == -1)
		return -1;
	/* CHILD_READY comes before Redis is connected: wait for it. */
	for (i = 0; i < 50 && learner_serves(fx.keep) == -1; i++)
		fakemaster_sleep_ms(100);
	return i < 50 ? 0 : -1;
}

#define LEARNER_OR_SKIP() do {						\
	if (fx.redis <= 0)						\
		skip();							\
} while (0)

static void
test_learner_truncated_header(void **state)
{
	uint8_t		hdr[IPC_HDR_SIZE];
	uint32_t	pid;
	int		bad;

	(void)state;
	LEARNER_OR_SKIP();
	bad = new_worker(&pid);
	raw_header(hdr, PROTO_STATUS_REQUEST, 0, 1);
	assert_int_equal(fakemaster_write_raw(bad, hdr, 10), 0);
	assert_int_equal(shutdown(bad, SHUT_WR), 0);
	expect_dropped(bad, pid, learner_serves);
}

static void
test_learner_truncated_payload(void **state)
{
	uint8_t		hdr[IPC_HDR_SIZE];
	uint32_t	pid;
	int		bad;

	(void)state;
	LEARNER_OR_SKIP();
	bad = new_worker(&pid);
	raw_header(hdr, PROTO_STATUS_REQUEST, 100, 1);
	assert_int_equal(fakemaster_write_raw(bad, hdr, sizeof(hdr)), 0);
	assert_int_equal(fakemaster_write_raw(bad, "abc", 3), 0);
	assert_int_equal(shutdown(bad, SHUT_WR), 0);
	expect_dropped(bad, pid, learner_serves);
}

static void
test_learner_oversized(void **state)
{
	uint8_t		hdr[IPC_HDR_SIZE];
	uint32_t	pid;
	int		bad;

	(void)state;
	LEARNER_OR_SKIP();
	bad = new_worker(&pid);
	raw_header(hdr, PROTO_STATUS_REQUEST, IPC_MAX_PAYLOAD + 1, 1);
	assert_int_equal(fakemaster_write_raw(bad, hdr, sizeof(hdr)), 0);
	expect_dropped(bad, pid, learner_serves);
	bad = new_worker(&pid);
	raw_header(hdr, PROTO_STATUS_REQUEST, 0xffffffffU, 1);
	assert_int_equal(fakemaster_write_raw(bad, hdr, sizeof(hdr)), 0);
	expect_dropped(bad, pid, learner_serves);
}

static void
test_learner_trailing_garbage(void **state)
{
	uint32_t	pid;
	int		bad;

	(void)state;
	LEARNER_OR_SKIP();
	/* STATUS_REQUEST is empty: any byte is one too many. */
	bad = new_worker(&pid);
	send_raw(bad, PROTO_STATUS_REQUEST, 7, "\0", 1);
	expect_dropped(bad, pid, learner_serves);
}

static void
test_learner_forbidden_types(void **state)
{
	static const uint32_t	types[] = { PROTO_TUNABLES,
	    PROTO_PEER_MISBEHAVED, PROTO_PEER_CHANNEL, PROTO_STATUS_REPLY,
	    PROTO_ORACLE_REQUEST, PROTO_CHILD_READY, PROTO_ANALYZE_REPLY,
	    PROTO_REPORT_REPLY, 0, PROTO_NTYPES,
	    0x7ffffff0U };
	uint8_t			pidbuf[4] = { 0, 0, 0, 1 };
	uint32_t		pid;
	size_t			i;
	int			bad;

	(void)state;
	LEARNER_OR_SKIP();
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		bad = new_worker(&pid);
		send_raw(bad, types[i], 1, pidbuf, sizeof(pidbuf));
		expect_dropped(bad, pid, learner_serves);
	}
}

static void
test_learner_bad_strings(void **state)
{
	/* A str whose length runs past the payload, one with a NUL inside,
	 * and a str missing its terminator. */
	static const uint8_t	past[] = { 0, 0, 0x10, 0, 'a', 'b', 0 };
	static const uint8_t	nul[] = { 0, 0, 0, 3, 'a', 0, 'b', 0 };
	static const uint8_t	unterminated[] = { 0, 0, 0, 2, 'a', 'b', 'c' };
	uint32_t		pid;
	int			bad;

	(void)state;
	LEARNER_OR_SKIP();
	bad = new_worker(&pid);
	send_raw(bad, PROTO_STATUS_REQUEST, 2, past, sizeof(past));
	expect_dropped(bad, pid, learner_serves);
	bad = new_worker(&pid);
	send_raw(bad, PROTO_STATUS_REQUEST, 3, nul, sizeof(nul));
	expect_dropped(bad, pid, learner_serves);
	bad = new_worker(&pid);
	send_raw(bad, PROTO_STATUS_REQUEST, 4, unterminated,
	    sizeof(unterminated));
	expect_dropped(bad, pid, learner_serves);
}

static void
test_learner_fd_flag_without_fd(void **state)
{
	uint8_t		hdr[IPC_HDR_SIZE];
	uint32_t	pid;
	int		bad;

	(void)state;
	LEARNER_OR_SKIP();
	bad = new_worker(&pid);
	raw_header(hdr, PROTO_STATUS_REQUEST | IPC_F_FD, 0, 1);
	assert_int_equal(fakemaster_write_raw(bad, hdr, sizeof(hdr)), 0);
	expect_dropped(bad, pid, learner_serves);
}

/* A str field written by hand: n, the bytes, and the NUL unless cut. */
static void
raw_str(struct msg *m, uint32_t n, const char *bytes, size_t len,
    int terminate)
{
	size_t	i;

	msg_add_u32(m, n);
	for (i = 0; i < len; i++)
		msg_add_u8(m, (uint8_t)bytes[i]);
	if (terminate)
		msg_add_u8(m, 0);
}

#define SHA1_OK	"0123456789abcdef0123456789abcdef01234567"

/* 0 when the learner answers m (of type) with reply_type and that id. */
static int
learner_answers(int sock, uint32_t type, const struct msg *m,
    uint32_t reply_type)
{
	struct ipc_hdr	 hdr;
	uint8_t		*payload = NULL;
	uint32_t	 id = ++fx.next_id;

	if (ipc_send_blocking(sock, type, id, m, -1) == -1 ||
	    ipc_recv_blocking(sock, &hdr, &payload, NULL, WAIT_MS) == -1)
		return -1;
	free(payload);
	return hdr.type == reply_type && hdr.id == id ? 0 : -1;
}

static void
report_request(struct msg *m, const char *request_id, const char *sha1,
    uint8_t type)
{
	msg_init(m);
	msg_add_str(m, request_id);
	msg_add_str(m, sha1);
	msg_add_u8(m, type);
}

/* The report's string fields: a NUL inside, a length past the payload,
 * a missing terminator, a hash that is not hex, an unknown type. */
static void
test_learner_bad_report_fields(void **state)
{
	struct msg	m;
	uint32_t	pid;
	int		bad, good, i;

	(void)state;
	LEARNER_OR_SKIP();
	/* The well-formed one is answered (no scan record: not found). */
	good = new_worker(&pid);
	report_request(&m, "r1", SHA1_OK, 1);
	assert_int_equal(learner_answers(good, PROTO_REPORT_REQUEST, &m,
	    PROTO_REPORT_REPLY), 0);
	msg_free(&m);
	close(good);
	for (i = 0; i < 6; i++) {
		msg_init(&m);
		switch (i) {
		case 0:
			raw_str(&m, 3, "r\0x", 3, 1);
			msg_add_str(&m, SHA1_OK);
			msg_add_u8(&m, 1);
			break;
		case 1:
			msg_add_str(&m, "r1");
			raw_str(&m, 40, SHA1_OK, 20, 0);
			break;
		case 2:
			msg_add_str(&m, "r1");
			raw_str(&m, 40, SHA1_OK, 40, 0);
			msg_add_u8(&m, 1);
			break;
		case 3:
			report_request(&m, "r1",
			    "0123456789abcdef0123456789abcdef0123456z", 1);
			break;
		case 4:
			report_request(&m, "r1", SHA1_OK, 9);
			break;
		case 5:
			report_request(&m, "r1", SHA1_OK, 1);
			raw_str(&m, 0xfffffff0U, "", 0, 0);
			break;
		}
		bad = new_worker(&pid);
		assert_int_equal(ipc_send_blocking(bad, PROTO_REPORT_REQUEST,
		    50 + (uint32_t)i, &m, -1), 0);
		msg_free(&m);
		expect_dropped(bad, pid, learner_serves);
	}
}

static void
analyze_request(struct msg *m, const char *request_id, uint32_t n,
    const char *digest)
{
	uint32_t	i;

	msg_init(m);
	msg_add_str(m, request_id);
	msg_add_str(m, "");
	msg_add_u32(m, 0);		/* start */
	msg_add_u8(m, 0);		/* flags */
	msg_add_u8(m, 0);		/* no Oracle answer */
	msg_add_u32(m, 0);
	msg_add_data(m, "", 0);
	msg_add_u32(m, n);
	for (i = 0; digest != NULL && i < n; i++)
		msg_add_str(m, digest);
}

/* Digest counts and strings: more announced than sent, far too many, a
 * digest that is not one, an oversized request id. */
static void
test_learner_bad_analyze_fields(void **state)
{
	struct msg	m;
	uint32_t	pid;
	int		bad, good, i;

	(void)state;
	LEARNER_OR_SKIP();
	good = new_worker(&pid);
	analyze_request(&m, "a1", 0, NULL);
	assert_int_equal(learner_answers(good, PROTO_ANALYZE_REQUEST, &m,
	    PROTO_ANALYZE_REPLY), 0);
	msg_free(&m);
	close(good);
	for (i = 0; i < 4; i++) {
		switch (i) {
		case 0:
			analyze_request(&m, "a1", 3, NULL);
			break;
		case 1:
			analyze_request(&m, "a1", 0xffffffffU, NULL);
			break;
		case 2:
			analyze_request(&m, "a1", 1, "T1not-a-digest");
			break;
		case 3:
			analyze_request(&m, "a-request-id-much-longer-than-"
			    "thirty-two-bytes", 0, NULL);
			break;
		}
		bad = new_worker(&pid);
		assert_int_equal(ipc_send_blocking(bad, PROTO_ANALYZE_REQUEST,
		    60 + (uint32_t)i, &m, -1), 0);
		msg_free(&m);
		expect_dropped(bad, pid, learner_serves);
	}
}

/* A worker that leaves cleanly between messages is not reported. */
static void
test_learner_clean_close_not_reported(void **state)
{
	uint32_t	clean, pid;
	int		sock, bad;

	(void)state;
	LEARNER_OR_SKIP();
	sock = new_worker(&clean);
	assert_int_equal(learner_serves(sock), 0);
	close(sock);
	/* The next report must be about the bad one, not the clean one. */
	bad = new_worker(&pid);
	send_raw(bad, PROTO_TUNABLES, 1, NULL, 0);
	expect_dropped(bad, pid, learner_serves);
}

/* Requests in flight on a channel that is dropped meanwhile. */
static void
test_learner_drop_with_requests_in_flight(void **state)
{
	uint32_t	pid, i;
	int		bad;

	(void)state;
	LEARNER_OR_SKIP();
	bad = new_worker(&pid);
	for (i = 0; i < 50; i++)
		send_raw(bad, PROTO_STATUS_REQUEST, 100 + i, NULL, 0);
	send_raw(bad, PROTO_ORACLE_REPLY, 1, NULL, 0);
	/* The replies of the valid ones may come first; then the close. */
	assert_true(fakemaster_closed_by_peer(bad, WAIT_MS));
	expect_dropped(bad, pid, learner_serves);
}

/* ---- oracle-proxy ---- */

static void
oracle_request(struct msg *m, uint8_t endpoint)
{
	msg_init(m);
	msg_add_u8(m, endpoint);
	msg_add_data(m, "{}", 2);
}

/* 0 when an ORACLE_REQUEST gets an ORACLE_REPLY with its id. */
static int
oracle_serves(int sock)
{
	struct ipc_hdr	 hdr;
	struct msg	 m;
	uint8_t		*payload = NULL;
	uint32_t	 id = ++fx.next_id;
	int		 rc;

	oracle_request(&m, PROTO_ORACLE_STATS);
	rc = ipc_send_blocking(sock, PROTO_ORACLE_REQUEST, id, &m, -1);
	msg_free(&m);
	if (rc == -1 ||
	    ipc_recv_blocking(sock, &hdr, &payload, NULL, WAIT_MS) == -1)
		return -1;
	free(payload);
	return hdr.type == PROTO_ORACLE_REPLY && hdr.id == id ? 0 : -1;
}

static int
oracle_setup(void **state)
{
	(void)state;
	if (fixture_dir() == -1)
		return -1;
	/* Nothing listens on port 1: an Oracle call fails at once. */
	if (fixture_config("ORACLE_URL=http://127.0.0.1:1\n"
	    "ORACLE_TIMEOUT=1\n") == -1 || fixture_start("oracle-proxy") == -1)
		return -1;
	if ((fx.keep = fakemaster_peer(&fx.fm, PROC_WORKER,
	    fx.next_pid++)) == -1)
		return -1;
	return oracle_serves(fx.keep);
}

static void
test_oracle_truncated_header(void **state)
{
	uint8_t		hdr[IPC_HDR_SIZE];
	uint32_t	pid;
	int		bad;

	(void)state;
	bad = new_worker(&pid);
	raw_header(hdr, PROTO_ORACLE_REQUEST, 0, 1);
	assert_int_equal(fakemaster_write_raw(bad, hdr, 7), 0);
	assert_int_equal(shutdown(bad, SHUT_WR), 0);
	expect_dropped(bad, pid, oracle_serves);
}

static void
test_oracle_oversized(void **state)
{
	uint8_t		hdr[IPC_HDR_SIZE];
	uint32_t	pid;
	int		bad;

	(void)state;
	bad = new_worker(&pid);
	raw_header(hdr, PROTO_ORACLE_REQUEST, IPC_MAX_PAYLOAD + 1, 1);
	assert_int_equal(fakemaster_write_raw(bad, hdr, sizeof(hdr)), 0);
	expect_dropped(bad, pid, oracle_serves);
}

static void
test_oracle_trailing_garbage(void **state)
{
	struct msg	m;
	uint32_t	pid;
	int		bad;

	(void)state;
	bad = new_worker(&pid);
	oracle_request(&m, PROTO_ORACLE_STATS);
	msg_add_u8(&m, 0x55);
	assert_int_equal(ipc_send_blocking(bad, PROTO_ORACLE_REQUEST, 9, &m,
	    -1), 0);
	msg_free(&m);
	expect_dropped(bad, pid, oracle_serves);
}

static void
test_oracle_forbidden_types(void **state)
{
	static const uint32_t	types[] = { PROTO_STATUS_REQUEST,
	    PROTO_PEER_MISBEHAVED, PROTO_TUNABLES, PROTO_ORACLE_REPLY, 0,
	    0x7ffffff0U };
	uint32_t		pid;
	size_t			i;
	int			bad;

	(void)state;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		bad = new_worker(&pid);
		send_raw(bad, types[i], 1, NULL, 0);
		expect_dropped(bad, pid, oracle_serves);
	}
}

static void
test_oracle_bad_fields(void **state)
{
	/* Endpoint, then a data length past the payload; an endpoint out
	 * of range; a payload cut inside the length. */
	static const uint8_t	past[] = { PROTO_ORACLE_STATS, 0, 0, 1, 0,
	    '{', '}' };
	static const uint8_t	endpoint[] = { 0xee, 0, 0, 0, 2, '{', '}' };
	static const uint8_t	cut[] = { PROTO_ORACLE_STATS, 0, 0 };
	uint32_t		pid;
	int			bad;

	(void)state;
	bad = new_worker(&pid);
	send_raw(bad, PROTO_ORACLE_REQUEST, 2, past, sizeof(past));
	expect_dropped(bad, pid, oracle_serves);
	bad = new_worker(&pid);
	send_raw(bad, PROTO_ORACLE_REQUEST, 3, endpoint, sizeof(endpoint));
	expect_dropped(bad, pid, oracle_serves);
	bad = new_worker(&pid);
	send_raw(bad, PROTO_ORACLE_REQUEST, 4, cut, sizeof(cut));
	expect_dropped(bad, pid, oracle_serves);
}

/* ---- master: this program as the master, its children fake ---- */

/* The fake child's side: fd 3 is its master channel. */
static void
fake_send(uint32_t type, const struct msg *m)
{
	if (ipc_send_blocking(PROC_FD_MASTER, type, 0, m, -1) == -1)
		_exit(3);
}

static void
fake_accuse(uint32_t pid)
{
	struct msg	m;

	msg_init(&m);
	msg_add_u32(&m, pid);
	fake_send(PROTO_PEER_MISBEHAVED, &m);
	msg_free(&m);
}

/*
 * Modes: ready (behaves), garbage (an oversized header), forbidden (a
 * type outside its row), badready (CHILD_READY with a payload), accuse
 * (learner: reports the first worker it is connected to), accuse-oracle
 * (learner: reports the oracle-proxy, then the first worker).
 */
static int
fake_child(const char *role)
{
	struct ipc_hdr		 hdr;
	struct msg_reader	 r;
	struct msg		 m;
	char			 var[64], *p;
	const char		*mode;
	uint8_t			*payload, raw[IPC_HDR_SIZE], peer;
	uint32_t		 pid, oracle = 0;
	int			 fd, accused = 0, i;

	snprintf(var, sizeof(var), "HOSTILE_%s", role);
	for (p = var; *p != '\0'; p++)
		*p = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
	if ((mode = getenv(var)) == NULL)
		mode = "ready";
	if (strcmp(mode, "badready") == 0) {
		msg_init(&m);
		msg_add_u8(&m, 1);
		fake_send(PROTO_CHILD_READY, &m);
		msg_free(&m);
	} else
		fake_send(PROTO_CHILD_READY, NULL);
	if (strcmp(mode, "garbage") == 0) {
		raw_header(raw, PROTO_CHILD_READY, IPC_MAX_PAYLOAD + 99, 0);
		(void)fakemaster_write_raw(PROC_FD_MASTER, raw, sizeof(raw));
	} else if (strcmp(mode, "forbidden") == 0)
		fake_accuse(1);
	/* Serve the master until it goes away (or kills us), 30 s at most. */
	for (i = 0; i < 300; i++) {
		if (ipc_recv_blocking(PROC_FD_MASTER, &hdr, &payload, &fd,
		    100) == -1) {
			if (errno == ETIMEDOUT)
				continue;
			return 0;
		}
		msg_reader_init(&r, payload, hdr.len);
		if (hdr.type == PROTO_PEER_CHANNEL &&
		    msg_get_u8(&r, &peer) == 0 && msg_get_u32(&r, &pid) == 0) {
			if (peer == PROC_ORACLE)
				oracle = pid;
			if (peer == PROC_WORKER && !accused &&
			    strncmp(mode, "accuse", 6) == 0) {
				if (strcmp(mode, "accuse-oracle") == 0) {
					fake_accuse(oracle);
					fake_accuse((uint32_t)getpid());
				}
				fake_accuse(pid);
				accused = 1;
			}
		}
		free(payload);
		if (fd != -1)
			close(fd);
	}
	return 0;
}

static int
master_setup(void **state)
{
	char	path[192];
	char	err[256];
	ssize_t	n;

	(void)state;
	if (fixture_dir() == -1 || fixture_config("WORKERS=1\n") == -1)
		return -1;
	memset(&master, 0, sizeof(master));
	master.tcp_fd = master.unix_fd = -1;
	master.config_path = fx.conf;
	n = readlink("/proc/self/exe", master.exe, sizeof(master.exe) - 1);
	if (n <= 0)
		return -1;
	master.exe[n] = '\0';
	if (config_load(&master.cfg, fx.conf, err, sizeof(err)) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/master.log", fx.dir);
	if (log_init("master", path) == -1)
		return -1;
	if ((master.base = event_base_new()) == NULL)
		return -1;
	supervise_init();
	return supervise_resize(1);
}

static int
master_teardown(void **state)
{
	int	i;

	(void)state;
	for (i = 0; i < master.nslots; i++)
		event_free(master.slots[i].respawn_ev);
	free(master.slots);
	event_base_free(master.base);
	config_free(&master.cfg);
	fixture_rmdir();
	return 0;
}

static pid_t
slot_pid(int slot)
{
	struct master_child	*c = master.slots[slot].child;

	return c != NULL && c->ready ? c->pid : -1;
}

/* Runs the master's loop until the three slots hold ready children
 * none of which is in avoid[] (-1 entries ignored). */
static int
master_run_until_ready(const pid_t avoid[3])
{
	int	waited, i, ok;

	for (waited = 0; waited < WAIT_MS; waited += 10) {
		(void)event_base_loop(master.base, EVLOOP_NONBLOCK);
		supervise_reap();
		for (ok = 1, i = 0; i < 3; i++)
			if (slot_pid(i) == -1 || slot_pid(i) == avoid[i])
				ok = 0;
		if (ok)
			return 0;
		fakemaster_sleep_ms(10);
	}
	return -1;
}

/* Starts learner, oracle-proxy and one worker with the given modes. */
static void
master_start(const char *learner, const char *oracle, const char *worker,
    pid_t pids[3])
{
	pid_t	none[3] = { -1, -1, -1 };
	int	i;

	setenv("HOSTILE_LEARNER", learner, 1);
	setenv("HOSTILE_ORACLE_PROXY", oracle, 1);
	setenv("HOSTILE_WORKER", worker, 1);
	supervise_start_all();
	/* Whatever replaces a child behaves. */
	setenv("HOSTILE_LEARNER", "ready", 1);
	setenv("HOSTILE_ORACLE_PROXY", "ready", 1);
	setenv("HOSTILE_WORKER", "ready", 1);
	for (i = 0; i < 3; i++)
		pids[i] = master.slots[i].child != NULL ?
		    master.slots[i].child->pid : -1;
	assert_int_equal(master_run_until_ready(none), 0);
}

/* Fast stop of everything, back to an empty master. */
static void
master_stop_all(void)
{
	int	waited, i;

	master.stopping = SIGTERM;
	supervise_stop(0);
	for (waited = 0; supervise_count() > 0 && waited < WAIT_MS;
	    waited += 10) {
		(void)event_base_loop(master.base, EVLOOP_NONBLOCK);
		supervise_reap();
		fakemaster_sleep_ms(10);
	}
	assert_int_equal(supervise_count(), 0);
	for (i = 0; i < master.nslots; i++) {
		evtimer_del(master.slots[i].respawn_ev);
		master.slots[i].child = NULL;
		master.slots[i].failures = 0;
	}
	master.stopping = 0;
}

static int
gone(pid_t pid)
{
	return kill(pid, 0) == -1 && errno == ESRCH;
}

static void
test_master_replaces_garbage_worker(void **state)
{
	pid_t	pids[3], avoid[3];

	(void)state;
	master_start("ready", "ready", "garbage", pids);
	/* Ready was reported, then garbage: the worker was replaced. */
	avoid[0] = avoid[1] = -1;
	avoid[2] = pids[2];
	assert_int_equal(master_run_until_ready(avoid), 0);
	assert_true(gone(pids[2]));
	assert_int_equal(slot_pid(0), pids[0]);
	assert_int_equal(slot_pid(1), pids[1]);
	master_stop_all();
}

static void
test_master_replaces_forbidden_worker(void **state)
{
	pid_t	pids[3], avoid[3] = { -1, -1, -1 };

	(void)state;
	master_start("ready", "ready", "forbidden", pids);
	avoid[2] = pids[2];
	assert_int_equal(master_run_until_ready(avoid), 0);
	assert_true(gone(pids[2]));
	assert_int_equal(slot_pid(0), pids[0]);
	assert_int_equal(slot_pid(1), pids[1]);
	master_stop_all();
}

static void
test_master_replaces_garbage_learner(void **state)
{
	pid_t	pids[3], avoid[3] = { -1, -1, -1 };

	(void)state;
	/* Not only workers: any child is checked against its row. */
	master_start("garbage", "badready", "ready", pids);
	avoid[0] = pids[0];
	avoid[1] = pids[1];
	assert_int_equal(master_run_until_ready(avoid), 0);
	assert_true(gone(pids[0]));
	assert_true(gone(pids[1]));
	assert_int_equal(slot_pid(2), pids[2]);
	master_stop_all();
}

static void
test_master_peer_misbehaved_replaces_worker(void **state)
{
	pid_t	pids[3], avoid[3] = { -1, -1, -1 };

	(void)state;
	master_start("accuse", "ready", "ready", pids);
	avoid[2] = pids[2];
	assert_int_equal(master_run_until_ready(avoid), 0);
	assert_true(gone(pids[2]));
	assert_int_equal(slot_pid(0), pids[0]);
	assert_int_equal(slot_pid(1), pids[1]);
	master_stop_all();
}

static void
test_master_peer_misbehaved_only_workers(void **state)
{
	pid_t	pids[3], avoid[3] = { -1, -1, -1 };

	(void)state;
	/* The learner names the oracle-proxy and itself first: ignored.
	 * Reports are handled in order, so once the worker is gone the
	 * others were judged already. */
	master_start("accuse-oracle", "ready", "ready", pids);
	avoid[2] = pids[2];
	assert_int_equal(master_run_until_ready(avoid), 0);
	assert_true(gone(pids[2]));
	assert_int_equal(slot_pid(0), pids[0]);
	assert_int_equal(slot_pid(1), pids[1]);
	master_stop_all();
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest learner_tests[] = {
		cmocka_unit_test(test_learner_truncated_header),
		cmocka_unit_test(test_learner_truncated_payload),
		cmocka_unit_test(test_learner_oversized),
		cmocka_unit_test(test_learner_trailing_garbage),
		cmocka_unit_test(test_learner_forbidden_types),
		cmocka_unit_test(test_learner_bad_strings),
		cmocka_unit_test(test_learner_fd_flag_without_fd),
		cmocka_unit_test(test_learner_bad_report_fields),
		cmocka_unit_test(test_learner_bad_analyze_fields),
		cmocka_unit_test(test_learner_clean_close_not_reported),
		cmocka_unit_test(test_learner_drop_with_requests_in_flight),
	};
	const struct CMUnitTest oracle_tests[] = {
		cmocka_unit_test(test_oracle_truncated_header),
		cmocka_unit_test(test_oracle_oversized),
		cmocka_unit_test(test_oracle_trailing_garbage),
		cmocka_unit_test(test_oracle_forbidden_types),
		cmocka_unit_test(test_oracle_bad_fields),
	};
	const struct CMUnitTest master_tests[] = {
		cmocka_unit_test(test_master_replaces_garbage_worker),
		cmocka_unit_test(test_master_replaces_forbidden_worker),
		cmocka_unit_test(test_master_replaces_garbage_learner),
		cmocka_unit_test(test_master_peer_misbehaved_replaces_worker),
		cmocka_unit_test(test_master_peer_misbehaved_only_workers),
	};
	int	rc = 0;

	/* Started by the master under test as one of its children. */
	if (argc >= 3 && strcmp(argv[1], "-role") == 0)
		return fake_child(argv[2]);
	signal(SIGPIPE, SIG_IGN);
	if (fakemaster_exe() == NULL || access(fakemaster_exe(), X_OK) == -1) {
		printf("test_ipc_hostile: no daemon binary, skipping\n");
		return 0;
	}
	rc |= cmocka_run_group_tests_name("learner", learner_tests,
	    learner_setup, fixture_teardown);
	rc |= cmocka_run_group_tests_name("oracle-proxy", oracle_tests,
	    oracle_setup, fixture_teardown);
	rc |= cmocka_run_group_tests_name("master", master_tests,
	    master_setup, master_teardown);
	return rc;
}
