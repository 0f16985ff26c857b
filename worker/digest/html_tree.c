/*
 * gumbo's tree for prepared documents, without gumbo (html_tree.h).
 *
 * The insertion modes below follow gumbo 0.10.1's parser step by step,
 * quirks included, since html2text_prep.c and the renderer were made to
 * turn gumbo's tree into upstream's text: the adoption agency stops its
 * inner loop after three elements; an end tag of a formatting element
 * that is not in the list of active formatting elements is ignored; an
 * unknown end tag closes the nearest unknown element whatever its name;
 * text is buffered and lands where the current node is when the buffer
 * is flushed (an element inserted or popped, a comment appended).
 *
 * The tokenizer declines rather than guess: any construct whose handling
 * it does not reproduce exactly sends the whole document to gumbo.  The
 * prepared input is small (text runs are single placeholder code points),
 * so a character token per code point is cheap enough.
 */
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <gumbo.h>

#include "html_tree.h"
#include "utf8.h"

#define HT_MAX_NODES	(1u << 24)

enum ht_tok {
	TK_CHAR,
	TK_WS,
	TK_DOCTYPE,
	TK_START,
	TK_END,
	TK_COMMENT,
	TK_EOF
};

enum ht_mode {
	M_INITIAL,
	M_BEFORE_HTML,
	M_BEFORE_HEAD,
	M_IN_HEAD,
	M_AFTER_HEAD,
	M_IN_BODY,
	M_TEXT,
	M_IN_TABLE,
	M_IN_TABLE_TEXT,
	M_IN_CAPTION,
	M_IN_COLGROUP,
	M_IN_TBODY,
	M_IN_ROW,
	M_IN_CELL,
	M_IN_SELECT,
	M_IN_SELECT_IN_TABLE,
	M_AFTER_BODY,
	M_AFTER_AFTER_BODY
};

struct ht_token {
	enum ht_tok	 type;
	GumboTag	 tag;
	int		 self_closing;
	GumboVector	 attrs;		/* start tags */
	uint32_t	 c;		/* TK_CHAR, TK_WS */
	int		 quirks;	/* TK_DOCTYPE: quirks mode */
	const char	*text;		/* TK_COMMENT, NUL-terminated */
};

struct ht {
	const GumboOptions	*opt;
	const uint8_t		*s;
	size_t			 len;
	size_t			 i;
	GumboTag		 raw;		/* raw text element, or LAST */
	int			 rcdata;

	GumboOutput		*out;
	GumboNode		*doc;
	GumboNode		*root;
	GumboNode		*head;
	GumboNode		*form;
	GumboVector		 open;
	GumboVector		 afe;		/* &ht_marker: a marker */
	enum ht_mode		 mode;
	enum ht_mode		 orig_mode;
	int			 frameset_ok;
	int			 ignore_lf;
	int			 foster;
	int			 reprocess;
	int			 quirks;
	size_t			 nodes;

	uint8_t			*tb;		/* pending text */
	size_t			 tblen;
	size_t			 tbcap;
	int			 tbtext;	/* not only white space */

	struct ht_token		 tok;
	jmp_buf			 decline;
};

static GumboNode ht_marker;

static _Noreturn void
ht_decline(struct ht *t)
{
	longjmp(t->decline, 1);
}

static void *
ht_alloc(struct ht *t, size_t n)
{
	void *p;

	if ((p = t->opt->allocator(t->opt->userdata, n)) == NULL)
		ht_decline(t);
	return p;
}

static void
ht_free(struct ht *t, void *p)
{
	t->opt->deallocator(t->opt->userdata, p);
}

static char *
ht_strdup(struct ht *t, const uint8_t *s, size_t n)
{
	char *p = ht_alloc(t, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Vectors. */

static void
vec_grow(struct ht *t, GumboVector *v)
{
	unsigned int cap;
	void **d;

	if (v->length < v->capacity)
		return;
	if (v->capacity >= (1u << 28))
		ht_decline(t);
	cap = v->capacity == 0 ? 4 : v->capacity * 2;
	d = ht_alloc(t, cap * sizeof(*d));
	if (v->length > 0)
		memcpy(d, v->data, v->length * sizeof(*d));
	if (v->data != NULL)
		ht_free(t, v->data);
	v->data = d;
	v->capacity = cap;
}

static void
vec_push(struct ht *t, GumboVector *v, void *x)
{
	vec_grow(t, v);
	v->data[v->length++] = x;
}

static void
vec_insert(struct ht *t, GumboVector *v, unsigned int at, void *x)
{
	vec_grow(t, v);
	memmove(v->data + at + 1, v->data + at,
	    (v->length - at) * sizeof(*v->data));
	v->data[at] = x;
	v->length++;
}

static void
vec_remove_at(GumboVector *v, unsigned int at)
{
	memmove(v->data + at, v->data + at + 1,
	    (v->length - at - 1) * sizeof(*v->data));
	v->length--;
}

static int
vec_index(const GumboVector *v, const void *x)
{
	unsigned int i;

	for (i = 0; i < v->length; i++)
		if (v->data[i] == x)
			return (int)i;
	return -1;
}

static void
vec_remove(GumboVector *v, const void *x)
{
	int i;

	if ((i = vec_index(v, x)) != -1)
		vec_remove_at(v, (unsigned int)i);
}

/* Tags and tag sets. */

static int
is_el(const GumboNode *n, GumboTag tag)
{
	return n != NULL && n->type == GUMBO_NODE_ELEMENT &&
	    n->v.element.tag == tag;
}

static GumboTag
tagof(const GumboNode *n)
{
	return n->type == GUMBO_NODE_ELEMENT ? n->v.element.tag :
	    GUMBO_TAG_LAST;
}

static int
is_special(GumboTag t)
{
	switch (t) {
	case GUMBO_TAG_ADDRESS: case GUMBO_TAG_APPLET: case GUMBO_TAG_AREA:
	case GUMBO_TAG_ARTICLE: case GUMBO_TAG_ASIDE: case GUMBO_TAG_BASE:
	case GUMBO_TAG_BASEFONT: case GUMBO_TAG_BGSOUND:
	case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_BODY: case GUMBO_TAG_BR:
	case GUMBO_TAG_BUTTON: case GUMBO_TAG_CAPTION: case GUMBO_TAG_CENTER:
	case GUMBO_TAG_COL: case GUMBO_TAG_COLGROUP: case GUMBO_TAG_MENUITEM:
	case GUMBO_TAG_DD: case GUMBO_TAG_DETAILS: case GUMBO_TAG_DIR:
	case GUMBO_TAG_DIV: case GUMBO_TAG_DL: case GUMBO_TAG_DT:
	case GUMBO_TAG_EMBED: case GUMBO_TAG_FIELDSET:
	case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_FIGURE:
	case GUMBO_TAG_FOOTER: case GUMBO_TAG_FORM: case GUMBO_TAG_FRAME:
	case GUMBO_TAG_FRAMESET: case GUMBO_TAG_H1: case GUMBO_TAG_H2:
	case GUMBO_TAG_H3: case GUMBO_TAG_H4: case GUMBO_TAG_H5:
	case GUMBO_TAG_H6: case GUMBO_TAG_HEAD: case GUMBO_TAG_HEADER:
	case GUMBO_TAG_HGROUP: case GUMBO_TAG_HR: case GUMBO_TAG_HTML:
	case GUMBO_TAG_IFRAME: case GUMBO_TAG_IMG: case GUMBO_TAG_INPUT:
	case GUMBO_TAG_ISINDEX: case GUMBO_TAG_LI: case GUMBO_TAG_LINK:
	case GUMBO_TAG_LISTING: case GUMBO_TAG_MARQUEE: case GUMBO_TAG_MENU:
	case GUMBO_TAG_META: case GUMBO_TAG_NAV: case GUMBO_TAG_NOEMBED:
	case GUMBO_TAG_NOFRAMES: case GUMBO_TAG_NOSCRIPT:
	case GUMBO_TAG_OBJECT: case GUMBO_TAG_OL: case GUMBO_TAG_P:
	case GUMBO_TAG_PARAM: case GUMBO_TAG_PLAINTEXT: case GUMBO_TAG_PRE:
	case GUMBO_TAG_SCRIPT: case GUMBO_TAG_SECTION: case GUMBO_TAG_SELECT:
	case GUMBO_TAG_STYLE: case GUMBO_TAG_SUMMARY: case GUMBO_TAG_TABLE:
	case GUMBO_TAG_TBODY: case GUMBO_TAG_TD: case GUMBO_TAG_TEXTAREA:
	case GUMBO_TAG_TFOOT: case GUMBO_TAG_TH: case GUMBO_TAG_THEAD:
	case GUMBO_TAG_TITLE: case GUMBO_TAG_TR: case GUMBO_TAG_UL:
	case GUMBO_TAG_WBR: case GUMBO_TAG_XMP:
		return 1;
	default:
		return 0;
	}
}

static int
is_table_context(const GumboNode *n)
{
	switch (tagof(n)) {
	case GUMBO_TAG_TABLE: case GUMBO_TAG_TBODY: case GUMBO_TAG_TFOOT:
	case GUMBO_TAG_THEAD: case GUMBO_TAG_TR:
		return 1;
	default:
		return 0;
	}
}

static int
is_implied_end(GumboTag t)
{
	switch (t) {
	case GUMBO_TAG_DD: case GUMBO_TAG_DT: case GUMBO_TAG_LI:
	case GUMBO_TAG_OPTION: case GUMBO_TAG_OPTGROUP: case GUMBO_TAG_P:
	case GUMBO_TAG_RP: case GUMBO_TAG_RT:
		return 1;
	default:
		return 0;
	}
}

static int
is_heading(GumboTag t)
{
	return t == GUMBO_TAG_H1 || t == GUMBO_TAG_H2 || t == GUMBO_TAG_H3 ||
	    t == GUMBO_TAG_H4 || t == GUMBO_TAG_H5 || t == GUMBO_TAG_H6;
}

/* Scopes (no foreign elements ever get here). */
enum { SC_DEFAULT, SC_LIST, SC_BUTTON, SC_TABLE, SC_SELECT };

static int
scope_stop(int scope, GumboTag t)
{
	switch (scope) {
	case SC_TABLE:
		return t == GUMBO_TAG_HTML || t == GUMBO_TAG_TABLE;
	case SC_SELECT:
		return t != GUMBO_TAG_OPTGROUP && t != GUMBO_TAG_OPTION;
	case SC_LIST:
		if (t == GUMBO_TAG_OL || t == GUMBO_TAG_UL)
			return 1;
		break;
	case SC_BUTTON:
		if (t == GUMBO_TAG_BUTTON)
			return 1;
		break;
	}
	return t == GUMBO_TAG_APPLET || t == GUMBO_TAG_CAPTION ||
	    t == GUMBO_TAG_HTML || t == GUMBO_TAG_TABLE || t == GUMBO_TAG_TD ||
	    t == GUMBO_TAG_TH || t == GUMBO_TAG_MARQUEE ||
	    t == GUMBO_TAG_OBJECT;
}

static int
in_scope(struct ht *t, GumboTag want, int scope)
{
	unsigned int i;
	GumboTag tag;

	for (i = t->open.length; i-- > 0;) {
		tag = tagof(t->open.data[i]);
		if (tag == want)
			return 1;
		if (scope_stop(scope, tag))
			return 0;
	}
	return 0;
}

static int
heading_in_scope(struct ht *t)
{
	unsigned int i;
	GumboTag tag;

	for (i = t->open.length; i-- > 0;) {
		tag = tagof(t->open.data[i]);
		if (is_heading(tag))
			return 1;
		if (scope_stop(SC_DEFAULT, tag))
			return 0;
	}
	return 0;
}

static int
node_in_scope(struct ht *t, const GumboNode *node)
{
	unsigned int i;

	for (i = t->open.length; i-- > 0;) {
		if (t->open.data[i] == node)
			return 1;
		if (scope_stop(SC_DEFAULT, tagof(t->open.data[i])))
			return 0;
	}
	return 0;
}

/* Nodes. */

static GumboNode *
current(struct ht *t)
{
	return t->open.length > 0 ? t->open.data[t->open.length - 1] : NULL;
}

static GumboNode *
new_node(struct ht *t, GumboNodeType type)
{
	GumboNode *n;

	if (++t->nodes > HT_MAX_NODES)
		ht_decline(t);
	n = ht_alloc(t, sizeof(*n));
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->index_within_parent = (size_t)-1;
	return n;
}

static GumboNode *
new_element(struct ht *t, GumboTag tag)
{
	GumboNode *n = new_node(t, GUMBO_NODE_ELEMENT);

	n->v.element.tag = tag;
	n->v.element.tag_namespace = GUMBO_NAMESPACE_HTML;
	return n;
}

static GumboNode *
element_from_token(struct ht *t)
{
	GumboNode *n = new_element(t, t->tok.tag);

	n->v.element.attributes = t->tok.attrs;
	memset(&t->tok.attrs, 0, sizeof(t->tok.attrs));
	return n;
}

static GumboVector *
children(GumboNode *n)
{
	return n->type == GUMBO_NODE_DOCUMENT ? &n->v.document.children :
	    &n->v.element.children;
}

static void
append_node(struct ht *t, GumboNode *parent, GumboNode *node)
{
	GumboVector *v = children(parent);

	node->parent = parent;
	node->index_within_parent = v->length;
	vec_push(t, v, node);
}

static void
insert_node(struct ht *t, GumboNode *parent, unsigned int at, GumboNode *node)
{
	GumboVector *v = children(parent);
	unsigned int i;

	node->parent = parent;
	vec_insert(t, v, at, node);
	for (i = at; i < v->length; i++)
		((GumboNode *)v->data[i])->index_within_parent = i;
}

static void
remove_from_parent(GumboNode *node)
{
	GumboVector *v;
	unsigned int i;
	int at;

	if (node->parent == NULL)
		return;
	v = children(node->parent);
	if ((at = vec_index(v, node)) == -1)
		return;
	vec_remove_at(v, (unsigned int)at);
	for (i = (unsigned int)at; i < v->length; i++)
		((GumboNode *)v->data[i])->index_within_parent = i;
	node->parent = NULL;
	node->index_within_parent = (size_t)-1;
}

static void
foster_parent(struct ht *t, GumboNode *node)
{
	GumboNode *table, *parent;
	unsigned int i;

	for (i = t->open.length; --i > 1;) {
		table = t->open.data[i];
		if (!is_el(table, GUMBO_TAG_TABLE))
			continue;
		parent = table->parent;
		if (parent == NULL || parent->type != GUMBO_NODE_ELEMENT) {
			/* gumbo appends to the element below the table */
			ht_decline(t);
		}
		insert_node(t, parent, (unsigned int)table->index_within_parent,
		    node);
		return;
	}
	ht_decline(t);
}

static void
flush_text(struct ht *t)
{
	GumboNode *n;

	if (t->tblen == 0)
		return;
	n = new_node(t, t->tbtext ? GUMBO_NODE_TEXT : GUMBO_NODE_WHITESPACE);
	t->tb[t->tblen] = '\0';
	n->v.text.text = (const char *)t->tb;
	t->tb = NULL;
	t->tblen = t->tbcap = 0;
	t->tbtext = 0;
	if (t->foster && is_table_context(current(t)))
		foster_parent(t, n);
	else
		append_node(t, t->root != NULL ? current(t) : t->doc, n);
}

static void
insert_char(struct ht *t, uint32_t c, int text)
{
	uint8_t *nb;
	size_t cap;

	if (t->tblen + 5 > t->tbcap) {
		cap = t->tbcap == 0 ? 64 : t->tbcap * 2;
		nb = ht_alloc(t, cap);
		if (t->tblen > 0)
			memcpy(nb, t->tb, t->tblen);
		if (t->tb != NULL)
			ht_free(t, t->tb);
		t->tb = nb;
		t->tbcap = cap;
	}
	t->tblen += utf8_encode(c, t->tb + t->tblen);
	if (text)
		t->tbtext = 1;
}

static void
insert_text_token(struct ht *t)
{
	insert_char(t, t->tok.c, t->tok.type == TK_CHAR);
}

static GumboNode *
pop(struct ht *t)
{
	flush_text(t);
	if (t->open.length == 0)
		return NULL;
	return t->open.data[--t->open.length];
}

static void
insert_element(struct ht *t, GumboNode *n, int reconstructing)
{
	if (!reconstructing)
		flush_text(t);
	if (t->foster && is_table_context(current(t))) {
		foster_parent(t, n);
		vec_push(t, &t->open, n);
		return;
	}
	append_node(t, t->root != NULL ? current(t) : t->doc, n);
	vec_push(t, &t->open, n);
}

static GumboNode *
insert_from_token(struct ht *t)
{
	GumboNode *n = element_from_token(t);

	insert_element(t, n, 0);
	return n;
}

static GumboNode *
insert_of_tag(struct ht *t, GumboTag tag)
{
	GumboNode *n = new_element(t, tag);

	insert_element(t, n, 0);
	return n;
}

static void
append_comment(struct ht *t, GumboNode *parent)
{
	GumboNode *n;

	flush_text(t);
	n = new_node(t, GUMBO_NODE_COMMENT);
	n->v.text.text = t->tok.text;
	append_node(t, parent, n);
}

static void
start_raw(struct ht *t, int rcdata)
{
	insert_from_token(t);
	t->raw = t->tok.tag;
	t->rcdata = rcdata;
	t->orig_mode = t->mode;
	t->mode = M_TEXT;
}

/* Active formatting elements. */

static int
attrs_match(const GumboVector *a, const GumboVector *b)
{
	const GumboAttribute *x, *y;
	unsigned int i;

	if (a->length != b->length)
		return 0;
	for (i = 0; i < a->length; i++) {
		x = a->data[i];
		if ((y = gumbo_get_attribute(b, x->name)) == NULL ||
		    strcmp(x->value, y->value) != 0)
			return 0;
	}
	return 1;
}

static void
afe_add(struct ht *t, GumboNode *n)
{
	unsigned int i, same = 0, earliest = 0;
	GumboNode *e;

	if (n != &ht_marker) {
		for (i = t->afe.length; i-- > 0;) {
			e = t->afe.data[i];
			if (e == &ht_marker)
				break;
			if (e->v.element.tag == n->v.element.tag &&
			    attrs_match(&e->v.element.attributes,
			    &n->v.element.attributes)) {
				same++;
				earliest = i;
			}
		}
		if (same >= 3)
			vec_remove_at(&t->afe, earliest);
	}
	vec_push(t, &t->afe, n);
}

static int
is_open(struct ht *t, const GumboNode *n)
{
	return vec_index(&t->open, n) != -1;
}

static GumboNode *
clone_element(struct ht *t, const GumboNode *n)
{
	GumboNode *c = new_element(t, n->v.element.tag);
	const GumboVector *a = &n->v.element.attributes;
	unsigned int i;

	for (i = 0; i < a->length; i++)
		vec_push(t, &c->v.element.attributes, a->data[i]);
	return c;
}

static void
reconstruct(struct ht *t)
{
	GumboNode *e, *c;
	unsigned int i;

	if (t->afe.length == 0)
		return;
	i = t->afe.length - 1;
	e = t->afe.data[i];
	if (e == &ht_marker || is_open(t, e))
		return;
	for (;;) {
		if (i == 0)
			break;
		e = t->afe.data[--i];
		if (e == &ht_marker || is_open(t, e)) {
			i++;
			break;
		}
	}
	for (; i < t->afe.length; i++) {
		c = clone_element(t, t->afe.data[i]);
		insert_element(t, c, 1);
		t->afe.data[i] = c;
	}
}

static void
clear_afe(struct ht *t)
{
	GumboNode *e;

	while (t->afe.length > 0) {
		e = t->afe.data[--t->afe.length];
		if (e == &ht_marker)
			break;
	}
}

/*
 * gumbo 0.10.1's adoption agency.  Where it puts the last node under a
 * table section (foster parenting through its insertion location logic)
 * is left to gumbo.
 */
static void
adoption_agency(struct ht *t, GumboTag subject)
{
	GumboNode *fe, *fb, *ca, *node, *last, *nfe, *e;
	GumboVector tmp;
	int fe_open, bookmark, node_index, saved, fi, k, outer, j;
	unsigned int u;

	node = current(t);
	if (is_el(node, subject) && vec_index(&t->afe, node) == -1) {
		pop(t);
		return;
	}
	for (outer = 0; outer < 8; outer++) {
		fe = NULL;
		fe_open = -1;
		for (k = (int)t->afe.length - 1; k >= 0; k--) {
			e = t->afe.data[k];
			if (e == &ht_marker)
				return;
			if (is_el(e, subject)) {
				fe = e;
				fe_open = vec_index(&t->open, fe);
				break;
			}
		}
		if (fe == NULL)
			return;
		if (fe_open == -1) {
			vec_remove(&t->afe, fe);
			return;
		}
		if (!in_scope(t, fe->v.element.tag, SC_DEFAULT))
			return;
		fb = NULL;
		for (u = (unsigned int)fe_open; u < t->open.length; u++) {
			if (is_special(tagof(t->open.data[u]))) {
				fb = t->open.data[u];
				break;
			}
		}
		if (fb == NULL) {
			while (current(t) != fe)
				pop(t);
			pop(t);
			vec_remove(&t->afe, fe);
			return;
		}
		ca = t->open.data[vec_index(&t->open, fe) - 1];
		if (is_table_context(ca))
			ht_decline(t);
		bookmark = vec_index(&t->afe, fe) + 1;
		node = last = fb;
		saved = vec_index(&t->open, node);
		for (j = 1;; j++) {
			node_index = vec_index(&t->open, node);
			if (node_index == -1)
				node_index = saved;
			saved = --node_index;
			if (node_index <= 0)
				ht_decline(t);
			node = t->open.data[node_index];
			if (node == fe)
				break;
			fi = vec_index(&t->afe, node);
			if (j > 3 && fi != -1) {
				vec_remove_at(&t->afe, (unsigned int)fi);
				if (fi < bookmark)
					bookmark--;
				continue;
			}
			if (fi == -1) {
				vec_remove_at(&t->open, (unsigned int)node_index);
				continue;
			}
			node = clone_element(t, node);
			t->afe.data[fi] = node;
			t->open.data[node_index] = node;
			if (last == fb)
				bookmark = fi + 1;
			remove_from_parent(last);
			append_node(t, node, last);
			last = node;
		}
		remove_from_parent(last);
		append_node(t, ca, last);
		nfe = clone_element(t, fe);
		tmp = nfe->v.element.children;
		nfe->v.element.children = fb->v.element.children;
		fb->v.element.children = tmp;
		for (u = 0; u < nfe->v.element.children.length; u++)
			((GumboNode *)nfe->v.element.children.data[u])->parent =
			    nfe;
		append_node(t, fb, nfe);
		fi = vec_index(&t->afe, fe);
		if (fi < bookmark)
			bookmark--;
		vec_remove_at(&t->afe, (unsigned int)fi);
		vec_insert(t, &t->afe, (unsigned int)bookmark, nfe);
		vec_remove(&t->open, fe);
		vec_insert(t, &t->open,
		    (unsigned int)vec_index(&t->open, fb) + 1, nfe);
	}
}

/* Stack helpers. */

static void
implied_end_tags(struct ht *t, GumboTag except)
{
	GumboNode *n;

	while ((n = current(t)) != NULL && is_implied_end(tagof(n)) &&
	    tagof(n) != except)
		pop(t);
}

static void
close_tags(struct ht *t, GumboTag target)
{
	implied_end_tags(t, target);
	while (current(t) != NULL && !is_el(current(t), target))
		pop(t);
	if (current(t) == NULL)
		ht_decline(t);
	pop(t);
}

static void
maybe_close_p(struct ht *t)
{
	if (in_scope(t, GUMBO_TAG_P, SC_BUTTON))
		close_tags(t, GUMBO_TAG_P);
}

static void
close_list_item(struct ht *t, int li)
{
	GumboNode *n;
	GumboTag tag;
	unsigned int i;

	t->frameset_ok = 0;
	for (i = t->open.length; i-- > 0;) {
		n = t->open.data[i];
		tag = tagof(n);
		if (li ? tag == GUMBO_TAG_LI :
		    (tag == GUMBO_TAG_DD || tag == GUMBO_TAG_DT)) {
			close_tags(t, tag);
			return;
		}
		if (is_special(tag) && tag != GUMBO_TAG_ADDRESS &&
		    tag != GUMBO_TAG_DIV && tag != GUMBO_TAG_P)
			return;
	}
}

static void
clear_to(struct ht *t, GumboTag a, GumboTag b, GumboTag c)
{
	GumboTag tag;

	for (;;) {
		if (current(t) == NULL)
			ht_decline(t);
		tag = tagof(current(t));
		if (tag == GUMBO_TAG_HTML || tag == a || tag == b || tag == c)
			return;
		pop(t);
	}
}

static void
reset_mode(struct ht *t)
{
	unsigned int i;
	int last;

	for (i = t->open.length; i-- > 0;) {
		last = i == 0;
		switch (tagof(t->open.data[i])) {
		case GUMBO_TAG_SELECT:
			t->mode = M_IN_SELECT;
			return;
		case GUMBO_TAG_TD:
		case GUMBO_TAG_TH:
			t->mode = last ? M_IN_BODY : M_IN_CELL;
			return;
		case GUMBO_TAG_TR:
			t->mode = M_IN_ROW;
			return;
		case GUMBO_TAG_TBODY:
		case GUMBO_TAG_THEAD:
		case GUMBO_TAG_TFOOT:
			t->mode = M_IN_TBODY;
			return;
		case GUMBO_TAG_CAPTION:
			t->mode = M_IN_CAPTION;
			return;
		case GUMBO_TAG_COLGROUP:
			t->mode = M_IN_COLGROUP;
			return;
		case GUMBO_TAG_TABLE:
			t->mode = M_IN_TABLE;
			return;
		case GUMBO_TAG_HEAD:
		case GUMBO_TAG_BODY:
			t->mode = M_IN_BODY;
			return;
		case GUMBO_TAG_FRAMESET:
			ht_decline(t);
			return;
		case GUMBO_TAG_HTML:
			t->mode = M_BEFORE_HEAD;
			return;
		default:
			if (last) {
				t->mode = M_IN_BODY;
				return;
			}
		}
	}
	ht_decline(t);
}

static int
close_table(struct ht *t)
{
	if (!in_scope(t, GUMBO_TAG_TABLE, SC_TABLE))
		return 0;
	while (!is_el(pop(t), GUMBO_TAG_TABLE))
		;
	reset_mode(t);
	return 1;
}

static void
close_cell(struct ht *t, GumboTag cell)
{
	implied_end_tags(t, GUMBO_TAG_LAST);
	while (!is_el(pop(t), cell))
		;
	clear_afe(t);
	t->mode = M_IN_ROW;
}

static void
close_current_cell(struct ht *t)
{
	close_cell(t, in_scope(t, GUMBO_TAG_TD, SC_TABLE) ? GUMBO_TAG_TD :
	    GUMBO_TAG_TH);
}

static void
close_select(struct ht *t)
{
	while (!is_el(pop(t), GUMBO_TAG_SELECT))
		;
	reset_mode(t);
}

static int
tok_start(struct ht *t, GumboTag tag)
{
	return t->tok.type == TK_START && t->tok.tag == tag;
}

static int
tok_end(struct ht *t, GumboTag tag)
{
	return t->tok.type == TK_END && t->tok.tag == tag;
}

static void
merge_attrs(struct ht *t, GumboNode *n)
{
	GumboVector *a = &t->tok.attrs;
	GumboAttribute *x;
	unsigned int i;

	for (i = 0; i < a->length; i++) {
		x = a->data[i];
		if (gumbo_get_attribute(&n->v.element.attributes, x->name) ==
		    NULL)
			vec_push(t, &n->v.element.attributes, x);
	}
}

static void	in_body(struct ht *);
static void	in_head(struct ht *);

static void
initial(struct ht *t)
{
	switch (t->tok.type) {
	case TK_WS:
		return;
	case TK_COMMENT:
		append_comment(t, t->doc);
		return;
	case TK_DOCTYPE:
		t->quirks = t->tok.quirks;
		t->mode = M_BEFORE_HTML;
		return;
	default:
		t->quirks = 1;
		t->mode = M_BEFORE_HTML;
		t->reprocess = 1;
	}
}

static void
before_html(struct ht *t)
{
	if (t->tok.type == TK_DOCTYPE || t->tok.type == TK_WS)
		return;
	if (t->tok.type == TK_COMMENT) {
		append_comment(t, t->doc);
		return;
	}
	if (tok_start(t, GUMBO_TAG_HTML)) {
		t->root = insert_from_token(t);
		t->out->root = t->root;
		t->mode = M_BEFORE_HEAD;
		return;
	}
	if (t->tok.type == TK_END && !tok_end(t, GUMBO_TAG_HEAD) &&
	    !tok_end(t, GUMBO_TAG_BODY) && !tok_end(t, GUMBO_TAG_HTML) &&
	    !tok_end(t, GUMBO_TAG_BR))
		return;
	t->root = insert_of_tag(t, GUMBO_TAG_HTML);
	t->out->root = t->root;
	t->mode = M_BEFORE_HEAD;
	t->reprocess = 1;
}

static void
before_head(struct ht *t)
{
	if (t->tok.type == TK_DOCTYPE || t->tok.type == TK_WS)
		return;
	if (t->tok.type == TK_COMMENT) {
		append_comment(t, current(t));
		return;
	}
	if (tok_start(t, GUMBO_TAG_HEAD)) {
		t->head = insert_from_token(t);
		t->mode = M_IN_HEAD;
		return;
	}
	if (t->tok.type == TK_END && !tok_end(t, GUMBO_TAG_HEAD) &&
	    !tok_end(t, GUMBO_TAG_BODY) && !tok_end(t, GUMBO_TAG_HTML) &&
	    !tok_end(t, GUMBO_TAG_BR))
		return;
	t->head = insert_of_tag(t, GUMBO_TAG_HEAD);
	t->mode = M_IN_HEAD;
	t->reprocess = 1;
}

static void
in_head(struct ht *t)
{
	switch (t->tok.type) {
	case TK_WS:
		insert_text_token(t);
		return;
	case TK_DOCTYPE:
		return;
	case TK_COMMENT:
		append_comment(t, current(t));
		return;
	case TK_START:
		switch (t->tok.tag) {
		case GUMBO_TAG_HTML:
			in_body(t);
			return;
		case GUMBO_TAG_BASE: case GUMBO_TAG_BASEFONT:
		case GUMBO_TAG_BGSOUND: case GUMBO_TAG_MENUITEM:
		case GUMBO_TAG_LINK: case GUMBO_TAG_META:
			insert_from_token(t);
			pop(t);
			return;
		case GUMBO_TAG_TITLE:
			start_raw(t, 1);
			return;
		case GUMBO_TAG_STYLE:
		case GUMBO_TAG_SCRIPT:
			start_raw(t, 0);
			return;
		case GUMBO_TAG_HEAD:
			return;
		case GUMBO_TAG_NOFRAMES: case GUMBO_TAG_NOSCRIPT:
		case GUMBO_TAG_TEMPLATE:
			ht_decline(t);
			return;
		case GUMBO_TAG_UNKNOWN:
			if (t->tok.self_closing)
				ht_decline(t);
			break;
		default:
			break;
		}
		break;
	case TK_END:
		if (t->tok.tag == GUMBO_TAG_HEAD) {
			pop(t);
			t->mode = M_AFTER_HEAD;
			return;
		}
		if (t->tok.tag == GUMBO_TAG_TEMPLATE)
			ht_decline(t);
		if (t->tok.tag != GUMBO_TAG_BODY &&
		    t->tok.tag != GUMBO_TAG_HTML && t->tok.tag != GUMBO_TAG_BR)
			return;
		break;
	default:
		break;
	}
	pop(t);
	t->mode = M_AFTER_HEAD;
	t->reprocess = 1;
}

static void
after_head(struct ht *t)
{
	switch (t->tok.type) {
	case TK_WS:
		insert_text_token(t);
		return;
	case TK_DOCTYPE:
		return;
	case TK_COMMENT:
		append_comment(t, current(t));
		return;
	case TK_START:
		switch (t->tok.tag) {
		case GUMBO_TAG_HTML:
			in_body(t);
			return;
		case GUMBO_TAG_BODY:
			insert_from_token(t);
			t->frameset_ok = 0;
			t->mode = M_IN_BODY;
			return;
		case GUMBO_TAG_FRAMESET: case GUMBO_TAG_TEMPLATE:
			ht_decline(t);
			return;
		case GUMBO_TAG_BASE: case GUMBO_TAG_BASEFONT:
		case GUMBO_TAG_BGSOUND: case GUMBO_TAG_LINK: case GUMBO_TAG_META:
		case GUMBO_TAG_NOFRAMES: case GUMBO_TAG_SCRIPT:
		case GUMBO_TAG_STYLE: case GUMBO_TAG_TITLE:
			if (t->head == NULL)
				ht_decline(t);
			flush_text(t);
			vec_push(t, &t->open, t->head);
			in_head(t);
			/* raw text elements pop the head themselves later */
			if (t->mode == M_TEXT)
				ht_decline(t);
			vec_remove(&t->open, t->head);
			return;
		case GUMBO_TAG_HEAD:
			return;
		default:
			break;
		}
		break;
	case TK_END:
		if (t->tok.tag == GUMBO_TAG_TEMPLATE)
			ht_decline(t);
		if (t->tok.tag != GUMBO_TAG_BODY &&
		    t->tok.tag != GUMBO_TAG_HTML && t->tok.tag != GUMBO_TAG_BR)
			return;
		break;
	default:
		break;
	}
	insert_of_tag(t, GUMBO_TAG_BODY);
	t->mode = M_IN_BODY;
	t->reprocess = 1;
}

static void
body_end_tag(struct ht *t)
{
	GumboTag tag = t->tok.tag;
	GumboNode *n;
	unsigned int i;

	switch (tag) {
	case GUMBO_TAG_BODY:
	case GUMBO_TAG_HTML:
		if (!in_scope(t, GUMBO_TAG_BODY, SC_DEFAULT))
			return;
		t->mode = M_AFTER_BODY;
		if (tag == GUMBO_TAG_HTML)
			t->reprocess = 1;
		return;
	case GUMBO_TAG_ADDRESS: case GUMBO_TAG_ARTICLE: case GUMBO_TAG_ASIDE:
	case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_BUTTON:
	case GUMBO_TAG_CENTER: case GUMBO_TAG_DETAILS: case GUMBO_TAG_DIR:
	case GUMBO_TAG_DIV: case GUMBO_TAG_DL: case GUMBO_TAG_FIELDSET:
	case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_FIGURE:
	case GUMBO_TAG_FOOTER: case GUMBO_TAG_HEADER: case GUMBO_TAG_HGROUP:
	case GUMBO_TAG_LISTING: case GUMBO_TAG_MENU: case GUMBO_TAG_NAV:
	case GUMBO_TAG_OL: case GUMBO_TAG_PRE: case GUMBO_TAG_SECTION:
	case GUMBO_TAG_SUMMARY: case GUMBO_TAG_UL:
		if (!in_scope(t, tag, SC_DEFAULT))
			return;
		close_tags(t, tag);
		return;
	case GUMBO_TAG_FORM:
		n = t->form;
		t->form = NULL;
		if (n == NULL || !node_in_scope(t, n))
			return;
		implied_end_tags(t, GUMBO_TAG_LAST);
		vec_remove(&t->open, n);
		return;
	case GUMBO_TAG_P:
		if (!in_scope(t, GUMBO_TAG_P, SC_BUTTON)) {
			insert_of_tag(t, GUMBO_TAG_P);
			t->reprocess = 1;
			return;
		}
		close_tags(t, GUMBO_TAG_P);
		return;
	case GUMBO_TAG_LI:
		if (!in_scope(t, GUMBO_TAG_LI, SC_LIST))
			return;
		close_tags(t, GUMBO_TAG_LI);
		return;
	case GUMBO_TAG_DD: case GUMBO_TAG_DT:
		if (!in_scope(t, tag, SC_DEFAULT))
			return;
		close_tags(t, tag);
		return;
	case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3:
	case GUMBO_TAG_H4: case GUMBO_TAG_H5: case GUMBO_TAG_H6:
		if (!heading_in_scope(t))
			return;
		implied_end_tags(t, GUMBO_TAG_LAST);
		do {
			n = pop(t);
			if (n == NULL)
				ht_decline(t);
		} while (!is_heading(tagof(n)));
		return;
	case GUMBO_TAG_A: case GUMBO_TAG_B: case GUMBO_TAG_BIG:
	case GUMBO_TAG_CODE: case GUMBO_TAG_EM: case GUMBO_TAG_FONT:
	case GUMBO_TAG_I: case GUMBO_TAG_NOBR: case GUMBO_TAG_S:
	case GUMBO_TAG_SMALL: case GUMBO_TAG_STRIKE: case GUMBO_TAG_STRONG:
	case GUMBO_TAG_TT: case GUMBO_TAG_U:
		adoption_agency(t, tag);
		return;
	case GUMBO_TAG_APPLET: case GUMBO_TAG_MARQUEE: case GUMBO_TAG_OBJECT:
		if (!in_scope(t, tag, SC_TABLE))
			return;
		close_tags(t, tag);
		clear_afe(t);
		return;
	case GUMBO_TAG_BR:
		reconstruct(t);
		insert_of_tag(t, GUMBO_TAG_BR);
		pop(t);
		return;
	case GUMBO_TAG_TEMPLATE:
		ht_decline(t);
		return;
	default:
		break;
	}
	for (i = t->open.length; i-- > 0;) {
		n = t->open.data[i];
		if (is_el(n, tag)) {
			implied_end_tags(t, tag);
			while (pop(t) != n)
				;
			return;
		}
		if (is_special(tagof(n)))
			return;
	}
	ht_decline(t);
}

static void
in_body(struct ht *t)
{
	GumboTag tag = t->tok.tag;
	GumboAttribute *type;
	GumboNode *n;
	unsigned int i;

	switch (t->tok.type) {
	case TK_WS:
		reconstruct(t);
		insert_text_token(t);
		return;
	case TK_CHAR:
		reconstruct(t);
		insert_text_token(t);
		t->frameset_ok = 0;
		return;
	case TK_COMMENT:
		append_comment(t, current(t));
		return;
	case TK_DOCTYPE:
		return;
	case TK_EOF:
		return;
	case TK_END:
		body_end_tag(t);
		return;
	case TK_START:
		break;
	}
	switch (tag) {
	case GUMBO_TAG_HTML:
		merge_attrs(t, t->root);
		return;
	case GUMBO_TAG_BASE: case GUMBO_TAG_BASEFONT: case GUMBO_TAG_BGSOUND:
	case GUMBO_TAG_MENUITEM: case GUMBO_TAG_LINK: case GUMBO_TAG_META:
	case GUMBO_TAG_NOFRAMES: case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE:
	case GUMBO_TAG_TITLE: case GUMBO_TAG_TEMPLATE:
		in_head(t);
		return;
	case GUMBO_TAG_BODY:
		if (t->open.length < 2 ||
		    !is_el(t->open.data[1], GUMBO_TAG_BODY))
			return;
		t->frameset_ok = 0;
		merge_attrs(t, t->open.data[1]);
		return;
	case GUMBO_TAG_FRAMESET:
		if (t->open.length < 2 ||
		    !is_el(t->open.data[1], GUMBO_TAG_BODY) || !t->frameset_ok)
			return;
		ht_decline(t);
		return;
	case GUMBO_TAG_ADDRESS: case GUMBO_TAG_ARTICLE: case GUMBO_TAG_ASIDE:
	case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_CENTER:
	case GUMBO_TAG_DETAILS: case GUMBO_TAG_DIR: case GUMBO_TAG_DIV:
	case GUMBO_TAG_DL: case GUMBO_TAG_FIELDSET: case GUMBO_TAG_FIGCAPTION:
	case GUMBO_TAG_FIGURE: case GUMBO_TAG_FOOTER: case GUMBO_TAG_HEADER:
	case GUMBO_TAG_HGROUP: case GUMBO_TAG_MENU: case GUMBO_TAG_NAV:
	case GUMBO_TAG_OL: case GUMBO_TAG_P: case GUMBO_TAG_SECTION:
	case GUMBO_TAG_SUMMARY: case GUMBO_TAG_UL:
		maybe_close_p(t);
		insert_from_token(t);
		return;
	case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3:
	case GUMBO_TAG_H4: case GUMBO_TAG_H5: case GUMBO_TAG_H6:
		maybe_close_p(t);
		if (is_heading(tagof(current(t))))
			pop(t);
		insert_from_token(t);
		return;
	case GUMBO_TAG_PRE: case GUMBO_TAG_LISTING:
		maybe_close_p(t);
		insert_from_token(t);
		t->ignore_lf = 1;
		t->frameset_ok = 0;
		return;
	case GUMBO_TAG_FORM:
		if (t->form != NULL)
			return;
		maybe_close_p(t);
		t->form = insert_from_token(t);
		return;
	case GUMBO_TAG_LI:
		close_list_item(t, 1);
		maybe_close_p(t);
		insert_from_token(t);
		return;
	case GUMBO_TAG_DD: case GUMBO_TAG_DT:
		close_list_item(t, 0);
		maybe_close_p(t);
		insert_from_token(t);
		return;
	case GUMBO_TAG_BUTTON:
		if (in_scope(t, GUMBO_TAG_BUTTON, SC_DEFAULT)) {
			close_tags(t, GUMBO_TAG_BUTTON);
			t->reprocess = 1;
			return;
		}
		reconstruct(t);
		insert_from_token(t);
		t->frameset_ok = 0;
		return;
	case GUMBO_TAG_A:
		for (i = t->afe.length; i-- > 0;) {
			n = t->afe.data[i];
			if (n == &ht_marker)
				break;
			if (is_el(n, GUMBO_TAG_A)) {
				adoption_agency(t, GUMBO_TAG_A);
				for (i = t->afe.length; i-- > 0;) {
					n = t->afe.data[i];
					if (n == &ht_marker)
						break;
					if (is_el(n, GUMBO_TAG_A)) {
						vec_remove_at(&t->afe, i);
						vec_remove(&t->open, n);
						break;
					}
				}
				break;
			}
		}
		reconstruct(t);
		afe_add(t, insert_from_token(t));
		return;
	case GUMBO_TAG_B: case GUMBO_TAG_BIG: case GUMBO_TAG_CODE:
	case GUMBO_TAG_EM: case GUMBO_TAG_FONT: case GUMBO_TAG_I:
	case GUMBO_TAG_S: case GUMBO_TAG_SMALL: case GUMBO_TAG_STRIKE:
	case GUMBO_TAG_STRONG: case GUMBO_TAG_TT: case GUMBO_TAG_U:
		reconstruct(t);
		afe_add(t, insert_from_token(t));
		return;
	case GUMBO_TAG_NOBR:
		reconstruct(t);
		if (in_scope(t, GUMBO_TAG_NOBR, SC_DEFAULT))
			ht_decline(t);
		insert_from_token(t);
		afe_add(t, current(t));
		return;
	case GUMBO_TAG_APPLET: case GUMBO_TAG_MARQUEE: case GUMBO_TAG_OBJECT:
		reconstruct(t);
		insert_from_token(t);
		afe_add(t, &ht_marker);
		t->frameset_ok = 0;
		return;
	case GUMBO_TAG_TABLE:
		if (!t->quirks)
			maybe_close_p(t);
		insert_from_token(t);
		t->frameset_ok = 0;
		t->mode = M_IN_TABLE;
		return;
	case GUMBO_TAG_AREA: case GUMBO_TAG_BR: case GUMBO_TAG_EMBED:
	case GUMBO_TAG_IMG: case GUMBO_TAG_KEYGEN: case GUMBO_TAG_WBR:
		reconstruct(t);
		insert_from_token(t);
		pop(t);
		t->frameset_ok = 0;
		return;
	case GUMBO_TAG_INPUT:
		type = gumbo_get_attribute(&t->tok.attrs, "type");
		if (type == NULL || strcasecmp(type->value, "hidden") != 0)
			t->frameset_ok = 0;
		reconstruct(t);
		insert_from_token(t);
		pop(t);
		return;
	case GUMBO_TAG_PARAM: case GUMBO_TAG_SOURCE: case GUMBO_TAG_TRACK:
		insert_from_token(t);
		pop(t);
		return;
	case GUMBO_TAG_HR:
		maybe_close_p(t);
		insert_from_token(t);
		pop(t);
		t->frameset_ok = 0;
		return;
	case GUMBO_TAG_TEXTAREA:
		start_raw(t, 1);
		t->ignore_lf = 1;
		t->frameset_ok = 0;
		return;
	case GUMBO_TAG_SELECT:
		reconstruct(t);
		insert_from_token(t);
		t->frameset_ok = 0;
		if (t->mode == M_IN_TABLE || t->mode == M_IN_CAPTION ||
		    t->mode == M_IN_TBODY || t->mode == M_IN_ROW ||
		    t->mode == M_IN_CELL)
			t->mode = M_IN_SELECT_IN_TABLE;
		else
			t->mode = M_IN_SELECT;
		return;
	case GUMBO_TAG_OPTION: case GUMBO_TAG_OPTGROUP:
		if (is_el(current(t), GUMBO_TAG_OPTION))
			pop(t);
		reconstruct(t);
		insert_from_token(t);
		return;
	case GUMBO_TAG_CAPTION: case GUMBO_TAG_COL: case GUMBO_TAG_COLGROUP:
	case GUMBO_TAG_FRAME: case GUMBO_TAG_HEAD: case GUMBO_TAG_TBODY:
	case GUMBO_TAG_TD: case GUMBO_TAG_TFOOT: case GUMBO_TAG_TH:
	case GUMBO_TAG_THEAD: case GUMBO_TAG_TR:
		return;
	case GUMBO_TAG_IMAGE: case GUMBO_TAG_ISINDEX: case GUMBO_TAG_XMP:
	case GUMBO_TAG_IFRAME: case GUMBO_TAG_NOEMBED:
	case GUMBO_TAG_PLAINTEXT: case GUMBO_TAG_NOSCRIPT:
	case GUMBO_TAG_MATH: case GUMBO_TAG_SVG: case GUMBO_TAG_RP:
	case GUMBO_TAG_RT: case GUMBO_TAG_RB: case GUMBO_TAG_RTC:
	case GUMBO_TAG_MAIN:
		ht_decline(t);
		return;
	default:
		reconstruct(t);
		insert_from_token(t);
		return;
	}
}

static void
text_mode(struct ht *t)
{
	if (t->tok.type == TK_CHAR || t->tok.type == TK_WS) {
		insert_text_token(t);
		return;
	}
	if (t->tok.type == TK_EOF)
		ht_decline(t);
	pop(t);
	t->mode = t->orig_mode;
}

static void
in_table(struct ht *t)
{
	GumboAttribute *type;

	switch (t->tok.type) {
	case TK_CHAR:
	case TK_WS:
		if (t->tblen != 0)
			ht_decline(t);
		t->orig_mode = t->mode;
		t->reprocess = 1;
		t->mode = M_IN_TABLE_TEXT;
		return;
	case TK_DOCTYPE:
		return;
	case TK_COMMENT:
		append_comment(t, current(t));
		return;
	case TK_EOF:
		return;
	case TK_START:
		switch (t->tok.tag) {
		case GUMBO_TAG_CAPTION:
			clear_to(t, GUMBO_TAG_TABLE, GUMBO_TAG_LAST,
			    GUMBO_TAG_LAST);
			afe_add(t, &ht_marker);
			insert_from_token(t);
			t->mode = M_IN_CAPTION;
			return;
		case GUMBO_TAG_COLGROUP:
			clear_to(t, GUMBO_TAG_TABLE, GUMBO_TAG_LAST,
			    GUMBO_TAG_LAST);
			insert_from_token(t);
			t->mode = M_IN_COLGROUP;
			return;
		case GUMBO_TAG_COL:
			clear_to(t, GUMBO_TAG_TABLE, GUMBO_TAG_LAST,
			    GUMBO_TAG_LAST);
			insert_of_tag(t, GUMBO_TAG_COLGROUP);
			t->reprocess = 1;
			t->mode = M_IN_COLGROUP;
			return;
		case GUMBO_TAG_TBODY: case GUMBO_TAG_TFOOT: case GUMBO_TAG_THEAD:
			clear_to(t, GUMBO_TAG_TABLE, GUMBO_TAG_LAST,
			    GUMBO_TAG_LAST);
			t->mode = M_IN_TBODY;
			insert_from_token(t);
			return;
		case GUMBO_TAG_TD: case GUMBO_TAG_TH: case GUMBO_TAG_TR:
			clear_to(t, GUMBO_TAG_TABLE, GUMBO_TAG_LAST,
			    GUMBO_TAG_LAST);
			t->mode = M_IN_TBODY;
			insert_of_tag(t, GUMBO_TAG_TBODY);
			t->reprocess = 1;
			return;
		case GUMBO_TAG_TABLE:
			if (close_table(t))
				t->reprocess = 1;
			return;
		case GUMBO_TAG_STYLE: case GUMBO_TAG_SCRIPT:
			in_head(t);
			return;
		case GUMBO_TAG_INPUT:
			type = gumbo_get_attribute(&t->tok.attrs, "type");
			if (type == NULL || strcasecmp(type->value, "hidden") != 0)
				break;
			insert_from_token(t);
			pop(t);
			return;
		case GUMBO_TAG_FORM:
			if (t->form != NULL)
				return;
			t->form = insert_from_token(t);
			pop(t);
			return;
		case GUMBO_TAG_TEMPLATE:
			ht_decline(t);
			return;
		default:
			break;
		}
		break;
	case TK_END:
		switch (t->tok.tag) {
		case GUMBO_TAG_TABLE:
			close_table(t);
			return;
		case GUMBO_TAG_BODY: case GUMBO_TAG_CAPTION: case GUMBO_TAG_COL:
		case GUMBO_TAG_COLGROUP: case GUMBO_TAG_HTML:
		case GUMBO_TAG_TBODY: case GUMBO_TAG_TD: case GUMBO_TAG_TFOOT:
		case GUMBO_TAG_TH: case GUMBO_TAG_THEAD: case GUMBO_TAG_TR:
			return;
		case GUMBO_TAG_TEMPLATE:
			ht_decline(t);
			return;
		default:
			break;
		}
		break;
	}
	t->foster = 1;
	in_body(t);
	t->foster = 0;
}

static void
in_table_text(struct ht *t)
{
	size_t i;

	if (t->tok.type == TK_CHAR || t->tok.type == TK_WS) {
		insert_text_token(t);
		return;
	}
	for (i = 0; i < t->tblen; i++) {
		if (t->tb[i] != ' ' && t->tb[i] != '\t' && t->tb[i] != '\n' &&
		    t->tb[i] != '\f' && t->tb[i] != '\r') {
			t->foster = 1;
			reconstruct(t);
			break;
		}
	}
	flush_text(t);
	t->foster = 0;
	t->reprocess = 1;
	t->mode = t->orig_mode;
}

static int
is_table_part(GumboTag tag)
{
	switch (tag) {
	case GUMBO_TAG_CAPTION: case GUMBO_TAG_COL: case GUMBO_TAG_COLGROUP:
	case GUMBO_TAG_TBODY: case GUMBO_TAG_TD: case GUMBO_TAG_TFOOT:
	case GUMBO_TAG_TH: case GUMBO_TAG_THEAD: case GUMBO_TAG_TR:
		return 1;
	default:
		return 0;
	}
}

static void
in_caption(struct ht *t)
{
	GumboTag tag = t->tok.tag;

	if ((t->tok.type == TK_START && is_table_part(tag)) ||
	    tok_end(t, GUMBO_TAG_CAPTION) || tok_end(t, GUMBO_TAG_TABLE)) {
		if (!in_scope(t, GUMBO_TAG_CAPTION, SC_TABLE))
			return;
		if (!tok_end(t, GUMBO_TAG_CAPTION))
			t->reprocess = 1;
		implied_end_tags(t, GUMBO_TAG_LAST);
		while (!is_el(current(t), GUMBO_TAG_CAPTION))
			pop(t);
		pop(t);
		clear_afe(t);
		t->mode = M_IN_TABLE;
		return;
	}
	if (t->tok.type == TK_END && (tag == GUMBO_TAG_BODY ||
	    tag == GUMBO_TAG_COL || tag == GUMBO_TAG_COLGROUP ||
	    tag == GUMBO_TAG_HTML || tag == GUMBO_TAG_TBODY ||
	    tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TFOOT ||
	    tag == GUMBO_TAG_TH || tag == GUMBO_TAG_THEAD ||
	    tag == GUMBO_TAG_TR))
		return;
	in_body(t);
}

static void
in_colgroup(struct ht *t)
{
	switch (t->tok.type) {
	case TK_WS:
		insert_text_token(t);
		return;
	case TK_DOCTYPE:
		return;
	case TK_COMMENT:
		append_comment(t, current(t));
		return;
	case TK_START:
		if (t->tok.tag == GUMBO_TAG_HTML) {
			in_body(t);
			return;
		}
		if (t->tok.tag == GUMBO_TAG_COL) {
			insert_from_token(t);
			pop(t);
			return;
		}
		if (t->tok.tag == GUMBO_TAG_TEMPLATE)
			ht_decline(t);
		break;
	case TK_END:
		if (t->tok.tag == GUMBO_TAG_COL)
			return;
		if (t->tok.tag == GUMBO_TAG_TEMPLATE)
			ht_decline(t);
		break;
	case TK_EOF:
		if (current(t) == t->root)
			return;
		break;
	default:
		break;
	}
	if (current(t) == t->root)
		return;
	if (!is_el(current(t), GUMBO_TAG_COLGROUP))
		ht_decline(t);
	pop(t);
	t->mode = M_IN_TABLE;
	if (!tok_end(t, GUMBO_TAG_COLGROUP))
		t->reprocess = 1;
}

static void
in_tbody(struct ht *t)
{
	GumboTag tag = t->tok.tag;

	if (tok_start(t, GUMBO_TAG_TR)) {
		clear_to(t, GUMBO_TAG_TBODY, GUMBO_TAG_TFOOT, GUMBO_TAG_THEAD);
		insert_from_token(t);
		t->mode = M_IN_ROW;
		return;
	}
	if (tok_start(t, GUMBO_TAG_TD) || tok_start(t, GUMBO_TAG_TH)) {
		clear_to(t, GUMBO_TAG_TBODY, GUMBO_TAG_TFOOT, GUMBO_TAG_THEAD);
		insert_of_tag(t, GUMBO_TAG_TR);
		t->reprocess = 1;
		t->mode = M_IN_ROW;
		return;
	}
	if (t->tok.type == TK_END && (tag == GUMBO_TAG_TBODY ||
	    tag == GUMBO_TAG_TFOOT || tag == GUMBO_TAG_THEAD)) {
		if (!in_scope(t, tag, SC_TABLE))
			return;
		clear_to(t, GUMBO_TAG_TBODY, GUMBO_TAG_TFOOT, GUMBO_TAG_THEAD);
		pop(t);
		t->mode = M_IN_TABLE;
		return;
	}
	if ((t->tok.type == TK_START && (tag == GUMBO_TAG_CAPTION ||
	    tag == GUMBO_TAG_COL || tag == GUMBO_TAG_COLGROUP ||
	    tag == GUMBO_TAG_TBODY || tag == GUMBO_TAG_TFOOT ||
	    tag == GUMBO_TAG_THEAD)) || tok_end(t, GUMBO_TAG_TABLE)) {
		if (!in_scope(t, GUMBO_TAG_TBODY, SC_TABLE) &&
		    !in_scope(t, GUMBO_TAG_THEAD, SC_TABLE) &&
		    !in_scope(t, GUMBO_TAG_TFOOT, SC_TABLE))
			return;
		clear_to(t, GUMBO_TAG_TBODY, GUMBO_TAG_TFOOT, GUMBO_TAG_THEAD);
		pop(t);
		t->mode = M_IN_TABLE;
		t->reprocess = 1;
		return;
	}
	if (t->tok.type == TK_END && (tag == GUMBO_TAG_BODY ||
	    tag == GUMBO_TAG_CAPTION || tag == GUMBO_TAG_COL ||
	    tag == GUMBO_TAG_TR || tag == GUMBO_TAG_COLGROUP ||
	    tag == GUMBO_TAG_HTML || tag == GUMBO_TAG_TD ||
	    tag == GUMBO_TAG_TH))
		return;
	in_table(t);
}

static void
in_row(struct ht *t)
{
	GumboTag tag = t->tok.tag, want;

	if (tok_start(t, GUMBO_TAG_TD) || tok_start(t, GUMBO_TAG_TH)) {
		clear_to(t, GUMBO_TAG_TR, GUMBO_TAG_LAST, GUMBO_TAG_LAST);
		insert_from_token(t);
		t->mode = M_IN_CELL;
		afe_add(t, &ht_marker);
		return;
	}
	if ((t->tok.type == TK_START && (tag == GUMBO_TAG_CAPTION ||
	    tag == GUMBO_TAG_COLGROUP || tag == GUMBO_TAG_TBODY ||
	    tag == GUMBO_TAG_TFOOT || tag == GUMBO_TAG_THEAD ||
	    tag == GUMBO_TAG_TR)) || (t->tok.type == TK_END &&
	    (tag == GUMBO_TAG_TR || tag == GUMBO_TAG_TABLE ||
	    tag == GUMBO_TAG_TBODY || tag == GUMBO_TAG_TFOOT ||
	    tag == GUMBO_TAG_THEAD))) {
		want = t->tok.type == TK_END && (tag == GUMBO_TAG_TBODY ||
		    tag == GUMBO_TAG_TFOOT || tag == GUMBO_TAG_THEAD) ? tag :
		    GUMBO_TAG_TR;
		if (!in_scope(t, want, SC_TABLE))
			return;
		clear_to(t, GUMBO_TAG_TR, GUMBO_TAG_LAST, GUMBO_TAG_LAST);
		if (!is_el(pop(t), GUMBO_TAG_TR))
			ht_decline(t);
		t->mode = M_IN_TBODY;
		if (!tok_end(t, GUMBO_TAG_TR))
			t->reprocess = 1;
		return;
	}
	if (t->tok.type == TK_END && (tag == GUMBO_TAG_BODY ||
	    tag == GUMBO_TAG_CAPTION || tag == GUMBO_TAG_COL ||
	    tag == GUMBO_TAG_COLGROUP || tag == GUMBO_TAG_HTML ||
	    tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TH))
		return;
	in_table(t);
}

static void
in_cell(struct ht *t)
{
	GumboTag tag = t->tok.tag;

	if (t->tok.type == TK_END && (tag == GUMBO_TAG_TD ||
	    tag == GUMBO_TAG_TH)) {
		if (!in_scope(t, tag, SC_TABLE))
			return;
		close_cell(t, tag);
		return;
	}
	if (t->tok.type == TK_START && is_table_part(tag)) {
		if (!in_scope(t, GUMBO_TAG_TH, SC_TABLE) &&
		    !in_scope(t, GUMBO_TAG_TD, SC_TABLE))
			return;
		t->reprocess = 1;
		close_current_cell(t);
		return;
	}
	if (t->tok.type == TK_END && (tag == GUMBO_TAG_BODY ||
	    tag == GUMBO_TAG_CAPTION || tag == GUMBO_TAG_COL ||
	    tag == GUMBO_TAG_COLGROUP || tag == GUMBO_TAG_HTML))
		return;
	if (t->tok.type == TK_END && (tag == GUMBO_TAG_TABLE ||
	    tag == GUMBO_TAG_TBODY || tag == GUMBO_TAG_TFOOT ||
	    tag == GUMBO_TAG_THEAD || tag == GUMBO_TAG_TR)) {
		if (!in_scope(t, tag, SC_TABLE))
			return;
		t->reprocess = 1;
		close_current_cell(t);
		return;
	}
	in_body(t);
}

static void
in_select(struct ht *t)
{
	GumboTag tag = t->tok.tag;

	switch (t->tok.type) {
	case TK_CHAR:
	case TK_WS:
		insert_text_token(t);
		return;
	case TK_DOCTYPE:
	case TK_EOF:
		return;
	case TK_COMMENT:
		append_comment(t, current(t));
		return;
	case TK_START:
		switch (tag) {
		case GUMBO_TAG_HTML:
			in_body(t);
			return;
		case GUMBO_TAG_OPTION:
			if (is_el(current(t), GUMBO_TAG_OPTION))
				pop(t);
			insert_from_token(t);
			return;
		case GUMBO_TAG_OPTGROUP:
			if (is_el(current(t), GUMBO_TAG_OPTION))
				pop(t);
			if (is_el(current(t), GUMBO_TAG_OPTGROUP))
				pop(t);
			insert_from_token(t);
			return;
		case GUMBO_TAG_SELECT:
			close_select(t);
			return;
		case GUMBO_TAG_INPUT: case GUMBO_TAG_KEYGEN:
		case GUMBO_TAG_TEXTAREA:
			if (!in_scope(t, GUMBO_TAG_SELECT, SC_SELECT))
				return;
			close_select(t);
			t->reprocess = 1;
			return;
		case GUMBO_TAG_SCRIPT:
			in_head(t);
			return;
		case GUMBO_TAG_TEMPLATE:
			ht_decline(t);
			return;
		default:
			return;
		}
	case TK_END:
		switch (tag) {
		case GUMBO_TAG_OPTGROUP:
			if (is_el(current(t), GUMBO_TAG_OPTION) &&
			    t->open.length >= 2 && is_el(t->open.data[
			    t->open.length - 2], GUMBO_TAG_OPTGROUP))
				pop(t);
			if (is_el(current(t), GUMBO_TAG_OPTGROUP))
				pop(t);
			return;
		case GUMBO_TAG_OPTION:
			if (is_el(current(t), GUMBO_TAG_OPTION))
				pop(t);
			return;
		case GUMBO_TAG_SELECT:
			if (!in_scope(t, GUMBO_TAG_SELECT, SC_SELECT))
				return;
			close_select(t);
			return;
		case GUMBO_TAG_TEMPLATE:
			ht_decline(t);
			return;
		default:
			return;
		}
	}
}

static void
in_select_in_table(struct ht *t)
{
	GumboTag tag = t->tok.tag;
	int part = tag == GUMBO_TAG_CAPTION || tag == GUMBO_TAG_TABLE ||
	    tag == GUMBO_TAG_TBODY || tag == GUMBO_TAG_TFOOT ||
	    tag == GUMBO_TAG_THEAD || tag == GUMBO_TAG_TR ||
	    tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TH;

	if (t->tok.type == TK_START && part) {
		close_select(t);
		t->reprocess = 1;
		return;
	}
	if (t->tok.type == TK_END && part) {
		if (in_scope(t, tag, SC_TABLE)) {
			close_select(t);
			reset_mode(t);
			t->reprocess = 1;
		}
		return;
	}
	in_select(t);
}

static void
after_body(struct ht *t)
{
	switch (t->tok.type) {
	case TK_WS:
		in_body(t);
		return;
	case TK_COMMENT:
		append_comment(t, t->root);
		return;
	case TK_DOCTYPE:
	case TK_EOF:
		return;
	case TK_START:
		if (t->tok.tag == GUMBO_TAG_HTML) {
			in_body(t);
			return;
		}
		break;
	case TK_END:
		if (t->tok.tag == GUMBO_TAG_HTML) {
			t->mode = M_AFTER_AFTER_BODY;
			return;
		}
		break;
	default:
		break;
	}
	t->mode = M_IN_BODY;
	t->reprocess = 1;
}

static void
after_after_body(struct ht *t)
{
	switch (t->tok.type) {
	case TK_COMMENT:
		append_comment(t, t->doc);
		return;
	case TK_DOCTYPE:
	case TK_WS:
		in_body(t);
		return;
	case TK_EOF:
		return;
	case TK_START:
		if (t->tok.tag == GUMBO_TAG_HTML) {
			in_body(t);
			return;
		}
		break;
	default:
		break;
	}
	t->mode = M_IN_BODY;
	t->reprocess = 1;
}

static void
dispatch(struct ht *t)
{
	if (t->ignore_lf) {
		t->ignore_lf = 0;
		if (t->tok.type == TK_WS && t->tok.c == '\n')
			return;
	}
	switch (t->mode) {
	case M_INITIAL: initial(t); break;
	case M_BEFORE_HTML: before_html(t); break;
	case M_BEFORE_HEAD: before_head(t); break;
	case M_IN_HEAD: in_head(t); break;
	case M_AFTER_HEAD: after_head(t); break;
	case M_IN_BODY: in_body(t); break;
	case M_TEXT: text_mode(t); break;
	case M_IN_TABLE: in_table(t); break;
	case M_IN_TABLE_TEXT: in_table_text(t); break;
	case M_IN_CAPTION: in_caption(t); break;
	case M_IN_COLGROUP: in_colgroup(t); break;
	case M_IN_TBODY: in_tbody(t); break;
	case M_IN_ROW: in_row(t); break;
	case M_IN_CELL: in_cell(t); break;
	case M_IN_SELECT: in_select(t); break;
	case M_IN_SELECT_IN_TABLE: in_select_in_table(t); break;
	case M_AFTER_BODY: after_body(t); break;
	case M_AFTER_AFTER_BODY: after_after_body(t); break;
	}
}

/* Tokenizer. */

static int
ht_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f';
}

static int
ht_alpha(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static uint8_t
ht_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* One code point of valid UTF-8 that gumbo passes through unchanged. */
static uint32_t
ht_rune(struct ht *t, size_t *i)
{
	size_t n;
	uint32_t c;

	c = utf8_decode(t->s + *i, t->len - *i, &n);
	if (n == 1 && t->s[*i] >= 0x80)
		ht_decline(t);		/* invalid UTF-8 */
	if (c == 0 || c == '\r' || (c >= 0x1 && c <= 0x8) || c == 0xB ||
	    (c >= 0xE && c <= 0x1F) || (c >= 0x7F && c <= 0x9F) ||
	    (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE)
		ht_decline(t);
	*i += n;
	return c;
}

static const struct {
	const char	*name;
	uint32_t	 c;
} ht_refs[] = {
	{ "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' }, { "quot;", '"' },
	{ "nbsp;", 0xA0 }, { "copy;", 0xA9 }, { "reg;", 0xAE }
};

/* A character reference at t->s[*i] ('&'): the code point, or -1. */
static long
ht_charref(struct ht *t, size_t *i)
{
	const uint8_t *s = t->s + *i + 1;
	size_t left = t->len - *i - 1, k, n;
	uint32_t c = 0;

	if (left == 0 || (!ht_alpha(s[0]) && s[0] != '#' &&
	    !(s[0] >= '0' && s[0] <= '9'))) {
		/* not a reference: a literal '&' */
		return -1;
	}
	if (s[0] == '#') {
		k = 1;
		if (k < left && (s[k] == 'x' || s[k] == 'X'))
			ht_decline(t);
		for (n = 0; k < left && s[k] >= '0' && s[k] <= '9' && n < 7;
		    k++, n++)
			c = c * 10 + (uint32_t)(s[k] - '0');
		if (n == 0 || n >= 7 || k >= left || s[k] != ';')
			ht_decline(t);
		if (!((c >= 0x20 && c <= 0x7E) || (c >= 0xA0 && c <= 0xD7FF) ||
		    (c >= 0xE000 && c <= 0xFDCF) ||
		    (c >= 0xFDF0 && c <= 0xFFFD)))
			ht_decline(t);
		*i += 1 + k + 1;
		return (long)c;
	}
	for (k = 0; k < sizeof(ht_refs) / sizeof(ht_refs[0]); k++) {
		n = strlen(ht_refs[k].name);
		if (left >= n && memcmp(s, ht_refs[k].name, n) == 0) {
			*i += 1 + n;
			return (long)ht_refs[k].c;
		}
	}
	ht_decline(t);
}

static void
lex_char(struct ht *t)
{
	uint8_t c = t->s[t->i];
	long r;

	if (c == '&' && !(t->raw != GUMBO_TAG_LAST && !t->rcdata)) {
		if ((r = ht_charref(t, &t->i)) >= 0) {
			t->tok.type = TK_CHAR;
			t->tok.c = (uint32_t)r;
			return;
		}
		t->i++;
		t->tok.type = TK_CHAR;
		t->tok.c = '&';
		return;
	}
	t->tok.c = ht_rune(t, &t->i);
	t->tok.type = ht_ws(c) ? TK_WS : TK_CHAR;
}

/* An attribute value's bytes, decoded, as a NUL-terminated string. */
static char *
attr_value(struct ht *t, size_t a, size_t b)
{
	uint8_t *v = ht_alloc(t, b - a + 1), u[UTF8_MAX_BYTES];
	size_t n = 0, i = a, k;
	long r;

	while (i < b) {
		if (t->s[i] == '&') {
			if ((r = ht_charref(t, &i)) < 0) {
				v[n++] = '&';
				i++;
				continue;
			}
			if (i > b)
				ht_decline(t);
			/* every accepted reference is shorter than its text */
			k = utf8_encode((uint32_t)r, u);
			memcpy(v + n, u, k);
			n += k;
			continue;
		}
		k = i;
		(void)ht_rune(t, &i);
		if (i > b)
			ht_decline(t);
		memcpy(v + n, t->s + k, i - k);
		n += i - k;
	}
	v[n] = '\0';
	return (char *)v;
}

static void
lex_tag(struct ht *t, int end)
{
	const uint8_t *s = t->s;
	size_t i = t->i + (end ? 2 : 1), ns, ne, vs, ve;
	char name[32];
	GumboAttribute *a;
	char *an;
	size_t k;

	ns = i;
	while (i < t->len && !ht_ws(s[i]) && s[i] != '/' && s[i] != '>') {
		if (s[i] < 0x80) {
			if (s[i] < 0x20)
				ht_decline(t);
			i++;
		} else
			(void)ht_rune(t, &i);
	}
	if (i >= t->len)
		ht_decline(t);
	t->tok.type = end ? TK_END : TK_START;
	if (i - ns >= sizeof(name))
		t->tok.tag = GUMBO_TAG_UNKNOWN;
	else {
		for (k = 0; k < i - ns; k++)
			name[k] = (char)ht_lower(s[ns + k]);
		name[k] = '\0';
		t->tok.tag = gumbo_tagn_enum(name, (unsigned int)k);
	}
	t->tok.self_closing = 0;
	memset(&t->tok.attrs, 0, sizeof(t->tok.attrs));
	for (;;) {
		while (i < t->len && ht_ws(s[i]))
			i++;
		if (i >= t->len)
			ht_decline(t);
		if (s[i] == '>') {
			i++;
			break;
		}
		if (s[i] == '/') {
			if (i + 1 < t->len && s[i + 1] == '>') {
				t->tok.self_closing = 1;
				i += 2;
				break;
			}
			i++;
			continue;
		}
		ns = i;
		while (i < t->len && !ht_ws(s[i]) && s[i] != '/' &&
		    s[i] != '>' && s[i] != '=') {
			if (s[i] == '"' || s[i] == '\'' || s[i] == '<' ||
			    s[i] >= 0x80 || s[i] < 0x20)
				ht_decline(t);
			i++;
		}
		ne = i;
		if (ne == ns)
			ht_decline(t);
		while (i < t->len && ht_ws(s[i]))
			i++;
		if (i >= t->len)
			ht_decline(t);
		vs = ve = 0;
		if (s[i] == '=') {
			i++;
			while (i < t->len && ht_ws(s[i]))
				i++;
			if (i >= t->len || s[i] == '>')
				ht_decline(t);
			if (s[i] == '"' || s[i] == '\'') {
				const uint8_t *q = memchr(s + i + 1, s[i],
				    t->len - i - 1);

				if (q == NULL)
					ht_decline(t);
				vs = i + 1;
				ve = (size_t)(q - s);
				i = ve + 1;
			} else {
				vs = i;
				while (i < t->len && !ht_ws(s[i]) &&
				    s[i] != '>') {
					if (s[i] == '"' || s[i] == '\'' ||
					    s[i] == '<' || s[i] == '=' ||
					    s[i] == '`')
						ht_decline(t);
					i++;
				}
				ve = i;
			}
		}
		if (end)
			continue;
		an = ht_strdup(t, s + ns, ne - ns);
		for (k = 0; an[k] != '\0'; k++)
			an[k] = (char)ht_lower((uint8_t)an[k]);
		if (gumbo_get_attribute(&t->tok.attrs, an) != NULL)
			continue;
		a = ht_alloc(t, sizeof(*a));
		memset(a, 0, sizeof(*a));
		a->attr_namespace = GUMBO_ATTR_NAMESPACE_NONE;
		a->name = an;
		a->value = vs == ve ? ht_strdup(t, (const uint8_t *)"", 0) :
		    attr_value(t, vs, ve);
		vec_push(t, &t->tok.attrs, a);
	}
	t->i = i;
}

static void
lex_comment(struct ht *t)
{
	const uint8_t *s = t->s + t->i + 4, *e;
	size_t left = t->len - t->i - 4, n, k;

	for (e = s; (size_t)(e - s) + 3 <= left; e++)
		if (e[0] == '-' && e[1] == '-' && e[2] == '>')
			break;
	if ((size_t)(e - s) + 3 > left)
		ht_decline(t);
	n = (size_t)(e - s);
	if ((n > 0 && s[0] == '>') || (n > 1 && s[0] == '-' && s[1] == '>'))
		ht_decline(t);
	for (k = 0; k < n; k++)
		if (s[k] == '\0' || (s[k] == '-' && (k + 1 == n ||
		    s[k + 1] == '-')))
			ht_decline(t);
	t->tok.type = TK_COMMENT;
	t->tok.text = ht_strdup(t, s, n);
	t->i += 4 + n + 3;
}

/* "<!DOCTYPE" ... ">": gumbo's quirks mode of it. */
static void
lex_doctype(struct ht *t)
{
	const uint8_t *s = t->s;
	size_t i = t->i + 9, ns, k;
	char name[16];
	int has_public = 0;
	size_t ps = 0, pe = 0, ss = 0, se = 0;
	const uint8_t *q = NULL;

	if (i >= t->len || !ht_ws(s[i]))
		ht_decline(t);
	while (i < t->len && ht_ws(s[i]))
		i++;
	ns = i;
	while (i < t->len && ht_alpha(s[i]))
		i++;
	if (i >= t->len || i == ns || i - ns >= sizeof(name))
		ht_decline(t);
	for (k = 0; k < i - ns; k++)
		name[k] = (char)ht_lower(s[ns + k]);
	name[k] = '\0';
	while (i < t->len && ht_ws(s[i]))
		i++;
	if (i < t->len && s[i] != '>') {
		if (t->len - i >= 6 && strncasecmp((const char *)s + i,
		    "public", 6) == 0)
			has_public = 1;
		else if (t->len - i < 6 || strncasecmp((const char *)s + i,
		    "system", 6) != 0)
			ht_decline(t);
		i += 6;
		if (i >= t->len || !ht_ws(s[i]))
			ht_decline(t);
		while (i < t->len && ht_ws(s[i]))
			i++;
		if (i >= t->len || (s[i] != '"' && s[i] != '\'') ||
		    (q = memchr(s + i + 1, s[i], t->len - i - 1)) == NULL)
			ht_decline(t);
		if (has_public) {
			ps = i + 1;
			pe = (size_t)(q - s);
		} else {
			ss = i + 1;
			se = (size_t)(q - s);
		}
		i = (size_t)(q - s) + 1;
		if (has_public && i < t->len && ht_ws(s[i])) {
			while (i < t->len && ht_ws(s[i]))
				i++;
			if (i < t->len && (s[i] == '"' || s[i] == '\'')) {
				if ((q = memchr(s + i + 1, s[i],
				    t->len - i - 1)) == NULL)
					ht_decline(t);
				ss = i + 1;
				se = (size_t)(q - s);
				i = (size_t)(q - s) + 1;
			}
		}
		while (i < t->len && ht_ws(s[i]))
			i++;
	}
	if (i >= t->len || s[i] != '>')
		ht_decline(t);
	for (k = ps; k < pe; k++)
		if (s[k] == '>' || s[k] == '\0' || s[k] >= 0x80)
			ht_decline(t);
	for (k = ss; k < se; k++)
		if (s[k] == '>' || s[k] == '\0' || s[k] >= 0x80)
			ht_decline(t);
	/*
	 * gumbo compares the identifiers with whole strings of its lists
	 * (never a prefix match): a document that names "html" is in
	 * quirks mode only for a handful of exact identifiers.  Decline
	 * those rather than carry the lists.
	 */
	t->tok.quirks = strcmp(name, "html") != 0;
	if (!t->tok.quirks && pe > ps) {
		if (pe - ps < 64 && ((s[pe - 1] == '/' && s[pe - 2] == '/') ||
		    (pe - ps == 4 && memcmp(s + ps, "HTML", 4) == 0) ||
		    memchr(s + ps, '/', pe - ps) == NULL ||
		    (s[ps] == '-' && s[ps + 1] == '/' && s[ps + 2] != '/')))
			ht_decline(t);
	}
	if (se > ss && se - ss == 58)
		ht_decline(t);
	t->tok.type = TK_DOCTYPE;
	t->i = i + 1;
}

static void
lex_raw(struct ht *t)
{
	const char *name = gumbo_normalized_tagname(t->raw);
	size_t nl = strlen(name), i = t->i;
	const uint8_t *s = t->s;

	if (i + 2 + nl < t->len && s[i] == '<' && s[i + 1] == '/' &&
	    strncasecmp((const char *)s + i + 2, name, nl) == 0 &&
	    (ht_ws(s[i + 2 + nl]) || s[i + 2 + nl] == '/' ||
	    s[i + 2 + nl] == '>')) {
		lex_tag(t, 1);
		t->raw = GUMBO_TAG_LAST;
		return;
	}
	if (i >= t->len)
		ht_decline(t);
	if (s[i] == '<' && t->raw == GUMBO_TAG_SCRIPT &&
	    t->len - i >= 4 && memcmp(s + i, "<!--", 4) == 0)
		ht_decline(t);
	lex_char(t);
}

static void
lex(struct ht *t)
{
	const uint8_t *s = t->s;
	size_t i = t->i;

	t->tok.text = NULL;
	if (t->raw != GUMBO_TAG_LAST) {
		lex_raw(t);
		return;
	}
	if (i >= t->len) {
		t->tok.type = TK_EOF;
		return;
	}
	if (s[i] != '<') {
		lex_char(t);
		return;
	}
	if (i + 1 < t->len && ht_alpha(s[i + 1])) {
		lex_tag(t, 0);
		return;
	}
	if (i + 1 < t->len && s[i + 1] == '/') {
		if (i + 2 < t->len && ht_alpha(s[i + 2])) {
			lex_tag(t, 1);
			return;
		}
		ht_decline(t);
	}
	if (i + 1 < t->len && s[i + 1] == '!') {
		if (t->len - i >= 4 && s[i + 2] == '-' && s[i + 3] == '-') {
			lex_comment(t);
			return;
		}
		if (t->len - i >= 9 && strncasecmp((const char *)s + i + 2,
		    "doctype", 7) == 0) {
			lex_doctype(t);
			return;
		}
		ht_decline(t);
	}
	if (i + 1 < t->len && s[i + 1] == '?')
		ht_decline(t);
	t->i++;
	t->tok.type = TK_CHAR;
	t->tok.c = '<';
}

static void
ht_run(struct ht *t)
{
	do {
		if (t->reprocess)
			t->reprocess = 0;
		else
			lex(t);
		dispatch(t);
	} while (t->tok.type != TK_EOF || t->reprocess);
	while (pop(t) != NULL)
		;
}

GumboOutput *
html_tree_build(const GumboOptions *opt, const uint8_t *in, size_t len)
{
	struct ht st, *t = &st;

	memset(&st, 0, sizeof(st));
	t->opt = opt;
	t->s = in;
	t->len = len;
	t->raw = GUMBO_TAG_LAST;
	t->frameset_ok = 1;
	if (setjmp(t->decline) != 0)
		return NULL;
	t->out = ht_alloc(t, sizeof(*t->out));
	memset(t->out, 0, sizeof(*t->out));
	t->doc = new_node(t, GUMBO_NODE_DOCUMENT);
	t->out->document = t->doc;
	ht_run(t);
	if (t->root == NULL)
		return NULL;
	return t->out;
}
