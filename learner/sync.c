/*
 * Sync with the Oracle (see sync.h).  One state machine, one step per
 * callback:
 *
 *   tick -> GET mi_meta:v -> POST /sync -> check the answer whole
 *     -> write the ops in chunks of SYNC_CHUNK commands, in order
 *     -> (reset only) SCAN mi_f:* and DEL the bands the new set lacks
 *     -> SET mi_meta:v new_seq -> next tick
 *
 * Any failure on the way leaves mi_meta:v where it was, so the next sync
 * asks for the same update again; SET and DEL are idempotent, so writes
 * that did happen are harmless to repeat.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <jansson.h>

#include "common/config.h"
#include "log.h"
#include "lsh.h"
#include "master/proto.h"
#include "batch.h"
#include "learner.h"
#include "oracle_link.h"
#include "store.h"
#include "sync.h"

/* The proxy caps a sync answer at 4 MiB. */
#define SYNC_ANSWER_MAX		(4 * 1024 * 1024)
/* 4 MiB of the shortest band strings ("1:ABCDEF",) at most. */
#define SYNC_MAX_BANDS		(SYNC_ANSWER_MAX / 11)
#define SYNC_CHUNK		1000
/* Waiting for Redis and the oracle-proxy channel at start. */
#define SYNC_NOT_READY_MS	1000
#define SYNC_MAX_BACKOFF_SHIFT	3
#define SYNC_VERSION		"0.7.6"

enum sync_step { SYNC_WRITE, SYNC_SCAN_DEL, SYNC_SEQ };

static struct {
	struct event_base	 *base;
	struct event		 *timer;
	int			  busy;
	unsigned int		  failures;
	int			  reset_pending;
	/* The update being applied. */
	int64_t			  old_seq;
	int64_t			  new_seq;
	int			  replace;
	char			(*bands)[LSH_BAND_SIZE];
	uint8_t			 *add;
	size_t			  n, next;
	char			(*keep)[LSH_BAND_SIZE];	/* sorted adds */
	size_t			  nkeep;
	char			  cursor[32];
	size_t			  removed;
	enum sync_step		  step;
	struct batch		 *b;
} sy;

static void	sync_write_next(void);
static void	sync_scan_next(void);

int
sync_band_valid(const char *s)
{
	size_t	i, digits;

	if (s[0] < '1' || s[0] > '9')
		return 0;
	digits = s[1] >= '0' && s[1] <= '9' ? 2 : 1;
	if (digits == 2 && s[0] != '1' && !(s[0] == '2' && s[1] == '0'))
		return 0;
	if (s[digits] != ':')
		return 0;
	for (i = digits + 1; i < digits + 7; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return s[digits + 7] == '\0';
}

static void
sync_clear(void)
{
	free(sy.bands);
	free(sy.add);
	free(sy.keep);
	sy.bands = NULL;
	sy.add = NULL;
	sy.keep = NULL;
	sy.n = sy.next = sy.nkeep = sy.removed = 0;
	sy.replace = 0;
}

static void
sync_schedule(long ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(sy.timer, &tv);
}

/* The interval, with +-1/6 of jitter so nodes do not sync in step. */
static long
sync_interval_ms(unsigned int shift)
{
	long	ms = (long)learner_config()->oracle_sync_interval * 1000;
	long	spread = ms / 3;

	ms <<= shift;
	if (spread > 0)
		ms += (long)(learner_random() % (unsigned long)spread) -
		    spread / 2;
	return ms;
}

static void
sync_done(void)
{
	sy.busy = 0;
	sy.failures = 0;
	sync_clear();
	sync_schedule(sync_interval_ms(0));
}

static void
sync_failed(const char *why)
{
	unsigned int	shift;

	sy.busy = 0;
	sync_clear();
	shift = sy.failures < SYNC_MAX_BACKOFF_SHIFT ? sy.failures :
	    SYNC_MAX_BACKOFF_SHIFT;
	sy.failures++;
	log_kv(LOG_WARNING, "Sync failed", "reason", why, NULL);
	sync_schedule(sync_interval_ms(shift));
}

static int
sync_keep_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/*
 * Reads the ops of an UPDATE_DELTA.  -1 if anything is off: the delta is
 * then not applied at all (a partial delta would leave a mirror that
 * matches no sequence number).
 */
static int
sync_parse_ops(json_t *ops, char *why, size_t whylen)
{
	json_t		*op, *bands, *band, *action;
	const char	*a;
	size_t		 i, j, total = 0, bad = 0;
	int		 add;

	if (ops == NULL || json_is_null(ops))
		return 0;
	if (!json_is_array(ops)) {
		snprintf(why, whylen, "ops is not an array");
		return -1;
	}
	json_array_foreach(ops, i, op) {
		action = json_object_get(op, "action");
		bands = json_object_get(op, "bands");
		a = json_is_string(action) ? json_string_value(action) : "";
		if (!json_is_object(op) || !json_is_array(bands) ||
		    (strcmp(a, "add") != 0 && strcmp(a, "del") != 0)) {
			snprintf(why, whylen, "op %zu is not an add or del "
			    "with a list of bands", i);
			return -1;
		}
		total += json_array_size(bands);
		json_array_foreach(bands, j, band)
			if (!json_is_string(band) ||
			    !sync_band_valid(json_string_value(band)))
				bad++;
	}
	if (bad > 0 || total > SYNC_MAX_BANDS) {
		snprintf(why, whylen, "%zu of %zu bands invalid", bad, total);
		return -1;
	}
	if (total == 0)
		return 0;
	sy.bands = calloc(total, sizeof(*sy.bands));
	sy.add = calloc(total, 1);
	sy.keep = calloc(total, sizeof(*sy.keep));
	if (sy.bands == NULL || sy.add == NULL || sy.keep == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	json_array_foreach(ops, i, op) {
		add = strcmp(json_string_value(json_object_get(op, "action")),
		    "add") == 0;
		bands = json_object_get(op, "bands");
		json_array_foreach(bands, j, band) {
			snprintf(sy.bands[sy.n], LSH_BAND_SIZE, "%s",
			    json_string_value(band));
			sy.add[sy.n] = (uint8_t)add;
			/* What a reset keeps: every band the set adds. */
			if (add)
				memcpy(sy.keep[sy.nkeep++], sy.bands[sy.n],
				    LSH_BAND_SIZE);
			sy.n++;
		}
	}
	qsort(sy.keep, sy.nkeep, sizeof(*sy.keep), sync_keep_cmp);
	return 0;
}

static void
sync_batch_done(struct batch *b, void *arg)
{
	char	why[256], seq[24], ops[24], removed[24];
	int	failed;

	(void)arg;
	if ((failed = batch_errors(b) > 0))
		snprintf(why, sizeof(why), "redis: %s", batch_error_text(b));
	batch_reset(b);
	if (failed) {
		sync_failed(why);
		return;
	}
	switch (sy.step) {
	case SYNC_WRITE:
		sync_write_next();
		break;
	case SYNC_SCAN_DEL:
		sync_scan_next();
		break;
	case SYNC_SEQ:
		snprintf(seq, sizeof(seq), "%lld", (long long)sy.new_seq);
		snprintf(ops, sizeof(ops), "%zu", sy.n);
		snprintf(removed, sizeof(removed), "%zu", sy.removed);
		/* Nothing new every minute is not worth a line. */
		log_kv(sy.n > 0 || sy.replace || sy.new_seq != sy.old_seq ?
		    LOG_INFO : LOG_DEBUG, sy.replace ? "Mirror replaced" :
		    "Sync applied", "new_seq", seq, "band_ops", ops,
		    "stale_removed", removed, NULL);
		if (sy.replace)
			sy.reset_pending = 0;
		sync_done();
		break;
	}
}

static void
sync_set_seq(void)
{
	sy.step = SYNC_SEQ;
	batch_cmd(sy.b, "SET mi_meta:v %lld", (long long)sy.new_seq);
	batch_run(sy.b);
}

static void
sync_write_next(void)
{
	size_t	end;

	if (sy.next == sy.n) {
		if (sy.replace) {
			snprintf(sy.cursor, sizeof(sy.cursor), "0");
			sy.step = SYNC_SCAN_DEL;
			sync_scan_next();
		} else
			sync_set_seq();
		return;
	}
	sy.step = SYNC_WRITE;
	end = sy.n - sy.next > SYNC_CHUNK ? sy.next + SYNC_CHUNK : sy.n;
	for (; sy.next < end; sy.next++) {
		if (sy.add[sy.next])
			batch_cmd(sy.b, "SET mi_f:%s 1", sy.bands[sy.next]);
		else
			batch_cmd(sy.b, "DEL mi_f:%s", sy.bands[sy.next]);
	}
	batch_run(sy.b);
}

static void
sync_scan_reply(redisAsyncContext *ac, void *r, void *privdata)
{
	redisReply	*reply = r, *keys;
	const char	*band;
	size_t		 i;
	int		 more;

	(void)ac;
	(void)privdata;
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY ||
	    reply->elements != 2 ||
	    reply->element[0]->type != REDIS_REPLY_STRING ||
	    reply->element[0]->len >= sizeof(sy.cursor) ||
	    reply->element[1]->type != REDIS_REPLY_ARRAY) {
		sync_failed("SCAN mi_f:* failed");
		return;
	}
	memcpy(sy.cursor, reply->element[0]->str, reply->element[0]->len);
	sy.cursor[reply->element[0]->len] = '\0';
	more = strcmp(sy.cursor, "0") != 0;
	keys = reply->element[1];
	for (i = 0; i < keys->elements; i++) {
		if (keys->element[i]->type != REDIS_REPLY_STRING ||
		    keys->element[i]->len < 5 ||
		    strlen(keys->element[i]->str) != keys->element[i]->len)
			continue;
		band = keys->element[i]->str + 5;
		if (strlen(band) < LSH_BAND_SIZE && sy.nkeep > 0 &&
		    bsearch(band, sy.keep, sy.nkeep, sizeof(*sy.keep),
		    sync_keep_cmp) != NULL)
			continue;
		batch_cmd(sy.b, "DEL %s", keys->element[i]->str);
		sy.removed++;
	}
	if (batch_count(sy.b) > 0) {
		/* sync_batch_done comes back here while more != 0. */
		if (!more) {
			sy.step = SYNC_SEQ;
			batch_cmd(sy.b, "SET mi_meta:v %lld",
			    (long long)sy.new_seq);
		}
		batch_run(sy.b);
	} else if (more)
		sync_scan_next();
	else
		sync_set_seq();
}

static void
sync_scan_next(void)
{
	redisAsyncContext	*ac;

	if ((ac = store_async()) == NULL ||
	    redisAsyncCommand(ac, sync_scan_reply, NULL,
	    "SCAN %s MATCH mi_f:* COUNT 1000", sy.cursor) != REDIS_OK)
		sync_failed("SCAN mi_f:* failed");
}

static void
sync_answer(uint8_t outcome, uint32_t status, const void *body, size_t len,
    void *arg)
{
	json_t		*root, *seq, *action;
	const char	*a;
	char		 why[256];

	(void)arg;
	if (outcome != PROTO_ORACLE_OK) {
		snprintf(why, sizeof(why), "%s (status %u)",
		    outcome == PROTO_ORACLE_UNAVAILABLE ? "Oracle unavailable" :
		    "invalid answer", status);
		sync_failed(why);
		return;
	}
	if (status == 304) {
		log_debug("sync: not modified");
		sync_done();
		return;
	}
	if (status != 200 || (root = json_loadb(body, len,
	    JSON_REJECT_DUPLICATES, NULL)) == NULL) {
		snprintf(why, sizeof(why), "status %u or invalid JSON",
		    status);
		sync_failed(why);
		return;
	}
	seq = json_object_get(root, "new_seq");
	action = json_object_get(root, "action");
	a = json_is_string(action) ? json_string_value(action) : "";
	if (!json_is_integer(seq) || json_integer_value(seq) < 0) {
		json_decref(root);
		sync_failed("new_seq is not an integer >= 0");
		return;
	}
	sy.new_seq = json_integer_value(seq);
	if (strcmp(a, "RESET_DB") == 0) {
		json_decref(root);
		if (sy.reset_pending) {
			sync_failed("RESET_DB in answer to a full sync");
			return;
		}
		log_kv(LOG_INFO, "Oracle asked for a reset: fetching the full "
		    "set, the current mirror stays in use", NULL);
		sy.reset_pending = 1;
		sy.busy = 0;
		sync_schedule(0);
		return;
	}
	if (strcmp(a, "UPDATE_DELTA") != 0) {
		/* Upstream ignores what it does not know, new_seq included. */
		snprintf(why, sizeof(why), "%.64s", a);
		log_kv(LOG_INFO, "Sync action ignored", "action", why, NULL);
		json_decref(root);
		sync_done();
		return;
	}
	if (sync_parse_ops(json_object_get(root, "ops"), why,
	    sizeof(why)) == -1) {
		json_decref(root);
		sync_failed(why);
		return;
	}
	json_decref(root);
	sy.replace = sy.reset_pending;
	sync_write_next();
}

static void
sync_have_seq(int ok, int64_t seq, const char *node_id, void *arg)
{
	json_t	*req;
	char	*body;
	int	 rc = -1;

	(void)arg;
	if (!ok) {
		sync_failed("cannot read mi_meta:v");
		return;
	}
	sy.old_seq = seq;
	if (sy.reset_pending || seq < 0)
		seq = 0;
	req = json_pack("{s:s, s:I, s:s}", "node_id", node_id,
	    "current_seq", (json_int_t)seq, "version", SYNC_VERSION);
	body = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL;
	if (body != NULL)
		rc = oracle_link_ask(PROTO_ORACLE_SYNC, body, strlen(body),
		    SYNC_ANSWER_MAX, sync_answer, NULL);
	free(body);
	json_decref(req);
	if (rc == -1)
		sync_failed("cannot reach the oracle-proxy");
}

static void
sync_tick(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	if (sy.busy)
		return;
	if (!store_ready() || !oracle_link_up()) {
		sync_schedule(SYNC_NOT_READY_MS);
		return;
	}
	sy.busy = 1;
	store_status(sync_have_seq, NULL);
}

void
sync_start(struct event_base *base)
{
	sy.base = base;
	if ((sy.timer = evtimer_new(base, sync_tick, NULL)) == NULL ||
	    (sy.b = batch_new(sync_batch_done, NULL)) == NULL)
		fatalx("%s: out of memory", __func__);
	sync_schedule(0);
}
