#ifndef GUARDIAN_LEARNER_VERDICT_H
#define GUARDIAN_LEARNER_VERDICT_H
/*
 * Upstream's AnalysisResult as stored in mi:oracle_cache: and as the
 * Oracle returns it under "result":
 *   {"action":"spam","label":"oracle_spam","proximity_match":true,
 *    "distance":12}
 * label and distance are omitempty (Go), so a stored 0 distance is absent.
 */
#include <stddef.h>

#include "buf.h"
#include "decide.h"

/*
 * Parses a cached verdict (the object itself) or an Oracle answer
 * ({"result":{...}}, oracle = 1).  0 with v filled, -1 when it is not
 * JSON, has no non-empty action, or a field has the wrong type or
 * unprintable text.
 */
int	verdict_parse(const char *, size_t, int oracle, struct decide_cache *);
/* Go's encoding of the verdict, byte for byte. */
void	verdict_encode(struct buf *, const struct decide_cache *);
/* A validated word as a Go JSON string (Go escapes <, > and &). */
void	verdict_json_string(struct buf *, const char *);

#endif
