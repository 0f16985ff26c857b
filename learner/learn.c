/*
 * One report, in four pipelined round trips:
 *   1. EXISTS mi:rpt:<h>:<type>, GET mi:msgid:<h> and LLEN of the outbox
 *      (a full outbox refuses the report before anything is applied);
 *   2. EXISTS of the 20 lg_f: band keys of every stored digest;
 *   3. SMEMBERS of the existing keys of digests with >= 4 of them;
 *   4. the writes, in upstream's order, then SET mi:rpt:... NX EX 86400.
 * Upstream handles the digests one after the other, so a medoid learned
 * from the first digest can be the cluster of the second; the same
 * effect is computed here in memory (the medoids this report adds count
 * as members of their band keys for the following digests).
 *
 * TTL rule: a report refreshes the target medoid's 20 band keys and its
 * score together (upstream refreshes the bands only on spam).
 *
 * Then, unless upstream would skip it (spam known locally), the report
 * goes to the Oracle through the outbox (outbox.h) and the worker gets
 * the answer once the outbox knows what became of it.
 */
#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/config.h"
#include "common/stats.h"
#include "log.h"
#include "lsh.h"
#include "master/proto.h"
#include "master/proto_analyze.h"
#include "batch.h"
#include "decide.h"
#include "learn.h"
#include "learner.h"
#include "outbox.h"
#include "refresh.h"
#include "store.h"

#define LEARN_DEDUP_TTL		86400
#define LEARN_NONE		((size_t)-1)

struct learn_digest {
	char			 digest[TLSH_STRING_SIZE];
	struct tlsh_digest	 parsed;
	char			 bands[LSH_BANDS][LSH_BAND_SIZE];
	size_t			 exists_slot;
	unsigned char		 exists[LSH_BANDS];
	size_t			 members_slot[LSH_BANDS];
	const char		*target;
	int			 matched;
	size_t			 score_slot;
};

struct learn {
	TAILQ_ENTRY(learn)		 entry;
	struct learner_req		*req;
	struct proto_report_request	 q;
	int				 active;
	struct batch			*b[4];
	struct learn_digest		*d;
	size_t				 n;
	size_t				 dedup_slot;
	int				 known_locally;
};

static TAILQ_HEAD(, learn)	learn_jobs = TAILQ_HEAD_INITIALIZER(learn_jobs);

static void	learn_stage1(struct batch *, void *);
static void	learn_stage2(struct batch *, void *);
static void	learn_stage3(struct batch *, void *);
static void	learn_stage4(struct batch *, void *);

static const char *
learn_type(const struct learn *ln)
{
	return ln->q.type == PROTO_REPORT_SPAM ? "spam" : "ham";
}

static int
learn_same(const struct learn *a, const struct learn *b)
{
	return a->q.type == b->q.type &&
	    strcmp(a->q.msgid_hash, b->q.msgid_hash) == 0;
}

static void
learn_run(struct learn *ln)
{
	ln->active = 1;
	batch_cmd(ln->b[0], "EXISTS mi:rpt:%s:%s", ln->q.msgid_hash,
	    learn_type(ln));
	batch_cmd(ln->b[0], "GET mi:msgid:%s", ln->q.msgid_hash);
	batch_cmd(ln->b[0], "LLEN %s", OUTBOX_KEY);
	batch_run(ln->b[0]);
}

static void
learn_reply(struct learner_req *req, enum proto_report_result result,
    int known_locally, uint8_t oracle, uint32_t status, const void *body,
    size_t len)
{
	struct proto_report_reply	 a;
	struct msg			 m;

	memset(&a, 0, sizeof(a));
	a.result = (uint8_t)result;
	a.known_locally = (uint8_t)known_locally;
	a.oracle = oracle;
	a.status = status;
	a.body = (void *)(uintptr_t)body;
	a.len = len;
	msg_init(&m);
	if (proto_report_reply_encode(&m, &a) == -1)
		log_warnx("%s: cannot encode the reply", __func__);
	else
		learner_req_reply(req, PROTO_REPORT_REPLY, &m);
	msg_free(&m);
}

/* The outbox's word on an applied report: answer the worker. */
static void
learn_forwarded(uint8_t oracle, uint32_t status, const void *body,
    size_t len, void *arg)
{
	struct learner_req	*req = arg;

	learn_reply(req, PROTO_REPORT_APPLIED, 0, oracle, status, body, len);
	learner_req_done(req);
}

/* Upstream's /report body: {"node_id","signatures":[...],"report_type"}. */
static char *
learn_oracle_body(const struct learn *ln)
{
	json_t	*root, *sigs;
	char	*out = NULL;
	size_t	 i;

	root = json_object();
	sigs = json_array();
	if (root == NULL || sigs == NULL)
		goto done;
	for (i = 0; i < ln->n; i++)
		if (json_array_append_new(sigs,
		    json_string(ln->d[i].digest)) == -1)
			goto done;
	if (json_object_set_new(root, "node_id",
	    json_string(store_node_id())) == 0 &&
	    json_object_set(root, "signatures", sigs) == 0 &&
	    json_object_set_new(root, "report_type",
	    json_string(learn_type(ln))) == 0)
		out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
 done:
	json_decref(sigs);
	json_decref(root);
	return out;
}

/*
 * Answers the worker, or for an applied report that upstream would
 * forward hands the request to the outbox, which answers once the
 * Oracle's fate of the report is known.
 */
static void
learn_finish(struct learn *ln, enum proto_report_result result)
{
	const struct guardian_config	*cfg = learner_config();
	struct learner_req		*req = ln->req;
	struct learn			*next;
	char				*body = NULL;
	size_t				 i;
	uint8_t				 oracle = PROTO_REPORT_ORACLE_NONE;

	if (result == PROTO_REPORT_APPLIED) {
		if (ln->q.type == PROTO_REPORT_SPAM && ln->known_locally) {
			log_kv(LOG_INFO, "Skip Oracle report (Already known)",
			    "request_id", ln->q.request_id, "message_id_hash",
			    ln->q.msgid_hash, NULL);
			oracle = PROTO_REPORT_ORACLE_SKIPPED;
		} else if (!cfg->oracle_enabled)
			oracle = PROTO_REPORT_ORACLE_DISABLED;
		else if ((body = learn_oracle_body(ln)) == NULL)
			oracle = PROTO_REPORT_ORACLE_UNREACHABLE;
	}
	if (body != NULL) {
		outbox_submit(ln->q.request_id, body, learn_forwarded, req);
		free(body);
	} else {
		learn_reply(req, result, ln->known_locally, oracle, 0, "", 0);
		learner_req_done(req);
	}

	TAILQ_REMOVE(&learn_jobs, ln, entry);
	TAILQ_FOREACH(next, &learn_jobs, entry)
		if (!next->active && learn_same(next, ln))
			break;
	for (i = 0; i < 4; i++)
		batch_free(ln->b[i]);
	free(ln->d);
	free(ln);
	if (next != NULL)
		learn_run(next);
}

int
learn_start(struct learner_req *req, struct msg_reader *r)
{
	struct learn	*ln, *other;
	size_t		 i;

	if ((ln = calloc(1, sizeof(*ln))) == NULL) {
		log_warn("%s: calloc", __func__);
		return -1;
	}
	if (proto_report_request_decode(r, &ln->q) == -1) {
		free(ln);
		return -1;
	}
	ln->req = req;
	for (i = 0; i < 4; i++)
		if ((ln->b[i] = batch_new(i == 0 ? learn_stage1 : i == 1 ?
		    learn_stage2 : i == 2 ? learn_stage3 : learn_stage4,
		    ln)) == NULL) {
			log_warn("%s: out of memory", __func__);
			while (i-- > 0)
				batch_free(ln->b[i]);
			free(ln);
			return -1;
		}
	log_kv(LOG_INFO, "Processing report", "request_id", ln->q.request_id,
	    "type", learn_type(ln), "message_id_hash", ln->q.msgid_hash,
	    NULL);
	TAILQ_FOREACH(other, &learn_jobs, entry)
		if (learn_same(other, ln))
			break;
	TAILQ_INSERT_TAIL(&learn_jobs, ln, entry);
	if (other == NULL)
		learn_run(ln);
	return 0;
}

static int
learn_redis_failed(struct learn *ln, struct batch *b, const char *stage)
{
	if (batch_errors(b) == 0)
		return 0;
	stats_add(STATS_REDIS_ERRORS, 1);
	log_warnx("learn_%s: report %s: %zu redis command(s) failed: %s",
	    stage, ln->q.request_id, batch_errors(b), batch_error_text(b));
	learn_finish(ln, PROTO_REPORT_REDIS_ERROR);
	return 1;
}

/* {"hashes":[...]|null,"timestamp":N}; digests that do not parse are skipped. */
static int
learn_parse_scan(struct learn *ln, const char *s, size_t len)
{
	json_t	*root, *hashes, *h;
	size_t	 i, n;

	if ((root = json_loadb(s, len, 0, NULL)) == NULL)
		return -1;
	hashes = json_object_get(root, "hashes");
	n = json_is_array(hashes) ? json_array_size(hashes) : 0;
	if (n > PROTO_ANALYZE_MAX_DIGESTS)
		n = PROTO_ANALYZE_MAX_DIGESTS;
	if (n > 0 && (ln->d = calloc(n, sizeof(*ln->d))) == NULL) {
		json_decref(root);
		return -1;
	}
	for (i = 0; i < n; i++) {
		h = json_array_get(hashes, i);
		if (!json_is_string(h) ||
		    !proto_digest_valid(json_string_value(h))) {
			log_warnx("%s: mi:msgid:%s holds an invalid digest",
			    __func__, ln->q.msgid_hash);
			continue;
		}
		snprintf(ln->d[ln->n].digest, TLSH_STRING_SIZE, "%s",
		    json_string_value(h));
		ln->n++;
	}
	json_decref(root);
	return 0;
}

static void
learn_stage1(struct batch *b, void *arg)
{
	struct learn			*ln = arg;
	const struct guardian_config	*cfg = learner_config();
	const struct batch_slot		*dup, *scan, *outbox;
	struct learn_digest		*d;
	size_t				 i, j;

	if (learn_redis_failed(ln, b, "stage1"))
		return;
	dup = batch_slot(b, 0);
	scan = batch_slot(b, 1);
	outbox = batch_slot(b, 2);
	/* Full: refused before anything is applied, so a retry can work. */
	if (cfg->oracle_enabled && cfg->report_outbox_max > 0 &&
	    outbox->integer >= cfg->report_outbox_max) {
		log_kv(LOG_WARNING, "Report refused: outbox full", "request_id",
		    ln->q.request_id, "message_id_hash", ln->q.msgid_hash,
		    NULL);
		learn_finish(ln, PROTO_REPORT_OUTBOX_FULL);
		return;
	}
	if (dup->type == BATCH_INTEGER && dup->integer > 0) {
		log_kv(LOG_WARNING, "Duplicate report ignored", "request_id",
		    ln->q.request_id, "type", learn_type(ln),
		    "message_id_hash", ln->q.msgid_hash, NULL);
		stats_add(STATS_REPORTS_DUPLICATE, 1);
		learn_finish(ln, PROTO_REPORT_DUPLICATE);
		return;
	}
	if (scan->type != BATCH_STRING) {
		learn_finish(ln, PROTO_REPORT_NOT_FOUND);
		return;
	}
	if (learn_parse_scan(ln, scan->str, scan->len) == -1)
		log_warnx("%s: mi:msgid:%s is not a scan record", __func__,
		    ln->q.msgid_hash);
	if (ln->n == 0) {
		learn_finish(ln, PROTO_REPORT_NO_HASHES);
		return;
	}
	for (i = 0; i < ln->n; i++) {
		d = &ln->d[i];
		tlsh_parse(d->digest, &d->parsed);
		lsh_bands(d->digest, d->bands);
		for (j = 0; j < LSH_BANDS; j++) {
			size_t	s = batch_cmd(ln->b[1], "EXISTS lg_f:%s",
			    d->bands[j]);

			if (j == 0)
				d->exists_slot = s;
		}
	}
	batch_run(ln->b[1]);
}

static void
learn_stage2(struct batch *b, void *arg)
{
	struct learn		*ln = arg;
	struct learn_digest	*d;
	const struct batch_slot	*s;
	size_t			 i, j;

	if (learn_redis_failed(ln, b, "stage2"))
		return;
	for (i = 0; i < ln->n; i++) {
		d = &ln->d[i];
		for (j = 0; j < LSH_BANDS; j++) {
			s = batch_slot(b, d->exists_slot + j);
			d->exists[j] = s->type == BATCH_INTEGER &&
			    s->integer > 0;
			d->members_slot[j] = LEARN_NONE;
		}
		/*
		 * Fewer than 4 now may still reach 4 with the medoids this
		 * report adds: fetch every existing key then.
		 */
		for (j = 0; j < LSH_BANDS; j++)
			if (d->exists[j])
				d->members_slot[j] = batch_cmd(ln->b[2],
				    "SMEMBERS lg_f:%s", d->bands[j]);
	}
	batch_run(ln->b[2]);
}

/* 1 if band (e.g. "3:ABCDEF") is one of the digest's bands. */
static int
learn_has_band(const char *digest, const char *band)
{
	char	bands[LSH_BANDS][LSH_BAND_SIZE];
	size_t	j, n = lsh_bands(digest, bands);

	for (j = 0; j < n; j++)
		if (strcmp(bands[j], band) == 0)
			return 1;
	return 0;
}

static void
learn_consider(struct learn_digest *d, const char *cand, int *best,
    const char **best_hash)
{
	struct tlsh_digest	t;
	int			dist;

	if (!proto_digest_valid(cand) || tlsh_parse(cand, &t) == -1)
		return;
	dist = tlsh_distance(&d->parsed, &t, 1);
	if (dist < *best || (dist == *best && *best_hash != NULL &&
	    strcmp(cand, *best_hash) < 0)) {
		*best = dist;
		*best_hash = cand;
	}
}

/* Upstream's clustering: the closest member within 70 is the target. */
static void
learn_cluster(struct learn *ln, size_t i, struct batch *members)
{
	struct learn_digest	*d = &ln->d[i];
	const struct batch_slot	*s;
	const char		*best_hash = NULL;
	unsigned int		 count = 0;
	size_t			 j, k, m;
	int			 best = 9999, present;

	for (j = 0; j < LSH_BANDS; j++) {
		present = d->exists[j];
		for (k = 0; k < i && !present; k++)
			if (ln->q.type == PROTO_REPORT_SPAM &&
			    learn_has_band(ln->d[k].target, d->bands[j]))
				present = 1;
		count += present;
	}
	if (count >= DECIDE_MIN_BANDS)
		for (j = 0; j < LSH_BANDS; j++) {
			if (d->members_slot[j] != LEARN_NONE) {
				s = batch_slot(members, d->members_slot[j]);
				for (m = 0; s->type == BATCH_ARRAY &&
				    m < s->nelems; m++)
					learn_consider(d, s->elems[m], &best,
					    &best_hash);
			}
			for (k = 0; k < i; k++)
				if (ln->q.type == PROTO_REPORT_SPAM &&
				    learn_has_band(ln->d[k].target,
				    d->bands[j]))
					learn_consider(d, ln->d[k].target,
					    &best, &best_hash);
		}
	d->matched = best_hash != NULL && best <= DECIDE_MAX_DISTANCE;
	d->target = d->matched ? best_hash : d->digest;
}

static void
learn_stage3(struct batch *b, void *arg)
{
	struct learn			*ln = arg;
	const struct guardian_config	*cfg = learner_config();
	struct learn_digest		*d;
	char				 bands[LSH_BANDS][LSH_BAND_SIZE];
	long long			 ttl;
	size_t				 i, j, nb;

	if (learn_redis_failed(ln, b, "stage3"))
		return;
	refresh_clear();	/* TTLs below change: /analyze refreshes anew */
	ttl = (long long)cfg->retention_days * 86400;
	for (i = 0; i < ln->n; i++) {
		d = &ln->d[i];
		d->score_slot = LEARN_NONE;
		learn_cluster(ln, i, b);
		if (ln->q.type == PROTO_REPORT_HAM && !d->matched)
			continue;	/* no local effect, as upstream */
		if (ln->q.type == PROTO_REPORT_SPAM) {
			if (d->matched)
				ln->known_locally = 1;
			d->score_slot = batch_cmd(ln->b[3],
			    "INCRBY lg_s:%s %lld", d->target,
			    (long long)cfg->spam_weight);
		} else
			d->score_slot = batch_cmd(ln->b[3],
			    "DECRBY lg_s:%s %lld", d->target,
			    (long long)cfg->ham_weight);
		nb = lsh_bands(d->target, bands);
		for (j = 0; j < nb; j++) {
			if (ln->q.type == PROTO_REPORT_SPAM)
				batch_cmd(ln->b[3], "SADD lg_f:%s %s",
				    bands[j], d->target);
			batch_cmd(ln->b[3], "EXPIRE lg_f:%s %lld", bands[j],
			    ttl);
		}
		batch_cmd(ln->b[3], "EXPIRE lg_s:%s %lld", d->target, ttl);
	}
	ln->dedup_slot = batch_cmd(ln->b[3], "SET mi:rpt:%s:%s 1 NX EX %d",
	    ln->q.msgid_hash, learn_type(ln), LEARN_DEDUP_TTL);
	batch_run(ln->b[3]);
}

static void
learn_stage4(struct batch *b, void *arg)
{
	struct learn		*ln = arg;
	struct learn_digest	*d;
	const struct batch_slot	*s;
	char			 score[24];
	size_t			 i;

	if (learn_redis_failed(ln, b, "stage4"))
		return;
	for (i = 0; i < ln->n; i++) {
		d = &ln->d[i];
		if (d->score_slot == LEARN_NONE)
			continue;
		s = batch_slot(b, d->score_slot);
		snprintf(score, sizeof(score), "%lld", s->integer);
		log_kv(LOG_INFO, ln->q.type == PROTO_REPORT_SPAM ?
		    "Learned spam hash" : "Ham report", "request_id",
		    ln->q.request_id, "hash", d->target, "score", score,
		    "digest", d->digest, "clustered", d->matched ? "true" :
		    "false", NULL);
	}
	if (batch_slot(b, ln->dedup_slot)->type != BATCH_STRING)
		log_warnx("%s: report %s was applied meanwhile by another "
		    "node sharing this Redis", __func__, ln->q.request_id);
	stats_add(ln->q.type == PROTO_REPORT_SPAM ? STATS_REPORTS_SPAM :
	    STATS_REPORTS_HAM, 1);
	learn_finish(ln, PROTO_REPORT_APPLIED);
}
