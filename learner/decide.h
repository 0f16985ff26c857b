#ifndef GUARDIAN_LEARNER_DECIDE_H
#define GUARDIAN_LEARNER_DECIDE_H
/*
 * Upstream's verdict logic as pure functions over data already fetched
 * from Redis, so it can be tested without a server and the learner can
 * fetch everything in a few pipelined round trips first.
 *
 * Per digest, in order (upstream analyzeHandler, spec 3.3):
 *   1. a cached Oracle verdict "spam" for the exact digest: spam, stop;
 *   2. >= 4 oc_f: bands exist and a member is within 70: spam
 *      "oracle_cache_match", stop;
 *   3. >= 4 lg_f: bands exist: a member within 70 whose lg_s: score
 *      reaches the threshold: spam "local_spam", stop; otherwise a
 *      near-miss: proximity, and step 4 is skipped for this digest;
 *   4. >= 4 mi_f: bands exist: a cached non-spam verdict counts as a
 *      negative cache hit and a partial match (proximity); without one the
 *      Oracle must be asked (escalation), then the decision continues
 *      with the next digest.
 * Differences (docs/upstream-differences.md): the closest qualifying
 * member wins, ties broken by the smaller digest string, instead of the
 * first one in Go's random map order.
 */
#include <stddef.h>
#include <stdint.h>

#include "master/proto_analyze.h"

#define DECIDE_MIN_BANDS	4
#define DECIDE_MAX_DISTANCE	70	/* inclusive, length term included */

struct decide_candidate {
	const char	*digest;
	int		 distance;
	int64_t		 score;		/* lg_s:, 0 when absent */
};

struct decide_cache {
	int		 present;	/* mi:oracle_cache: parsed */
	char		 action[PROTO_VERDICT_TEXT_MAX + 1];
	char		 label[PROTO_VERDICT_TEXT_MAX + 1];
	int		 proximity;
	int		 has_distance;
	int		 distance;
};

struct decide_digest {
	const char			*digest;
	struct decide_cache		 cache;
	unsigned int			 oc_bands;	/* existing keys */
	unsigned int			 lg_bands;
	unsigned int			 mi_bands;
	const struct decide_candidate	*oc;		/* members */
	size_t				 noc;
	const struct decide_candidate	*lg;
	size_t				 nlg;
};

struct decide_outcome {
	int		 escalate;	/* ask the Oracle about index */
	int		 spam;
	int		 proximity;
	int		 has_distance;
	int		 distance;
	const char	*label;		/* "" when none */
	/* What matched, for the "match" object and the audit line. */
	enum proto_match_source source;
	size_t		 index;		/* our digest that matched */
	const char	*matched;
	int		 match_distance;
	int		 has_score;
	int64_t		 score;
	int		 has_bands;
	unsigned int	 bands;
	/* Digests [0, reached) were examined (their side effects apply). */
	size_t		 reached;
	/* Upstream's counters for what happened. */
	unsigned int	 local_match;
	unsigned int	 cache_positive;
	unsigned int	 cache_negative;
	unsigned int	 partial;
};

/*
 * The closest candidate within max_distance (and with a score of at least
 * min_score when use_score), ties to the smaller digest; NULL if none.
 */
const struct decide_candidate *decide_closest(const struct decide_candidate *,
	    size_t, int max_distance, int use_score, int64_t min_score);

/*
 * Runs the steps over digests[0..n) with proximity already set by
 * earlier digests (after an escalation) and fills out.
 */
void	decide_run(const struct decide_digest *, size_t n, int64_t threshold,
	    int proximity, struct decide_outcome *);

#endif
