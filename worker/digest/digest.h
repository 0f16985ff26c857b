#ifndef GUARDIAN_DIGEST_H
#define GUARDIAN_DIGEST_H
/*
 * The digests upstream Guardian 0.7.6 computes for one raw RFC 822 message
 * (docs/digests.md): the normalized body, the raw body (Text + HTML) and
 * every large attachment, each a TLSH digest of the guardian flavour.
 */
#include <stddef.h>
#include <stdint.h>

#include "tlsh.h"

/* Upstream reads at most 15 MiB of a request body and parses only that. */
#define DIGEST_MAX_MESSAGE	(15u * 1024 * 1024)

struct digest_list {
	size_t	  count;
	char	(*digest)[TLSH_STRING_SIZE];
	char	 *message_id;	/* header value as enmime returns it, or NULL */
	char	 *subject;	/* raw header value, or NULL */
};

/*
 * Returns 0 with the digests in upstream's order, or -1 when upstream would
 * answer 400 "Invalid MIME" (reason in err).  Input longer than
 * DIGEST_MAX_MESSAGE is cut there first, as upstream does.
 */
int	digest_message(const uint8_t *raw, size_t len, struct digest_list *out,
	    char *err, size_t errlen);
void	digest_list_free(struct digest_list *);

/*
 * Optional per-stage timing for the benchmark: when a hook is set,
 * digest_message calls it with the stage and the nanoseconds spent in it.
 * NULL (the default) costs one branch per stage.
 */
enum digest_stage {
	DIGEST_STAGE_PARSE,	/* header blocks, part tree, transfer decoding */
	DIGEST_STAGE_CHARSET,	/* chardet and charset conversion */
	DIGEST_STAGE_HTML2TEXT,
	DIGEST_STAGE_NORMALIZE,
	DIGEST_STAGE_TLSH,
	DIGEST_STAGE_COUNT
};
extern void	(*digest_stage_hook)(enum digest_stage, uint64_t nanoseconds);

#endif
