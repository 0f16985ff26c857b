/*
 * enmime's envelope assembly (spec digest-parity.md 7): which parts become
 * Text, HTML and Attachments, the HTML meta charset of a single-part HTML
 * message, and html2text when there is HTML but no text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "charset.h"
#include "html2text.h"
#include "mediatype.h"
#include "mime.h"
#include "mime_tree.h"
#include "mime_util.h"

#define MIME_META_NAME_MAX	128

static int
env_is_text(const struct mime_node *nd, const char *type)
{
	return nd->has_type && strcmp(nd->type, type) == 0 &&
	    strcmp(nd->disposition, "attachment") != 0;
}

static int
env_is_attachment(const struct mime_node *nd)
{
	return strcmp(nd->disposition, "attachment") == 0 ||
	    strcmp(nd->type, "application/octet-stream") == 0;
}

/* Breadth-first order of the tree (root first), into order[]. */
static size_t *
env_bfs(const struct mime_tree *t)
{
	size_t	*order, head = 0, tail = 0, c;

	if ((order = calloc(t->count + 1, sizeof(*order))) == NULL)
		return NULL;
	order[tail++] = 0;
	while (head < tail) {
		for (c = t->node[order[head]].first_child; c != MIME_NONE;
		    c = t->node[c].next_sibling)
			order[tail++] = c;
		head++;
	}
	return order;
}

static int
env_add_attachment(struct mime_envelope *env, struct mime_node *nd)
{
	struct mime_attachment	*a;

	a = reallocarray(env->attachments, env->nattachments + 1,
	    sizeof(*a));
	if (a == NULL)
		return -1;
	env->attachments = a;
	a = &a[env->nattachments++];
	a->type = nd->type;
	a->data = nd->content.data != NULL ? nd->content.data :
	    (const uint8_t *)"";
	a->len = nd->content.len;
	return 0;
}

static int
env_ci_at(const uint8_t *p, size_t n, size_t i, const char *lit)
{
	size_t	k, l = strlen(lit);

	if (i + l > n)
		return 0;
	for (k = 0; k < l; k++)
		if (mime_ascii_lower(p[i + k]) != lit[k])
			return 0;
	return 1;
}

static int
env_meta_class(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' ||
	    c == '-';
}

static int
env_re_space(uint8_t c)
{
	return c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

/*
 * (?i)<meta.*charset="?\s*([a-zA-Z0-9_.:-]+): the leftmost "<meta" with a
 * match; ".*" is greedy and stops at LF, so the last workable "charset="
 * of that line wins.  Returns 1 with the name, 0 when there is none.
 */
int
mime_meta_charset(const uint8_t *p, size_t n, char *name, size_t size)
{
	size_t	 i = 0, eol, c, q, k;
	const uint8_t *lf;

	while (i + 5 <= n) {
		const uint8_t *lt = memchr(p + i, '<', n - i);

		if (lt == NULL)
			break;
		i = (size_t)(lt - p);
		if (!env_ci_at(p, n, i, "<meta")) {
			i++;
			continue;
		}
		lf = memchr(p + i, '\n', n - i);
		eol = lf != NULL ? (size_t)(lf - p) : n;
		for (c = eol; c-- > i + 5;) {
			if (!env_ci_at(p, eol, c, "charset="))
				continue;
			q = c + 8;
			if (q < n && p[q] == '"')
				q++;
			while (q < n && env_re_space(p[q]))
				q++;
			for (k = q; k < n && env_meta_class(p[k]); k++)
				;
			if (k == q)
				continue;
			if (k - q >= size)
				k = q + size - 1;
			memcpy(name, p + q, k - q);
			name[k - q] = '\0';
			return 1;
		}
		/* no later "<meta" of this line can do better */
		i = eol;
	}
	return 0;
}

static int
env_multipart(struct mime_envelope *env, struct mime_tree *t)
{
	size_t	*order, i, k;
	int	 first = 1, alternative;

	alternative = strcmp(t->node[0].type, "multipart/alternative") == 0;
	if ((order = env_bfs(t)) == NULL)
		return -1;
	if (alternative) {
		for (k = 0; k < t->count; k++) {
			struct mime_node *nd = &t->node[order[k]];

			if (env_is_text(nd, "text/plain")) {
				buf_append(&env->text, nd->content.data,
				    nd->content.len);
				break;
			}
		}
	} else {
		/* node[] is in depth-first pre-order already */
		for (i = 0; i < t->count; i++) {
			if (!env_is_text(&t->node[i], "text/plain"))
				continue;
			if (!first)
				buf_puts(&env->text, "\n--\n");
			buf_append(&env->text, t->node[i].content.data,
			    t->node[i].content.len);
			first = 0;
		}
	}
	for (i = 0; i < t->count; i++) {
		if (env_is_text(&t->node[i], "text/html")) {
			buf_append(&env->html, t->node[i].content.data,
			    t->node[i].content.len);
			break;
		}
	}
	for (k = 0; k < t->count; k++) {
		if (env_is_attachment(&t->node[order[k]]) &&
		    env_add_attachment(env, &t->node[order[k]]) == -1) {
			free(order);
			return -1;
		}
	}
	free(order);
	return 0;
}

static int
env_single(struct mime_envelope *env, struct mime_tree *t)
{
	struct mime_node *root = &t->node[0];
	char		  name[MIME_META_NAME_MAX], err[128];
	struct buf	  again;
	int		  binary, r;

	if (!root->has_type || strcmp(root->type, "text/plain") == 0 ||
	    strcmp(root->type, "text/html") == 0)
		binary = strcmp(root->disposition, "attachment") == 0;
	else
		binary = 1;
	if (binary) {
		if (strcmp(root->disposition, "inline") == 0)
			return 0;
		return env_add_attachment(env, root);
	}
	if (root->has_type && strcmp(root->type, "text/html") == 0) {
		if (buf_append(&env->html, root->content.data,
		    root->content.len) == -1)
			return -1;
		if ((root->charset != NULL && root->charset[0] != '\0') ||
		    !mime_meta_charset(root->content.data, root->content.len,
		    name, sizeof(name)))
			return 0;
		/* decoded a second time from the already decoded content */
		buf_init(&again, 4 * root->content.len + 4096);
		r = charset_decode_named(name, root->content.data != NULL ?
		    root->content.data : (const uint8_t *)"",
		    root->content.len, &again, err, sizeof(err));
		if (r == 0) {
			buf_reset(&env->html);
			buf_append(&env->html, again.data, again.len);
		}
		buf_free(&again);
		return buf_failed(&env->html) ? -1 : 0;
	}
	return buf_append(&env->text, root->content.data, root->content.len);
}

int
mime_read_envelope(const uint8_t *p, size_t n, struct mime_envelope *env,
    int timed, char *err, size_t errlen)
{
	struct mime_tree	*t;
	struct mime_header	 root;
	uint64_t		 t0;
	int			 rc = -1;

	memset(env, 0, sizeof(*env));
	memset(&root, 0, sizeof(root));
	if (errlen > 0)
		err[0] = '\0';
	buf_init(&env->text, 8 * n + 65536);
	buf_init(&env->html, 4 * n + 4096);
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	env->tree = t;
	t->timed = timed;
	if (mime_tree_build(t, p, n, &root, err, errlen) == -1) {
		if (errlen > 0 && err[0] == '\0')
			goto oom;
		goto done;
	}
	env->ns_charset = t->ns_charset;
	if (t->node[0].container)
		rc = env_multipart(env, t);
	else
		rc = env_single(env, t);
	if (rc == -1)
		goto oom;
	rc = -1;
	if (env->text.len == 0 && env->html.len > 0) {
		t0 = timed ? mime_now_ns() : 0;
		if (html2text(env->html.data, env->html.len, &env->text) == -1) {
			/* Over html2text's limits, or libgumbo failed. */
			snprintf(err, errlen, "HTML could not be rendered");
			goto done;
		}
		if (timed)
			env->ns_html2text = mime_now_ns() - t0;
	}
	if (buf_failed(&env->text) || buf_failed(&env->html))
		goto oom;
	if (root.field[MIME_MESSAGE_ID] != NULL) {
		env->message_id = root.field[MIME_MESSAGE_ID];
		root.field[MIME_MESSAGE_ID] = NULL;
	}
	if (root.field[MIME_SUBJECT] != NULL) {
		env->subject = root.field[MIME_SUBJECT];
		root.field[MIME_SUBJECT] = NULL;
	}
	rc = 0;
	goto done;
oom:
	snprintf(err, errlen, "out of memory");
done:
	mime_header_free(&root);
	if (rc == -1)
		mime_envelope_free(env);
	return rc;
}

void
mime_envelope_free(struct mime_envelope *env)
{
	buf_free(&env->text);
	buf_free(&env->html);
	free(env->attachments);
	free(env->message_id);
	free(env->subject);
	if (env->tree != NULL) {
		mime_tree_free(env->tree);
		free(env->tree);
	}
	memset(env, 0, sizeof(*env));
}
