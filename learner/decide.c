#include <string.h>

#include "decide.h"

const struct decide_candidate *
decide_closest(const struct decide_candidate *c, size_t n, int max_distance,
    int use_score, int64_t min_score)
{
	const struct decide_candidate	*best = NULL;
	size_t				 i;

	for (i = 0; i < n; i++) {
		if (c[i].distance > max_distance ||
		    (use_score && c[i].score < min_score))
			continue;
		if (best == NULL || c[i].distance < best->distance ||
		    (c[i].distance == best->distance &&
		    strcmp(c[i].digest, best->digest) < 0))
			best = &c[i];
	}
	return best;
}

static void
decide_match(struct decide_outcome *o, enum proto_match_source source,
    size_t index, const struct decide_candidate *c, unsigned int bands)
{
	o->source = source;
	o->index = index;
	o->matched = c->digest;
	o->match_distance = c->distance;
	o->has_bands = 1;
	o->bands = bands;
	o->has_score = source == PROTO_MATCH_LOCAL;
	o->score = o->has_score ? c->score : 0;
}

void
decide_run(const struct decide_digest *d, size_t n, int64_t threshold,
    int proximity, struct decide_outcome *o)
{
	const struct decide_candidate	*c;
	size_t				 i;

	memset(o, 0, sizeof(*o));
	o->proximity = proximity;
	o->label = "";
	for (i = 0; i < n; i++) {
		o->reached = i + 1;
		if (d[i].cache.present &&
		    strcmp(d[i].cache.action, "spam") == 0) {
			o->spam = 1;
			o->label = d[i].cache.label;
			o->proximity = d[i].cache.proximity;
			o->has_distance = d[i].cache.has_distance;
			o->distance = d[i].cache.distance;
			o->source = PROTO_MATCH_ORACLE_CACHE;
			o->index = i;
			o->matched = d[i].digest;
			o->has_bands = o->has_score = 0;
			o->cache_positive++;
			return;
		}
		if (d[i].oc_bands >= DECIDE_MIN_BANDS && (c = decide_closest(
		    d[i].oc, d[i].noc, DECIDE_MAX_DISTANCE, 0, 0)) != NULL) {
			o->spam = 1;
			o->label = "oracle_cache_match";
			o->proximity = 1;
			o->has_distance = 1;
			o->distance = c->distance;
			decide_match(o, PROTO_MATCH_ORACLE_CACHE_PROXIMITY, i, c,
			    d[i].oc_bands);
			o->cache_positive++;
			return;
		}
		if (d[i].lg_bands >= DECIDE_MIN_BANDS) {
			if ((c = decide_closest(d[i].lg, d[i].nlg,
			    DECIDE_MAX_DISTANCE, 1, threshold)) != NULL) {
				o->spam = 1;
				o->label = "local_spam";
				o->proximity = 1;
				o->has_distance = 1;
				o->distance = c->distance;
				decide_match(o, PROTO_MATCH_LOCAL, i, c,
				    d[i].lg_bands);
				o->local_match++;
				return;
			}
			/* Near-miss: explained by the closest member, if any. */
			o->proximity = 1;
			c = decide_closest(d[i].lg, d[i].nlg,
			    DECIDE_MAX_DISTANCE, 0, 0);
			if (c != NULL && (o->matched == NULL ||
			    c->distance < o->match_distance))
				decide_match(o, PROTO_MATCH_LOCAL, i, c,
				    d[i].lg_bands);
			continue;
		}
		if (d[i].mi_bands >= DECIDE_MIN_BANDS) {
			if (d[i].cache.present) {
				o->cache_negative++;
				o->partial++;
				o->proximity = 1;
				continue;
			}
			o->escalate = 1;
			o->index = i;
			return;
		}
	}
}
