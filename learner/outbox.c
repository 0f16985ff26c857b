/*
 * The report outbox (see outbox.h).  Two kinds of jobs share it:
 *
 *   submit:   RPUSH the entry -> wait for the delivery loop to answer
 *             about it (at most OUTBOX_WAIT_S, then "queued");
 *   delivery: LLEN + LINDEX 0 -> POST /report -> definitive: LREM, next;
 *             otherwise back off and tell every waiting report "queued".
 *
 * Only the delivery loop sends from the list and only it removes, one
 * entry at a time, so the Oracle gets the reports in the order they were
 * queued and never two copies at once.  A new report wakes a loop that
 * is backing off: its own entry is behind the older ones anyway, and the
 * oracle-proxy's circuit breaker keeps a dead Oracle from being hammered.
 */
#include <sys/queue.h>
#include <sys/time.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "common/config.h"
#include "common/stats.h"
#include "log.h"
#include "master/proto.h"
#include "master/proto_analyze.h"
#include "batch.h"
#include "learner.h"
#include "oracle_link.h"
#include "outbox.h"
#include "store.h"

/* The proxy's report timeout is 5 s; the worker waits 15 s. */
#define OUTBOX_WAIT_S		8
#define OUTBOX_BACKOFF_MIN_MS	1000
#define OUTBOX_BACKOFF_MAX_MS	(300 * 1000)
#define OUTBOX_NOT_READY_MS	1000
#define OUTBOX_ID_MAX		64

static const char outbox_invalid[] = "{\"error\":\"Invalid Oracle answer\"}";

/* A report waiting for the delivery loop to reach its entry. */
struct outbox_waiter {
	TAILQ_ENTRY(outbox_waiter)	 entry;
	char				 id[OUTBOX_ID_MAX];
	struct event			*timer;
	outbox_done_cb			 done;
	void				*arg;
};

/* A report being written to the list (or sent without it). */
struct outbox_submit {
	char			 id[OUTBOX_ID_MAX];
	char			*entry;
	char			*body;
	struct batch		*b;
	outbox_done_cb		 done;
	void			*arg;
};

static struct {
	struct event_base		*base;
	struct event			*retry;
	struct batch			*b;
	TAILQ_HEAD(, outbox_waiter)	 waiters;
	int				 running;	/* a step in flight */
	int				 woken;		/* by a new report */
	unsigned int			 failures;
	uint64_t			 seq;
	char				*entry;		/* head being sent */
	char				 id[OUTBOX_ID_MAX];
	uint8_t				 oracle;	/* its answer */
	uint32_t			 status;
	char				*answer;
	size_t				 answer_len;
	long long			 depth;
} ob;

static void	outbox_run(int);

static void
outbox_depth(long long depth)
{
	ob.depth = depth < 0 ? 0 : depth;
	stats_gauge_set(STATS_GAUGE_OUTBOX_DEPTH, (uint64_t)ob.depth);
}

static void
outbox_waiter_free(struct outbox_waiter *w)
{
	TAILQ_REMOVE(&ob.waiters, w, entry);
	event_free(w->timer);
	free(w);
}

static void
outbox_waiter_timeout(evutil_socket_t fd, short events, void *arg)
{
	struct outbox_waiter	*w = arg;
	outbox_done_cb		 done = w->done;
	void			*warg = w->arg;

	(void)fd;
	(void)events;
	outbox_waiter_free(w);
	done(PROTO_REPORT_ORACLE_QUEUED, 0, "", 0, warg);
}

/* Answers the report whose entry is id, if it still waits. */
static void
outbox_notify(const char *id, uint8_t oracle, uint32_t status,
    const void *body, size_t len)
{
	struct outbox_waiter	*w;
	outbox_done_cb		 done;
	void			*warg;

	TAILQ_FOREACH(w, &ob.waiters, entry)
		if (strcmp(w->id, id) == 0)
			break;
	if (w == NULL)
		return;
	done = w->done;
	warg = w->arg;
	outbox_waiter_free(w);
	done(oracle, status, body, len, warg);
}

static void
outbox_notify_all_queued(void)
{
	struct outbox_waiter	*w;

	while ((w = TAILQ_FIRST(&ob.waiters)) != NULL)
		outbox_notify(w->id, PROTO_REPORT_ORACLE_QUEUED, 0, "", 0);
}

static void
outbox_schedule(long ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ob.retry, &tv);
}

static void
outbox_clear_head(void)
{
	free(ob.entry);
	free(ob.answer);
	ob.entry = ob.answer = NULL;
	ob.answer_len = 0;
	ob.id[0] = '\0';
}

/* The head stays queued: wait, doubling up to 5 min, drawn in [half, full]. */
static void
outbox_retry_later(const char *why)
{
	char		 depth[24], wait[24];
	long		 ms = OUTBOX_BACKOFF_MIN_MS;
	unsigned int	 i;

	/* Only attempts the timer made count: a new report is no news. */
	if (!ob.woken || ob.failures == 0)
		ob.failures++;
	for (i = 1; i < ob.failures && ms < OUTBOX_BACKOFF_MAX_MS; i++)
		ms *= 2;
	if (ms > OUTBOX_BACKOFF_MAX_MS)
		ms = OUTBOX_BACKOFF_MAX_MS;
	ms = ms / 2 + (long)(learner_random() % (unsigned long)(ms / 2 + 1));
	ob.running = 0;
	outbox_clear_head();
	outbox_notify_all_queued();
	snprintf(depth, sizeof(depth), "%lld", ob.depth);
	snprintf(wait, sizeof(wait), "%ld", ms);
	log_kv(LOG_WARNING, "Oracle report failed, kept in the outbox",
	    "reason", why, "queued", depth, "retry_ms", wait, NULL);
	outbox_schedule(ms);
}

static void
outbox_step_done(struct batch *b, void *arg);

static void
outbox_removed(struct batch *b)
{
	const struct batch_slot	*s = batch_slot(b, 0);
	char			 id[OUTBOX_ID_MAX];
	uint8_t			 oracle = ob.oracle;
	uint32_t		 status = ob.status;
	char			*answer = ob.answer;
	size_t			 len = ob.answer_len;
	int			 failed = s->type != BATCH_INTEGER;

	memcpy(id, ob.id, sizeof(id));
	ob.answer = NULL;
	batch_reset(b);
	if (!failed)
		outbox_depth(ob.depth - 1);
	outbox_notify(id, oracle, status, answer != NULL ? answer : "", len);
	free(answer);
	if (failed) {
		/* Delivered but still listed: it will go out once more. */
		outbox_retry_later("cannot remove a delivered entry");
		return;
	}
	if (ob.failures > 0)
		log_kv(LOG_INFO, "Oracle reachable again, delivering the "
		    "report outbox", NULL);
	ob.failures = 0;
	ob.running = 0;
	outbox_clear_head();
	outbox_run(0);
}

/* Definitive: drop the entry, then tell its report what the Oracle said. */
static void
outbox_remove_head(uint8_t oracle, uint32_t status, const void *body,
    size_t len)
{
	ob.oracle = oracle;
	ob.status = status;
	if (len > 0 && (ob.answer = malloc(len)) != NULL) {
		memcpy(ob.answer, body, len);
		ob.answer_len = len;
	}
	batch_cmd(ob.b, "LREM %s 1 %s", OUTBOX_KEY, ob.entry);
	batch_run(ob.b);
}

static void
outbox_answer(uint8_t outcome, uint32_t status, const void *body, size_t len,
    void *arg)
{
	char	why[64], code[16];
	int	definitive = status >= 100 && status < 500 && status != 429;

	(void)arg;
	snprintf(code, sizeof(code), "%u", status);
	if (outcome == PROTO_ORACLE_OK && definitive) {
		log_kv(LOG_INFO, "Oracle report delivered", "id", ob.id,
		    "status", code, NULL);
		outbox_remove_head(PROTO_REPORT_ORACLE_RELAYED, status, body,
		    len);
	} else if (outcome == PROTO_ORACLE_INVALID) {
		/*
		 * The proxy checks nothing in a report answer but its size
		 * (and our bodies are always valid): the Oracle answered,
		 * too much to relay, so the report arrived.
		 */
		log_kv(LOG_WARNING, "Oracle report delivered, answer invalid",
		    "id", ob.id, "status", code, NULL);
		outbox_remove_head(PROTO_REPORT_ORACLE_RELAYED, 502,
		    outbox_invalid, sizeof(outbox_invalid) - 1);
	} else {
		/* 5xx, 429 or no answer at all: the report waits. */
		snprintf(why, sizeof(why), "%s, status %u",
		    outcome == PROTO_ORACLE_OK ? "answered" : "unavailable",
		    status);
		outbox_retry_later(why);
	}
}

/* {"id":…,"body":{…}}: the body to send, or NULL if the entry is bad. */
static char *
outbox_parse_entry(const char *entry, size_t len)
{
	json_t	*root, *id, *body;
	char	*out = NULL;

	if ((root = json_loadb(entry, len, JSON_REJECT_DUPLICATES,
	    NULL)) == NULL)
		return NULL;
	id = json_object_get(root, "id");
	body = json_object_get(root, "body");
	if (json_is_string(id) && json_string_length(id) > 0 &&
	    json_string_length(id) < OUTBOX_ID_MAX && json_is_object(body)) {
		snprintf(ob.id, sizeof(ob.id), "%s", json_string_value(id));
		out = json_dumps(body, JSON_COMPACT);
	}
	json_decref(root);
	return out;
}

static void
outbox_head(struct batch *b)
{
	const struct batch_slot	*n = batch_slot(b, 0), *head = batch_slot(b, 1);
	char			*body;
	int			 rc;

	if (n->type != BATCH_INTEGER || (head->type != BATCH_STRING &&
	    head->type != BATCH_NIL)) {
		batch_reset(b);
		outbox_retry_later("redis unavailable");
		return;
	}
	outbox_depth(n->integer);
	if (head->type == BATCH_NIL) {
		batch_reset(b);
		ob.running = 0;
		return;
	}
	if ((ob.entry = strdup(head->str)) == NULL ||
	    strlen(head->str) != head->len || head->truncated) {
		batch_reset(b);
		outbox_retry_later("cannot read the head entry");
		return;
	}
	body = outbox_parse_entry(head->str, head->len);
	batch_reset(b);
	if (body == NULL) {
		log_kv(LOG_WARNING, "Malformed report outbox entry dropped",
		    NULL);
		ob.id[0] = '\0';
		outbox_remove_head(PROTO_REPORT_ORACLE_UNREACHABLE, 0, "", 0);
		return;
	}
	rc = oracle_link_ask(PROTO_ORACLE_REPORT, body, strlen(body),
	    PROTO_REPORT_BODY_MAX, outbox_answer, NULL);
	free(body);
	if (rc == -1)
		outbox_retry_later("no oracle-proxy");
}

static void
outbox_step_done(struct batch *b, void *arg)
{
	(void)arg;
	if (ob.entry == NULL)
		outbox_head(b);
	else
		outbox_removed(b);
}

/*
 * Sends the head of the list unless a step is already in flight; woken
 * says a new report rather than the retry timer asks.
 */
static void
outbox_run(int woken)
{
	if (ob.running)
		return;
	ob.woken = woken;
	evtimer_del(ob.retry);
	if (!store_ready()) {
		outbox_schedule(OUTBOX_NOT_READY_MS);
		return;
	}
	ob.running = 1;
	batch_cmd(ob.b, "LLEN %s", OUTBOX_KEY);
	batch_cmd(ob.b, "LINDEX %s 0", OUTBOX_KEY);
	batch_run(ob.b);
}

static void
outbox_retry_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	outbox_run(0);
}

static void
outbox_submit_free(struct outbox_submit *sb)
{
	batch_free(sb->b);
	free(sb->entry);
	free(sb->body);
	free(sb);
}

/* Without a copy in Redis: one attempt, the answer relayed as upstream. */
static void
outbox_direct_answer(uint8_t outcome, uint32_t status, const void *body,
    size_t len, void *arg)
{
	struct outbox_submit	*sb = arg;

	if (outcome == PROTO_ORACLE_OK && status >= 100 && status <= 599)
		sb->done(PROTO_REPORT_ORACLE_RELAYED, status, body, len,
		    sb->arg);
	else if (outcome == PROTO_ORACLE_INVALID)
		sb->done(PROTO_REPORT_ORACLE_RELAYED, 502, outbox_invalid,
		    sizeof(outbox_invalid) - 1, sb->arg);
	else {
		log_kv(LOG_WARNING, "Oracle report failed", "id", sb->id,
		    NULL);
		sb->done(PROTO_REPORT_ORACLE_UNREACHABLE, 0, "", 0, sb->arg);
	}
	outbox_submit_free(sb);
}

static void
outbox_direct(struct outbox_submit *sb)
{
	if (oracle_link_ask(PROTO_ORACLE_REPORT, sb->body, strlen(sb->body),
	    PROTO_REPORT_BODY_MAX, outbox_direct_answer, sb) == -1)
		outbox_direct_answer(PROTO_ORACLE_UNAVAILABLE, 0, "", 0, sb);
}

static void
outbox_pushed(struct batch *b, void *arg)
{
	struct outbox_submit	*sb = arg;
	const struct batch_slot	*s = batch_slot(b, 0);
	struct outbox_waiter	*w;
	struct timeval		 tv = { OUTBOX_WAIT_S, 0 };

	if (s->type != BATCH_INTEGER) {
		log_kv(LOG_WARNING, "Cannot write the report outbox, sending "
		    "without a copy", "id", sb->id, "reason",
		    batch_error_text(b), NULL);
		outbox_direct(sb);
		return;
	}
	outbox_depth(s->integer);
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->timer = evtimer_new(ob.base, outbox_waiter_timeout,
	    w)) == NULL) {
		free(w);
		sb->done(PROTO_REPORT_ORACLE_QUEUED, 0, "", 0, sb->arg);
	} else {
		memcpy(w->id, sb->id, sizeof(w->id));
		w->done = sb->done;
		w->arg = sb->arg;
		evtimer_add(w->timer, &tv);
		TAILQ_INSERT_TAIL(&ob.waiters, w, entry);
	}
	outbox_submit_free(sb);
	outbox_run(1);
}

void
outbox_submit(const char *request_id, const char *body, outbox_done_cb done,
    void *arg)
{
	const struct guardian_config	*cfg = learner_config();
	struct outbox_submit		*sb;
	json_t				*entry, *obj;

	if ((sb = calloc(1, sizeof(*sb))) == NULL ||
	    (sb->body = strdup(body)) == NULL) {
		free(sb);
		done(PROTO_REPORT_ORACLE_UNREACHABLE, 0, "", 0, arg);
		return;
	}
	sb->done = done;
	sb->arg = arg;
	/* Unique even for one request id retried by a client. */
	snprintf(sb->id, sizeof(sb->id), "%.32s-%" PRIu64 "-%lld", request_id,
	    ++ob.seq, (long long)time(NULL));
	if (cfg->report_outbox_max == 0) {
		outbox_direct(sb);
		return;
	}
	obj = json_loads(body, JSON_REJECT_DUPLICATES, NULL);
	entry = json_object() ;
	if (obj != NULL && entry != NULL &&
	    json_object_set_new(entry, "id", json_string(sb->id)) == 0 &&
	    json_object_set_new(entry, "request_id",
	    json_string(request_id)) == 0 &&
	    json_object_set_new(entry, "queued_at",
	    json_integer((json_int_t)time(NULL))) == 0 &&
	    json_object_set(entry, "body", obj) == 0)
		sb->entry = json_dumps(entry, JSON_COMPACT);
	json_decref(obj);
	json_decref(entry);
	if (sb->entry == NULL ||
	    (sb->b = batch_new(outbox_pushed, sb)) == NULL) {
		outbox_direct(sb);
		return;
	}
	batch_cmd(sb->b, "RPUSH %s %s", OUTBOX_KEY, sb->entry);
	batch_run(sb->b);
}

void
outbox_start(struct event_base *base)
{
	ob.base = base;
	TAILQ_INIT(&ob.waiters);
	if ((ob.retry = evtimer_new(base, outbox_retry_cb, NULL)) == NULL ||
	    (ob.b = batch_new(outbox_step_done, NULL)) == NULL)
		fatalx("%s: out of memory", __func__);
	outbox_schedule(0);
}
