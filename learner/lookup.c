/*
 * One /analyze message, in two pipelined round trips:
 *
 *   1. the scan record SET (first request of a message only) and, for
 *      every digest, GET mi:oracle_cache:<d>, one multi-key EXISTS of its
 *      20 oc_f:, of its 20 lg_f: and of its 20 mi_f: band keys (the 20
 *      keys are distinct, so the answer is the number that exist, which
 *      is all the decision uses) and one SUNION of its 20 lg_f: keys (a
 *      missing key adds nothing, so this is the union of the existing
 *      sets; for keys that do not exist it costs Redis about what the
 *      EXISTS does).  The members are used only for digests with >= 4
 *      bands in the family, up to the first digest that is certainly
 *      decided, as if they had been asked for after the counts.  The
 *      oc_f: sets live an hour after an Oracle spam verdict and are
 *      almost always absent, so their members are not asked for with
 *      the counts: a digest with >= 4 of them has its sets read one
 *      SMEMBERS at a time in one more round trip, as upstream reads
 *      them, and so does a digest whose SUNION failed (a key of another
 *      type) or brought more members than a reply may hold, so the
 *      answer stays the same;
 *   2. GET lg_s: of the lg_f: members within distance 70.
 *
 * Then decide.c decides in memory and one more pipeline, not waited for
 * (and not sent when nothing is due), applies the TTL refreshes for the
 * digests upstream's sequential loop would have reached.  The scan record
 * is written before the answer, so a /report that follows the answer
 * finds it.
 *
 * TTL rule (docs/redis-schema.md): as upstream, the existing lg_f: keys
 * of a digest with >= 4 of them are refreshed to the retention (an EXPIRE
 * of each of its 20 keys: a missing key is left alone by EXPIRE); in
 * addition the local medoid that explains the verdict (the closest within
 * 70) gets its 20 band keys and its lg_s: score refreshed together, so a
 * medoid in use never keeps its bands while its score expires.  A key is
 * named once per refresh even when several of these share it, and not at
 * all when refresh.c remembers an EXPIRE of it less than a window
 * (retention/1000) ago; the medoid's score decides for its bands.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "common/config.h"
#include "common/stats.h"
#include "log.h"
#include "lsh.h"
#include "master/proto.h"
#include "master/proto_analyze.h"
#include "batch.h"
#include "decide.h"
#include "learner.h"
#include "lookup.h"
#include "refresh.h"
#include "store.h"
#include "verdict.h"

#define LOOKUP_SCAN_TTL		(7 * 24 * 3600)
#define LOOKUP_CACHE_SPAM_TTL	3600
#define LOOKUP_CACHE_OTHER_TTL	300
#define LOOKUP_NONE		((size_t)-1)
/* Candidates considered per digest and namespace. */
#define LOOKUP_MAX_CANDIDATES	BATCH_ARRAY_MAX

enum lookup_ns { NS_OC, NS_LG, NS_MI, NS_COUNT };
static const char *const lookup_prefix[NS_COUNT] = { "oc_f", "lg_f", "mi_f" };

struct lookup_digest {
	const char		*digest;
	struct tlsh_digest	 parsed;
	char			 bands[LSH_BANDS][LSH_BAND_SIZE];
	size_t			 nbands;
	size_t			 cache_slot;
	size_t			 exists_slot[NS_COUNT];
	unsigned int		 count[NS_COUNT];	/* keys that exist */
	size_t			 union_slot[2];
	int			 want[2];	/* the members are used */
	int			 one_by_one[2];	/* no usable SUNION: SMEMBERS */
	size_t			 members_slot[2][LSH_BANDS];
	struct decide_candidate	*cand[2];
	size_t			 ncand[2];
	size_t			*score_slot;	/* per lg candidate */
};

struct lookup {
	struct learner_req		*req;
	struct proto_analyze_request	 q;
	/* [0], [1]: one round trip; [2]: scores; [3]: SMEMBERS fallback */
	struct batch			*b[4];
	int				 round1;	/* batches of it still out */
	size_t				 n;
	struct lookup_digest		*ld;
	struct decide_digest		*dd;
	int				 proximity;
	int				 degraded;
	int				 oracle_spam;
	struct decide_cache		 oracle;
	unsigned int			 partial;
	unsigned int			 complete;
};

static void	lookup_round1(struct batch *, void *);
static void	lookup_stage3(struct batch *, void *);
static void	lookup_members(struct batch *, void *);

static void
lookup_free(struct lookup *lk)
{
	size_t	i;

	if (lk->ld != NULL)
		for (i = 0; i < lk->n; i++) {
			free(lk->ld[i].cand[0]);
			free(lk->ld[i].cand[1]);
			free(lk->ld[i].score_slot);
		}
	free(lk->ld);
	free(lk->dd);
	for (i = 0; i < 4; i++)
		batch_free(lk->b[i]);
	proto_analyze_request_free(&lk->q);
	learner_req_done(lk->req);
	free(lk);
}

static void
lookup_check_errors(struct lookup *lk, struct batch *b, const char *stage)
{
	if (batch_errors(b) == 0)
		return;
	if (!lk->degraded)
		stats_add(STATS_REDIS_ERRORS, 1);
	lk->degraded = 1;
	log_warnx("lookup_%s: request %s: %zu redis command(s) failed: %s",
	    stage, lk->q.request_id, batch_errors(b), batch_error_text(b));
}

static void
lookup_scan_record(struct lookup *lk, struct batch *b)
{
	struct buf	v;
	char		ts[40];
	uint32_t	i;
	int		n;

	/*
	 * Go encodes a nil slice as null; upstream stores it that way.
	 * Digests are checked hex: nothing to escape.
	 */
	buf_init(&v, 0);
	if (lk->q.ndigests == 0)
		buf_append(&v, "{\"hashes\":null", 14);
	else {
		buf_append(&v, "{\"hashes\":[", 11);
		for (i = 0; i < lk->q.ndigests; i++) {
			if (i > 0)
				buf_putc(&v, ',');
			buf_putc(&v, '"');
			buf_append(&v, lk->q.digests[i],
			    strlen(lk->q.digests[i]));
			buf_putc(&v, '"');
		}
		buf_putc(&v, ']');
	}
	n = snprintf(ts, sizeof(ts), ",\"timestamp\":%lld}",
	    (long long)time(NULL));
	buf_append(&v, ts, n > 0 && (size_t)n < sizeof(ts) ? (size_t)n : 0);
	if (buf_failed(&v))
		log_warnx("%s: out of memory", __func__);
	else
		batch_cmd(b, "SET mi:msgid:%s %s EX %d", lk->q.msgid_hash,
		    (const char *)v.data, LOOKUP_SCAN_TTL);
	buf_free(&v);
}

/*
 * The Oracle's answer about digests[start - 1], brought back by the
 * worker: a decodable verdict is cached as upstream does (spam for an
 * hour with its bands in oc_f:, anything else for five minutes).
 */
static void
lookup_oracle_answer(struct lookup *lk, struct batch *b)
{
	const char	*d = lk->q.digests[lk->q.start - 1];
	char		 bands[LSH_BANDS][LSH_BAND_SIZE];
	struct buf	 v;
	size_t		 i, nb;
	int		 ok, spam;

	ok = lk->q.oracle == 1 + PROTO_ORACLE_OK &&
	    verdict_parse(lk->q.oracle_body, lk->q.oracle_len, 1,
	    &lk->oracle) == 0;
	spam = ok && strcmp(lk->oracle.action, "spam") == 0;
	if (spam) {
		lk->oracle_spam = 1;
		lk->complete++;
	} else {
		lk->proximity = 1;
		lk->partial++;
	}
	if (!ok)
		return;
	buf_init(&v, 0);
	verdict_encode(&v, &lk->oracle);
	if (!buf_failed(&v))
		batch_cmd(b, "SET mi:oracle_cache:%s %s EX %d", d,
		    (const char *)v.data, spam ? LOOKUP_CACHE_SPAM_TTL :
		    LOOKUP_CACHE_OTHER_TTL);
	buf_free(&v);
	if (!spam)
		return;
	nb = lsh_bands(d, bands);
	for (i = 0; i < nb; i++) {
		batch_cmd(b, "SADD oc_f:%s %s", bands[i], d);
		batch_cmd(b, "EXPIRE oc_f:%s %d", bands[i],
		    LOOKUP_CACHE_SPAM_TTL);
	}
}

/* "*21\r\n" or "$14\r\n": a length below 100, without leading zero. */
static char *
lookup_resp_len(char *w, char type, size_t v)
{
	*w++ = type;
	if (v >= 10)
		*w++ = (char)('0' + v / 10 % 10);
	*w++ = (char)('0' + v % 10);
	*w++ = '\r';
	*w++ = '\n';
	return w;
}

/*
 * One command over the 20 band keys of a digest in a namespace, encoded
 * to RESP here: five of them per digest, 100 key names, were a tenth of
 * the learner's time through the generic encoder.
 */
static size_t
lookup_bands_cmd(struct batch *b, const char *cmd, enum lookup_ns ns,
    const struct lookup_digest *ld)
{
	/* "*21", the command, then "$14" and "oc_f:20:ABCDEF" 20 times */
	char		 out[16 + 16 + LSH_BANDS * (5 + 5 + LSH_BAND_SIZE + 2)];
	char		*w = out;
	size_t		 j, n, cl = strlen(cmd);

	if (ld->nbands == 0 || cl > 9)
		return LOOKUP_NONE;
	w = lookup_resp_len(w, '*', 1 + ld->nbands);
	w = lookup_resp_len(w, '$', cl);
	memcpy(w, cmd, cl);
	w += cl;
	*w++ = '\r';
	*w++ = '\n';
	for (j = 0; j < ld->nbands; j++) {
		n = strnlen(ld->bands[j], LSH_BAND_SIZE - 1);
		w = lookup_resp_len(w, '$', 5 + n);
		memcpy(w, lookup_prefix[ns], 4);
		w[4] = ':';
		memcpy(w + 5, ld->bands[j], n);
		w += 5 + n;
		*w++ = '\r';
		*w++ = '\n';
	}
	return batch_cmd_resp(b, out, (size_t)(w - out));
}

static int
lookup_intcmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/*
 * glibc's qsort sizes its merge buffer by the physical memory, asked of
 * sysinfo(2) on the first sort of more than 1 KiB, which the seccomp
 * filter forbids: sort that much once now, it keeps the answer.
 */
void
lookup_init(void)
{
	int	v[1024];
	size_t	i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		v[i] = (int)(i * 7919 % 1024);
	qsort(v, sizeof(v) / sizeof(v[0]), sizeof(v[0]), lookup_intcmp);
}

int
lookup_start(struct learner_req *req, struct msg_reader *r)
{
	struct lookup		*lk;
	struct lookup_digest	*ld;
	size_t			 i, k;

	if ((lk = calloc(1, sizeof(*lk))) == NULL) {
		log_warn("%s: calloc", __func__);
		return -1;
	}
	if (proto_analyze_request_decode(r, &lk->q) == -1) {
		free(lk);
		return -1;
	}
	lk->req = req;
	lk->proximity = (lk->q.flags & PROTO_ANALYZE_F_PROXIMITY) != 0;
	lk->degraded = (lk->q.flags & PROTO_ANALYZE_F_DEGRADED) != 0;
	lk->n = lk->q.ndigests - lk->q.start;
	for (i = 0; i < 4; i++)
		if ((lk->b[i] = batch_new(i <= 1 ? lookup_round1 : i == 2 ?
		    lookup_stage3 : lookup_members, lk)) == NULL)
			goto oom;
	if (lk->n > 0 && ((lk->ld = calloc(lk->n, sizeof(*lk->ld))) == NULL ||
	    (lk->dd = calloc(lk->n, sizeof(*lk->dd))) == NULL))
		goto oom;
	if (lk->q.start > 0)
		lookup_oracle_answer(lk, lk->b[0]);
	else if (lk->q.msgid_hash[0] != '\0')
		lookup_scan_record(lk, lk->b[0]);
	for (i = 0; i < lk->n && !lk->oracle_spam; i++) {
		ld = &lk->ld[i];
		ld->digest = lk->q.digests[lk->q.start + i];
		tlsh_parse(ld->digest, &ld->parsed);
		ld->nbands = lsh_bands(ld->digest, ld->bands);
		ld->cache_slot = batch_cmd(lk->b[0], "GET mi:oracle_cache:%s",
		    ld->digest);
		for (k = 0; k < NS_COUNT; k++)
			ld->exists_slot[k] = lookup_bands_cmd(lk->b[0],
			    "EXISTS", k, ld);
		/*
		 * The same round trip (replies of one connection keep
		 * order): the members of the lg_f: sets, which a lookup
		 * that finds its family needs at once.  oc_f: sets exist
		 * only for an hour after an Oracle spam verdict: their
		 * members are read when the count asks for them.
		 */
		ld->union_slot[NS_OC] = LOOKUP_NONE;
		ld->union_slot[NS_LG] = lookup_bands_cmd(lk->b[1], "SUNION",
		    NS_LG, ld);
	}
	/* Either batch may finish at once (Redis down): count both. */
	lk->round1 = 2;
	batch_run(lk->b[0]);
	batch_run(lk->b[1]);
	return 0;
 oom:
	log_warn("%s: out of memory", __func__);
	for (i = 0; i < 4; i++)
		batch_free(lk->b[i]);
	proto_analyze_request_free(&lk->q);
	free(lk->ld);
	free(lk->dd);
	free(lk);
	return -1;
}

static unsigned int
lookup_count(const struct lookup_digest *ld, enum lookup_ns ns)
{
	return ld->count[ns];
}

static void	lookup_candidates_all(struct lookup *);
static int	lookup_fallback(struct lookup *);

/* A used SUNION that failed makes the answer degraded, as any error. */
static void
lookup_union_errors(struct lookup *lk)
{
	size_t	i, failed = 0;
	int	k;

	for (i = 0; i < lk->n; i++)
		for (k = 0; k < 2; k++)
			if (lk->ld[i].union_slot[k] != LOOKUP_NONE &&
			    batch_slot(lk->b[1], lk->ld[i].union_slot[k])->type ==
			    BATCH_ERROR)
				failed++;
	if (failed == 0)
		return;
	if (!lk->degraded)
		stats_add(STATS_REDIS_ERRORS, 1);
	lk->degraded = 1;
	log_warnx("lookup_round1: request %s: %zu SUNION(s) failed: %s",
	    lk->q.request_id, failed, batch_error_text(lk->b[1]));
}

static void
lookup_round1(struct batch *b, void *arg)
{
	struct lookup			*lk = arg;
	struct lookup_digest		*ld;
	const struct batch_slot		*s;
	size_t				 i, j, k;
	int				 used;

	(void)b;
	if (--lk->round1 > 0)
		return;
	b = lk->b[0];
	lookup_check_errors(lk, b, "stage1");
	if (lk->oracle_spam) {
		lookup_stage3(lk->b[2], lk);
		return;
	}
	for (i = 0; i < lk->n; i++) {
		ld = &lk->ld[i];
		lk->dd[i].digest = ld->digest;
		s = batch_slot(b, ld->cache_slot);
		if (s->type == BATCH_STRING && verdict_parse(s->str, s->len, 0,
		    &lk->dd[i].cache) == -1)
			log_debug("%s: unreadable mi:oracle_cache:%s",
			    __func__, ld->digest);
		for (k = 0; k < NS_COUNT; k++) {
			if (ld->exists_slot[k] == LOOKUP_NONE)
				continue;
			s = batch_slot(b, ld->exists_slot[k]);
			if (s->type == BATCH_INTEGER && s->integer > 0)
				ld->count[k] = s->integer < (long long)
				    ld->nbands ? (unsigned int)s->integer :
				    (unsigned int)ld->nbands;
		}
		lk->dd[i].oc_bands = lookup_count(ld, NS_OC);
		lk->dd[i].lg_bands = lookup_count(ld, NS_LG);
		/* Fully local: the mirror is not consulted. */
		lk->dd[i].mi_bands = learner_config()->oracle_enabled ?
		    lookup_count(ld, NS_MI) : 0;
	}
	/*
	 * Members, up to the first digest an exact cache hit decides, of
	 * families with >= 4 bands: the other unions are not looked at.
	 */
	used = 1;
	for (i = 0; i < lk->n; i++) {
		ld = &lk->ld[i];
		if (lk->dd[i].cache.present &&
		    strcmp(lk->dd[i].cache.action, "spam") == 0)
			used = 0;
		for (k = 0; k < 2; k++) {
			ld->want[k] = used && (k == NS_OC ? lk->dd[i].oc_bands :
			    lk->dd[i].lg_bands) >= DECIDE_MIN_BANDS;
			if (!ld->want[k])
				ld->union_slot[k] = LOOKUP_NONE;
			for (j = 0; j < LSH_BANDS; j++)
				ld->members_slot[k][j] = LOOKUP_NONE;
		}
	}
	lookup_union_errors(lk);
	if (!lookup_fallback(lk))
		lookup_candidates_all(lk);
}

/*
 * After the SUNIONs: the sets of a family whose members are wanted and
 * whose union was not asked (oc_f:), failed or was cut are read one at
 * a time, as upstream reads them (lookup_members runs stage 2 once they
 * are in); 1 if such commands were sent.
 */
static int
lookup_fallback(struct lookup *lk)
{
	const struct batch_slot	*s;
	struct lookup_digest	*ld;
	size_t			 i, j;
	int			 k, any = 0;

	for (i = 0; i < lk->n; i++) {
		ld = &lk->ld[i];
		for (k = 0; k < 2; k++) {
			if (!ld->want[k])
				continue;
			if (ld->union_slot[k] != LOOKUP_NONE) {
				s = batch_slot(lk->b[1], ld->union_slot[k]);
				if (s->type == BATCH_ARRAY && !s->truncated)
					continue;
			}
			ld->one_by_one[k] = 1;
			any = 1;
			for (j = 0; j < ld->nbands; j++)
				ld->members_slot[k][j] = batch_cmd(lk->b[3],
				    "SMEMBERS %s:%s", lookup_prefix[k],
				    ld->bands[j]);
		}
	}
	if (any)
		batch_run(lk->b[3]);
	return any;
}

static int
lookup_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The union of the members of the fetched sets, with distances. */
static void
lookup_candidates(struct lookup *lk, struct lookup_digest *ld, int k)
{
	const struct batch_slot	*s;
	struct tlsh_digest	 t;
	const char		**all = NULL, **tmp;
	size_t			 n = 0, cap = 0, i, j, out = 0;

	for (j = 0; j < LSH_BANDS; j++) {
		if (!ld->one_by_one[k]) {
			/* the SUNION, in place of the first set */
			if (j > 0 || ld->union_slot[k] == LOOKUP_NONE)
				break;
			s = batch_slot(lk->b[1], ld->union_slot[k]);
		} else if (ld->members_slot[k][j] == LOOKUP_NONE)
			continue;
		else
			s = batch_slot(lk->b[3], ld->members_slot[k][j]);
		if (s->type != BATCH_ARRAY)
			continue;
		if (s->truncated)
			log_warnx("%s: %s:%s has more than %d members, only "
			    "those are compared", __func__, lookup_prefix[k],
			    ld->bands[j], BATCH_ARRAY_MAX);
		for (i = 0; i < s->nelems; i++) {
			if (n == cap) {
				cap = cap == 0 ? 64 : cap * 2;
				if ((tmp = reallocarray(all, cap,
				    sizeof(*all))) == NULL)
					goto done;
				all = tmp;
			}
			all[n++] = s->elems[i];
		}
	}
	if (n == 0)
		goto done;
	qsort(all, n, sizeof(*all), lookup_strcmp);
	if ((ld->cand[k] = calloc(n < LOOKUP_MAX_CANDIDATES ? n :
	    LOOKUP_MAX_CANDIDATES, sizeof(*ld->cand[k]))) == NULL)
		goto done;
	for (i = 0; i < n && out < LOOKUP_MAX_CANDIDATES; i++) {
		if (i > 0 && strcmp(all[i], all[i - 1]) == 0)
			continue;
		/* Stored by anyone with access to Redis: check it. */
		if (!proto_digest_valid(all[i]) || tlsh_parse(all[i], &t) == -1)
			continue;
		ld->cand[k][out].digest = all[i];
		ld->cand[k][out].distance = tlsh_distance(&ld->parsed, &t, 1);
		out++;
	}
	ld->ncand[k] = out;
 done:
	if (n > 0 && ld->cand[k] == NULL)
		log_warnx("%s: out of memory", __func__);
	free(all);
}

static void
lookup_members(struct batch *b, void *arg)
{
	struct lookup		*lk = arg;

	lookup_check_errors(lk, b, "members");
	lookup_candidates_all(lk);
}

static void
lookup_candidates_all(struct lookup *lk)
{
	struct lookup_digest	*ld;
	size_t			 i, c;

	for (i = 0; i < lk->n; i++) {
		ld = &lk->ld[i];
		lookup_candidates(lk, ld, NS_OC);
		lookup_candidates(lk, ld, NS_LG);
		lk->dd[i].oc = ld->cand[NS_OC];
		lk->dd[i].noc = ld->ncand[NS_OC];
		lk->dd[i].lg = ld->cand[NS_LG];
		lk->dd[i].nlg = ld->ncand[NS_LG];
	}
	/* Scores, up to the first digest certainly decided. */
	for (i = 0; i < lk->n; i++) {
		ld = &lk->ld[i];
		if (lk->dd[i].cache.present &&
		    strcmp(lk->dd[i].cache.action, "spam") == 0)
			break;
		if (lk->dd[i].oc_bands >= DECIDE_MIN_BANDS &&
		    decide_closest(lk->dd[i].oc, lk->dd[i].noc,
		    DECIDE_MAX_DISTANCE, 0, 0) != NULL)
			break;
		if (lk->dd[i].lg_bands < DECIDE_MIN_BANDS || ld->ncand[NS_LG] == 0)
			continue;
		if ((ld->score_slot = calloc(ld->ncand[NS_LG],
		    sizeof(size_t))) == NULL) {
			log_warnx("%s: out of memory", __func__);
			continue;
		}
		for (c = 0; c < ld->ncand[NS_LG]; c++)
			ld->score_slot[c] =
			    ld->cand[NS_LG][c].distance > DECIDE_MAX_DISTANCE ?
			    LOOKUP_NONE : batch_cmd(lk->b[2], "GET lg_s:%s",
			    ld->cand[NS_LG][c].digest);
	}
	batch_run(lk->b[2]);
}

static int64_t
lookup_score(const struct batch_slot *s)
{
	char		*end;
	long long	 v;

	/* Missing or not an integer: 0, as upstream's Int64() error. */
	if (s->type != BATCH_STRING)
		return 0;
	v = strtoll(s->str, &end, 10);
	if (end == s->str || *end != '\0')
		return 0;
	return v;
}

static void
lookup_side_done(struct batch *b, void *arg)
{
	(void)arg;
	if (batch_errors(b) > 0) {
		/* Which ones failed is not worth knowing: send all again. */
		refresh_clear();
		stats_add(STATS_REDIS_ERRORS, 1);
		log_warnx("%s: TTL refresh failed: %s", __func__,
		    batch_error_text(b));
	}
	batch_free(b);
}

struct lookup_band {
	char	name[sizeof("lg_f:") + LSH_BAND_SIZE - 1];
	size_t	len;
	int	forced;		/* the medoid's: refreshed with its score */
};

static int
lookup_bandcmp(const void *a, const void *b)
{
	return strcmp(((const struct lookup_band *)a)->name,
	    ((const struct lookup_band *)b)->name);
}

static void
lookup_band_add(struct lookup_band *kb, const char *band, int forced)
{
	size_t	n = strnlen(band, LSH_BAND_SIZE - 1);

	memcpy(kb->name, "lg_f:", 5);
	memcpy(kb->name + 5, band, n);
	kb->name[5 + n] = '\0';
	kb->len = 5 + n;
	kb->forced = forced;
}

static void
lookup_expire(struct batch *b, const char *key, size_t len, const char *ttl)
{
	const char	*argv[3] = { "EXPIRE", key, ttl };
	size_t		 argvlen[3] = { 6, len, strlen(ttl) };

	batch_cmd_argv(b, 3, argv, argvlen);
}

/*
 * Upstream's EXPIRE of matched lg_f: keys, and the medoid's refresh, less
 * those refresh.c remembers as sent within the window.  The medoid's
 * score decides for its 20 bands, so they are refreshed together or not
 * at all; a band also matched by a digest may still go on its own.
 */
static void
lookup_refresh(struct lookup *lk, const struct decide_outcome *o)
{
	struct batch		*b = NULL;
	struct lookup_band	*keys;
	char			 bands[LSH_BANDS][LSH_BAND_SIZE];
	char			 score[sizeof("lg_s:") + TLSH_STRING_LEN];
	char			 ttl[24];
	size_t			 i, j, nb, n = 0, cap = LSH_BANDS, slen = 0;
	int			 medoid = 0, forced;
	int64_t			 now = refresh_now();

	snprintf(ttl, sizeof(ttl), "%lld",
	    (long long)learner_config()->retention_days * 86400);
	refresh_set_window(refresh_window(learner_config()->retention_days));
	if (o->source == PROTO_MATCH_LOCAL) {
		slen = (size_t)snprintf(score, sizeof(score), "lg_s:%s",
		    o->matched);
		medoid = slen < sizeof(score) &&
		    refresh_due(score, slen, now);
	}
	for (i = 0; i < o->reached && i < lk->n; i++)
		if (lk->dd[i].lg_bands >= DECIDE_MIN_BANDS)
			cap += lk->ld[i].nbands;
	if ((keys = calloc(cap, sizeof(*keys))) == NULL) {
		log_warnx("%s: out of memory", __func__);
		return;
	}
	for (i = 0; i < o->reached && i < lk->n; i++) {
		if (lk->dd[i].lg_bands < DECIDE_MIN_BANDS)
			continue;
		for (j = 0; j < lk->ld[i].nbands; j++)
			lookup_band_add(&keys[n++], lk->ld[i].bands[j], 0);
	}
	if (medoid) {
		nb = lsh_bands(o->matched, bands);
		for (j = 0; j < nb; j++)
			lookup_band_add(&keys[n++], bands[j], 1);
	}
	qsort(keys, n, sizeof(*keys), lookup_bandcmp);
	for (i = 0; i < n; i = j) {
		/* each name once; forced if any of its copies is */
		forced = 0;
		for (j = i; j < n && strcmp(keys[j].name, keys[i].name) == 0;
		    j++)
			forced |= keys[j].forced;
		if (!forced && !refresh_due(keys[i].name, keys[i].len, now))
			continue;
		if (b == NULL && (b = batch_new(lookup_side_done,
		    NULL)) == NULL)
			break;
		lookup_expire(b, keys[i].name, keys[i].len, ttl);
		refresh_note(keys[i].name, keys[i].len, now);
	}
	if (medoid && (b != NULL || (b = batch_new(lookup_side_done,
	    NULL)) != NULL)) {
		lookup_expire(b, score, slen, ttl);
		refresh_note(score, slen, now);
	}
	/* Nothing left to refresh: no pipeline at all. */
	if (b != NULL)
		batch_run(b);
	free(keys);
}

static const char *const lookup_source_name[PROTO_MATCH_NSOURCES] = {
	"", "local", "oracle_cache", "oracle_cache_proximity", "oracle"
};

static void
lookup_audit(struct lookup *lk, const struct proto_analyze_reply *a)
{
	struct buf	 digests;
	char		 dist[16], mdist[16], score[24], bands[16];
	const char	*msg;
	uint32_t	 i;

	buf_init(&digests, 4096);
	for (i = 0; i < lk->q.ndigests && i < 32; i++)
		buf_printf(&digests, "%s%s", i > 0 ? "," : "",
		    lk->q.digests[i]);
	snprintf(dist, sizeof(dist), "%u", a->distance);
	snprintf(mdist, sizeof(mdist), "%u", a->match_distance);
	snprintf(score, sizeof(score), "%lld", (long long)a->score);
	snprintf(bands, sizeof(bands), "%u", a->bands);
	switch (a->source) {
	case PROTO_MATCH_LOCAL:
		msg = strcmp(a->action, "spam") == 0 ?
		    "Local spam detected" : "Analysis decision";
		break;
	case PROTO_MATCH_ORACLE_CACHE_PROXIMITY:
		msg = "Oracle Cache Proximity Match";
		break;
	case PROTO_MATCH_ORACLE_CACHE:
	case PROTO_MATCH_ORACLE:
		msg = "Oracle spam detected";
		break;
	default:
		msg = "Analysis decision";
		break;
	}
	log_kv(LOG_INFO, msg, "request_id", lk->q.request_id,
	    "message_id_hash", lk->q.msgid_hash,
	    "digests", buf_failed(&digests) || digests.data == NULL ? "" :
	    (const char *)digests.data,
	    "action", a->action, "label", a->label,
	    "proximity_match", a->flags & PROTO_ANALYZE_F_PROXIMITY ?
	    "true" : "false",
	    "distance", a->flags & PROTO_ANALYZE_F_DISTANCE ? dist : "",
	    "source", lookup_source_name[a->source],
	    "matched", a->matched,
	    "match_distance", a->source != PROTO_MATCH_NONE ? mdist : "",
	    "score", a->flags & PROTO_ANALYZE_F_SCORE ? score : "",
	    "bands", a->flags & PROTO_ANALYZE_F_BANDS ? bands : "",
	    "degraded", lk->degraded ? "true" : "false", NULL);
	buf_free(&digests);
}

static void
lookup_answer(struct lookup *lk, const struct decide_outcome *o)
{
	struct proto_analyze_reply	 a;
	struct msg			 m;

	memset(&a, 0, sizeof(a));
	a.flags = (o->proximity ? PROTO_ANALYZE_F_PROXIMITY : 0) |
	    (lk->degraded ? PROTO_ANALYZE_F_DEGRADED : 0);
	snprintf(a.node_id, sizeof(a.node_id), "%s", store_node_id());
	if (o->escalate) {
		a.kind = PROTO_ANALYZE_ESCALATE;
		a.index = lk->q.start + (uint32_t)o->index;
		snprintf(a.action, sizeof(a.action), "allow");
	} else {
		a.kind = PROTO_ANALYZE_VERDICT;
		snprintf(a.action, sizeof(a.action), "%s",
		    o->spam ? "spam" : "allow");
		snprintf(a.label, sizeof(a.label), "%s", o->label);
		if (o->spam && o->has_distance) {
			a.flags |= PROTO_ANALYZE_F_DISTANCE;
			a.distance = (uint32_t)o->distance;
		}
		a.source = (uint8_t)o->source;
		if (o->source != PROTO_MATCH_NONE) {
			a.index = lk->q.start + (uint32_t)o->index;
			snprintf(a.matched, sizeof(a.matched), "%s",
			    o->matched);
			a.match_distance = (uint32_t)o->match_distance;
			if (o->has_score) {
				a.flags |= PROTO_ANALYZE_F_SCORE;
				a.score = o->score;
			}
			if (o->has_bands) {
				a.flags |= PROTO_ANALYZE_F_BANDS;
				a.bands = o->bands;
			}
		}
		lookup_audit(lk, &a);
	}
	msg_init(&m);
	if (proto_analyze_reply_encode(&m, &a) == -1)
		log_warnx("%s: cannot encode the reply", __func__);
	else
		learner_req_reply(lk->req, PROTO_ANALYZE_REPLY, &m);
	msg_free(&m);
}

static void
lookup_stage3(struct batch *b, void *arg)
{
	struct lookup		*lk = arg;
	struct lookup_digest	*ld;
	struct decide_candidate	*c;
	struct decide_outcome	 o;
	size_t			 i, j;

	if (lk->oracle_spam) {
		/* The Oracle's verdict is final, as upstream. */
		memset(&o, 0, sizeof(o));
		o.spam = 1;
		o.label = lk->oracle.label;
		o.proximity = lk->oracle.proximity;
		o.has_distance = lk->oracle.has_distance;
		o.distance = lk->oracle.distance;
		o.source = PROTO_MATCH_ORACLE;
		o.index = 0;
		o.matched = lk->q.digests[lk->q.start - 1];
		lk->q.start--;	/* index 0 is that digest */
	} else {
		lookup_check_errors(lk, b, "stage3");
		for (i = 0; i < lk->n; i++) {
			ld = &lk->ld[i];
			if (ld->score_slot == NULL)
				continue;
			c = ld->cand[NS_LG];
			for (j = 0; j < ld->ncand[NS_LG]; j++)
				c[j].score = ld->score_slot[j] == LOOKUP_NONE ?
				    0 : lookup_score(batch_slot(b,
				    ld->score_slot[j]));
		}
		decide_run(lk->dd, lk->n, learner_config()->spam_threshold,
		    lk->proximity, &o);
		lookup_refresh(lk, &o);
	}
	stats_add(STATS_LOCAL_MATCH, o.local_match);
	stats_add(STATS_CACHE_HIT_POSITIVE, o.cache_positive);
	stats_add(STATS_CACHE_HIT_NEGATIVE, o.cache_negative);
	stats_add(STATS_ORACLE_MATCH_PARTIAL, o.partial + lk->partial);
	stats_add(STATS_ORACLE_MATCH_COMPLETE, lk->complete);
	lookup_answer(lk, &o);
	lookup_free(lk);
}
