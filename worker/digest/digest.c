/*
 * The digests of one message, in upstream's order (upstream-guardian.md
 * 2.2): the normalized body if longer than 100 bytes, the raw body
 * (Text + HTML) if longer than 100 bytes, then each attachment, images
 * only above 50 KiB and everything else above 128 bytes.  TLSH failures
 * (too short, no variety) are skipped silently, as upstream does.
 * Upstream's optional remote-image digest is not computed here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "digest.h"
#include "mime.h"
#include "mime_tree.h"
#include "normalize.h"
#include "tlsh.h"

#define DIGEST_MIN_BODY		100
#define DIGEST_MIN_ATTACHMENT	128
#define DIGEST_MIN_IMAGE	(50 * 1024)

void	(*digest_stage_hook)(enum digest_stage, uint64_t);

static void
digest_report(enum digest_stage stage, uint64_t ns)
{
	if (digest_stage_hook != NULL)
		digest_stage_hook(stage, ns);
}

static int
digest_add(struct digest_list *out, const uint8_t *data, size_t len)
{
	char	 hex[TLSH_STRING_SIZE];
	char	(*d)[TLSH_STRING_SIZE];
	uint64_t t0 = digest_stage_hook != NULL ? mime_now_ns() : 0;
	int	 r;

	r = tlsh_hash(data != NULL ? data : (const uint8_t *)"", len,
	    TLSH_GUARDIAN, 0, hex);
	if (digest_stage_hook != NULL)
		digest_report(DIGEST_STAGE_TLSH, mime_now_ns() - t0);
	if (r == -1)
		return 0;
	d = reallocarray(out->digest, out->count + 1, sizeof(*d));
	if (d == NULL)
		return -1;
	out->digest = d;
	memcpy(out->digest[out->count++], hex, TLSH_STRING_SIZE);
	return 0;
}

int
digest_message(const uint8_t *raw, size_t len, struct digest_list *out,
    char *err, size_t errlen)
{
	struct mime_envelope	 env;
	struct buf		 body;
	size_t			 i;
	uint64_t		 t0 = 0, t1;
	int			 timed = digest_stage_hook != NULL, rc = -1;

	memset(out, 0, sizeof(*out));
	if (len > DIGEST_MAX_MESSAGE)
		len = DIGEST_MAX_MESSAGE;
	if (timed)
		t0 = mime_now_ns();
	if (mime_read_envelope(raw != NULL ? raw : (const uint8_t *)"", len,
	    &env, timed, err, errlen) == -1)
		return -1;
	if (timed) {
		t1 = mime_now_ns() - t0;
		digest_report(DIGEST_STAGE_CHARSET, env.ns_charset);
		digest_report(DIGEST_STAGE_HTML2TEXT, env.ns_html2text);
		digest_report(DIGEST_STAGE_PARSE, t1 - env.ns_charset -
		    env.ns_html2text);
	}
	buf_init(&body, 2 * (env.text.len + env.html.len) + 4096);
	if (timed)
		t0 = mime_now_ns();
	if (normalize_body(env.text.data, env.text.len, env.html.data,
	    env.html.len, &body) == -1)
		goto oom;
	if (timed)
		digest_report(DIGEST_STAGE_NORMALIZE, mime_now_ns() - t0);
	if (body.len > DIGEST_MIN_BODY && digest_add(out, body.data,
	    body.len) == -1)
		goto oom;
	buf_reset(&body);
	buf_append(&body, env.text.data, env.text.len);
	buf_append(&body, env.html.data, env.html.len);
	if (buf_failed(&body))
		goto oom;
	if (body.len > DIGEST_MIN_BODY && digest_add(out, body.data,
	    body.len) == -1)
		goto oom;
	for (i = 0; i < env.nattachments; i++) {
		struct mime_attachment *a = &env.attachments[i];
		int is_image = strncmp(a->type, "image/", 6) == 0;

		if ((is_image && a->len > DIGEST_MIN_IMAGE) ||
		    (!is_image && a->len > DIGEST_MIN_ATTACHMENT))
			if (digest_add(out, a->data, a->len) == -1)
				goto oom;
	}
	out->message_id = env.message_id;
	env.message_id = NULL;
	out->subject = env.subject;
	env.subject = NULL;
	rc = 0;
	goto done;
oom:
	snprintf(err, errlen, "out of memory");
	digest_list_free(out);
done:
	buf_free(&body);
	mime_envelope_free(&env);
	return rc;
}

void
digest_list_free(struct digest_list *l)
{
	free(l->digest);
	free(l->message_id);
	free(l->subject);
	memset(l, 0, sizeof(*l));
}
