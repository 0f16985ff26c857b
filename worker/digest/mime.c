/*
 * The part tree, built the way enmime's parseParts and boundaryReader
 * split a multipart body.  The scanner rules (spec digest-parity.md 4.2):
 *
 * - Between parts, lines are read: blank-starting lines are skipped, a line
 *   containing "--B--" ends the multipart, a line with "--B" followed by a
 *   white-space byte (and ending in LF) starts a part, anything else is
 *   preamble before the first part and an error after it.
 * - A part ends before a CR or LF whose following bytes hold a delimiter
 *   or terminator; enmime peeks a fixed window there, so nothing is found
 *   when fewer bytes remain.  During the first 4096 bytes of each part
 *   (enmime's first bufio fill) every other byte is tested too, and if the
 *   part stopped there, the rest up to the next CR/LF boundary is skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "charset.h"
#include "mediatype.h"
#include "mime.h"
#include "mime_tree.h"

/* Comparisons allowed per message byte before the scanner gives up. */
#define MIME_BUDGET_FACTOR	256
#define MIME_BUDGET_BASE	(64u * 1024 * 1024)

struct scanner {
	const uint8_t	*d;		/* "--" + boundary */
	size_t		 dlen;
	const uint8_t	*p;		/* the multipart body */
	size_t		 n;
	struct mime_tree *tree;
};

uint64_t
mime_now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Go's unicode.IsSpace(rune(b)) for one byte. */
static int
scan_ws(uint8_t c)
{
	return c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	    c == '\r' || c == ' ' || c == 0x85 || c == 0xA0;
}

static int
scan_eq(struct scanner *sc, const uint8_t *w)
{
	if (sc->tree->budget < sc->dlen)
		sc->tree->budget = 0;
	else
		sc->tree->budget -= sc->dlen;
	return memcmp(w, sc->d, sc->dlen) == 0;
}

/* isDelimiter || isTerminator on the L+2 byte window at w. */
static int
scan_window(struct scanner *sc, const uint8_t *w)
{
	size_t	L = sc->dlen;

	if (w[0] != '-' && w[1] != '-')
		return 0;
	if (scan_eq(sc, w))
		return scan_ws(w[L]) || (w[L] == '-' && w[L + 1] == '-');
	return scan_eq(sc, w + 1) && scan_ws(w[L + 1]);
}

/*
 * The first position >= from where enmime's Read stops, or n.  Positions
 * before start_end are in "start of part" mode.  *mid is set when the
 * stop was found by that mode alone.
 */
static size_t
scan_part_end(struct scanner *sc, size_t from, size_t start_end, int *mid)
{
	size_t		 i, L = sc->dlen;
	const uint8_t	*p = sc->p;

	*mid = 0;
	for (i = from; i < sc->n; i++) {
		if (sc->tree->budget == 0)
			return sc->n;
		if (p[i] == '\r') {
			if (i + L + 4 > sc->n)
				continue;
			if (p[i + 1] == '\n' && (p[i + 2] == '\r' ||
			    p[i + 2] == '\n'))
				continue;
			if (scan_window(sc, p + i + 2))
				return i;
		} else if (p[i] == '\n') {
			if (i + L + 3 > sc->n)
				continue;
			if (p[i + 1] == '\n' || p[i + 1] == '\r')
				continue;
			if (scan_window(sc, p + i + 1))
				return i;
		} else if (i < start_end) {
			if (i + L + 2 > sc->n)
				continue;
			if (scan_window(sc, p + i)) {
				*mid = 1;
				return i;
			}
		}
	}
	return sc->n;
}

static const uint8_t *
scan_find(struct scanner *sc, const uint8_t *s, size_t n, const uint8_t *d,
    size_t dlen)
{
	if (n < dlen)
		return NULL;
	if (sc->tree->budget < n)
		sc->tree->budget = 0;
	else
		sc->tree->budget -= n;
	return memmem(s, n, d, dlen);
}

static int	tree_part(struct mime_tree *, const uint8_t *, size_t, int,
		    size_t, size_t *, char *, size_t);

static int
tree_split(struct mime_tree *t, size_t parent, const char *boundary,
    const uint8_t *p, size_t n, int depth, char *err, size_t errlen)
{
	struct scanner	 sc;
	struct buf	 term;
	size_t		 pos = 0, eol, len, part_start, part_end, child;
	size_t		 parts = 0;
	const uint8_t	*line, *lf, *at;
	int		 mid = 0, has_lf, rc = -1;

	buf_init(&term, 0);
	buf_puts(&term, "--");
	buf_puts(&term, boundary);
	buf_puts(&term, "--");
	if (buf_failed(&term))
		return -1;
	sc.d = term.data;
	sc.dlen = term.len - 2;
	sc.p = p;
	sc.n = n;
	sc.tree = t;
	for (;;) {
		/* Next(): find the delimiter line of the next part */
		for (;;) {
			if (pos >= n)
				goto out;	/* io.EOF: no more parts */
			line = p + pos;
			lf = memchr(line, '\n', n - pos);
			eol = lf != NULL ? (size_t)(lf - p) + 1 : n;
			len = eol - pos;
			has_lf = lf != NULL;
			pos = eol;
			if (line[0] == '\r' || line[0] == '\n')
				continue;
			if (scan_find(&sc, line, len, term.data, term.len) !=
			    NULL)
				goto out;	/* terminator */
			if (has_lf && (at = scan_find(&sc, line, len, sc.d,
			    sc.dlen)) != NULL && (size_t)(at - line) + sc.dlen
			    < len && scan_ws(at[sc.dlen]))
				break;		/* delimiter */
			if (!has_lf)
				goto out;
			if (parts > 0) {
				snprintf(err, errlen, "expecting boundary");
				goto done;
			}
		}
		if (t->budget == 0) {
			snprintf(err, errlen, "multipart too complex");
			goto done;
		}
		if (sc.dlen + 4 > MIME_PEEK_SIZE) {
			/* enmime's peeks fail: it never gets past the part */
			snprintf(err, errlen, "boundary too long");
			goto done;
		}
		parts++;
		part_start = pos;
		part_end = scan_part_end(&sc, part_start, part_start +
		    MIME_PEEK_SIZE, &mid);
		if (t->count >= MIME_MAX_PARTS)
			goto out;
		if (tree_part(t, p + part_start, part_end - part_start, depth,
		    parent, &child, err, errlen) == -1)
			goto done;
		/* Next() first drains the part: past a mid-line stop, up to
		 * the next boundary found at a line break */
		pos = part_end;
		if (mid && part_end > part_start)
			pos = scan_part_end(&sc, part_end, 0, &mid);
	}
out:
	rc = 0;
done:
	buf_free(&term);
	return rc;
}

static size_t
tree_new_node(struct mime_tree *t, size_t parent)
{
	struct mime_node	*nn;
	size_t			 i;

	if (t->count == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;

		if ((nn = reallocarray(t->node, ncap, sizeof(*nn))) == NULL)
			return MIME_NONE;
		t->node = nn;
		t->cap = ncap;
	}
	i = t->count++;
	memset(&t->node[i], 0, sizeof(t->node[i]));
	buf_init(&t->node[i].content, 4 * t->message_len + 4096);
	t->node[i].first_child = t->node[i].last_child = MIME_NONE;
	t->node[i].next_sibling = MIME_NONE;
	if (parent != MIME_NONE) {
		if (t->node[parent].last_child == MIME_NONE)
			t->node[parent].first_child = i;
		else
			t->node[t->node[parent].last_child].next_sibling = i;
		t->node[parent].last_child = i;
	}
	return i;
}

static int
tree_decode_leaf(struct mime_tree *t, struct mime_node *nd,
    struct mime_header *h, const uint8_t *body, size_t bodylen,
    char *err, size_t errlen)
{
	enum mime_cte	 cte;
	struct buf	 raw;
	const uint8_t	*src = body;
	size_t		 srclen = bodylen;
	const char	*declared;
	uint64_t	 t0 = 0;
	int		 rc = -1;

	cte = mime_cte_parse(h->field[MIME_CONTENT_TRANSFER_ENCODING],
	    h->fieldlen[MIME_CONTENT_TRANSFER_ENCODING]);
	buf_init(&raw, bodylen + 16);
	if (cte == MIME_CTE_BASE64 || cte == MIME_CTE_QP) {
		if ((cte == MIME_CTE_BASE64 ? mime_decode_base64(body, bodylen,
		    &raw) : mime_decode_qp(body, bodylen, &raw)) == -1)
			goto done;
		src = raw.data != NULL ? raw.data : (const uint8_t *)"";
		srclen = raw.len;
	}
	if (cte != MIME_CTE_UNKNOWN && strncmp(nd->type, "text/", 5) == 0) {
		declared = nd->has_type ? nd->charset : "us-ascii";
		if (t->timed)
			t0 = mime_now_ns();
		if (charset_convert_part(strcmp(nd->type, "text/html") == 0,
		    declared, src, srclen, &nd->content, err, errlen) == -1)
			goto done;
		if (t->timed)
			t->ns_charset += mime_now_ns() - t0;
	} else if (buf_append(&nd->content, src, srclen) == -1)
		goto done;
	rc = 0;
done:
	buf_free(&raw);
	return rc;
}

/*
 * One part (or the root when parent is MIME_NONE): its header block, its
 * attributes (spec 4.3), then its children or its decoded content.
 */
static int
tree_part(struct mime_tree *t, const uint8_t *p, size_t n, int depth,
    size_t parent, size_t *out, char *err, size_t errlen)
{
	struct mime_header	 h, *hp = &h;
	struct mediatype	 ct, cd;
	struct mime_node	*nd;
	size_t			 i;
	int			 rc = -1, is_root = parent == MIME_NONE;
	const char		*boundary = NULL;

	memset(&ct, 0, sizeof(ct));
	memset(&cd, 0, sizeof(cd));
	if (mime_header_parse(p, n, &h, err, errlen) == -1)
		return -1;
	if ((i = tree_new_node(t, parent)) == MIME_NONE)
		goto done;
	*out = i;
	nd = &t->node[i];
	if (h.field[MIME_CONTENT_TYPE] != NULL &&
	    h.fieldlen[MIME_CONTENT_TYPE] > 0) {
		if (mediatype_parse((const uint8_t *)h.field[MIME_CONTENT_TYPE],
		    h.fieldlen[MIME_CONTENT_TYPE], &ct) == -1)
			goto done;
		if (ct.error != NULL) {
			snprintf(err, errlen, "Content-Type: %s", ct.error);
			goto done;
		}
		nd->has_type = 1;
		nd->type = ct.type;
		ct.type = NULL;
		nd->charset = ct.charset;
		ct.charset = NULL;
		boundary = ct.boundary;
	} else if (is_root) {
		nd->type = strdup("text/plain");
	} else
		nd->type = strdup("");
	if (nd->type == NULL)
		goto done;
	/* a part without Content-Type does not even read its disposition */
	if ((nd->has_type || is_root) &&
	    h.field[MIME_CONTENT_DISPOSITION] != NULL &&
	    h.fieldlen[MIME_CONTENT_DISPOSITION] > 0) {
		if (mediatype_parse((const uint8_t *)
		    h.field[MIME_CONTENT_DISPOSITION],
		    h.fieldlen[MIME_CONTENT_DISPOSITION], &cd) == -1)
			goto done;
		if (cd.error == NULL) {
			nd->disposition = cd.type;
			cd.type = NULL;
		}
	}
	if (nd->disposition == NULL && (nd->disposition = strdup("")) == NULL)
		goto done;
	if (is_root) {
		if (strncmp(nd->type, "multipart/", 10) == 0) {
			if (boundary == NULL || *boundary == '\0') {
				snprintf(err, errlen, "multipart without "
				    "boundary");
				goto done;
			}
			nd->container = 1;
		}
	} else
		nd->container = boundary != NULL && *boundary != '\0';
	if (nd->container && depth >= MIME_MAX_DEPTH)
		nd->container = 0;	/* too deep: kept as an opaque leaf */
	if (nd->container) {
		if (tree_split(t, i, boundary, p + h.body, n - h.body,
		    depth + 1, err, errlen) == -1)
			goto done;
	} else if (nd->has_type || is_root) {
		/* the node array may move while children are added, but a
		 * leaf adds none */
		if (tree_decode_leaf(t, nd, hp, p + h.body, n - h.body, err,
		    errlen) == -1)
			goto done;
	}
	rc = 0;
done:
	mediatype_free(&ct);
	mediatype_free(&cd);
	mime_header_free(&h);
	return rc;
}

int
mime_tree_build(struct mime_tree *t, const uint8_t *p, size_t n,
    struct mime_header *root, char *err, size_t errlen)
{
	size_t	 top;
	int	 timed = t->timed;

	memset(t, 0, sizeof(*t));
	t->timed = timed;
	t->message = p;
	t->message_len = n;
	t->budget = MIME_BUDGET_BASE + MIME_BUDGET_FACTOR * n;
	if (tree_part(t, p, n, 0, MIME_NONE, &top, err, errlen) == -1)
		return -1;
	if (t->budget == 0) {
		/* only crafted input gets here; refuse it like bad MIME */
		snprintf(err, errlen, "multipart too complex");
		return -1;
	}
	/* the root's header again, for Message-ID and Subject */
	return mime_header_parse(p, n, root, err, errlen);
}

void
mime_tree_free(struct mime_tree *t)
{
	size_t	i;

	for (i = 0; i < t->count; i++) {
		free(t->node[i].type);
		free(t->node[i].charset);
		free(t->node[i].disposition);
		buf_free(&t->node[i].content);
	}
	free(t->node);
	memset(t, 0, sizeof(*t));
}
