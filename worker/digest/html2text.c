/*
 * jaytaylor/html2text (default options) over gumbo's HTML5 tree, spec §8.
 *
 * The tree comes from gumbo 0.10.1 on input prepared by html2text_prep.c.
 * Two differences remain to close while walking it: Go keeps a single text
 * node where gumbo leaves several adjacent ones (text after an ignored end
 * tag, foster-parented text), so adjacent text siblings are rendered as one
 * node; and the placeholders of html2text_prep.h are mapped back.
 *
 * Bounds, since gumbo is not linear on hostile markup (docs/html2text.md):
 * gumbo allocates through a tracked allocator with a memory budget that
 * abandons the parse when exceeded (everything is freed from the tracking
 * list, never through gumbo's recursive destructor); the walk stops
 * descending at H2T_MAX_DEPTH; and every byte written into any rendering
 * buffer counts against a work budget proportional to the input.
 */
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gumbo.h>

#include "buf.h"
#include "html2text.h"
#include "html2text_prep.h"
#include "html_tree.h"
#include "unicode.h"
#include "utf8.h"

#define H2T_MAX_DEPTH		2048
#define H2T_MAX_INPUT		(16u * 1024 * 1024)
#define H2T_MEMORY_BASE		(64u * 1024 * 1024)
#define H2T_MEMORY_PER_BYTE	64
#define H2T_WORK_BASE		(4u * 1024 * 1024)
#define H2T_WORK_PER_BYTE	32
#define H2T_WRAP		74

/*
 * Gumbo allocates and frees a great many small blocks (nodes, vectors,
 * string buffers that grow by copying).  They come from an arena: small
 * blocks are carved from large chunks and recycled through one free list
 * per power-of-two size class; big blocks are malloc'ed and linked.  The
 * whole arena is released at once after the walk.  The budget counts the
 * requested sizes of live blocks, exactly as a plain tracking allocator
 * would, so the parse is abandoned at the same point; the footprint
 * (chunks plus big blocks) is capped too, at twice the budget, since
 * recycled blocks only serve their own class.
 */
#define H2T_CHUNK		(256u * 1024)
#define H2T_CLASS_MIN_SHIFT	5	/* 32 bytes, header included */
#define H2T_CLASSES		8	/* up to 4 KiB */
#define H2T_SMALL_MAX		((size_t)1 << (H2T_CLASS_MIN_SHIFT + \
				    H2T_CLASSES - 1))

/* In front of every block: the requested size. */
union h2t_header {
	size_t		size;
	max_align_t	align;
};

/* In front of the header of a big block. */
struct h2t_big {
	struct h2t_big	*prev;
	struct h2t_big	*next;
};
union h2t_big_header {
	struct h2t_big	link;
	max_align_t	align;
};

struct h2t_chunk {
	struct h2t_chunk	*next;
	max_align_t		 data[];
};

/* A recycled small block, stored in its own payload. */
struct h2t_free {
	struct h2t_free	*next;
};

struct h2t_arena {
	struct h2t_big		 big;	/* circular list sentinel */
	struct h2t_chunk	*chunks;
	uint8_t			*bump;
	size_t			 room;	/* bytes left at bump */
	struct h2t_free		*free[H2T_CLASSES];
	size_t			 live;
	size_t			 limit;
	size_t			 footprint;
	jmp_buf			 fail;
};

struct h2t_run {
	size_t			 work;
	size_t			 work_limit;
	int			 placeholders;
	const struct h2t_texts	*texts;		/* runs of text, or NULL */
};

struct h2t_ctx {
	struct h2t_run	*run;
	struct buf	 out;
	size_t		 line_length;	/* runes since the last LF */
	int		 ends_with_space;
	int		 blockquote;
	int		 pre;
	int		 just_closed_div;
};

/* The class of a block of n bytes, header included (n <= SMALL_MAX). */
static unsigned int
h2t_class(size_t n)
{
	if (n <= ((size_t)1 << H2T_CLASS_MIN_SHIFT))
		return 0;
	return (unsigned int)(64 - __builtin_clzll((unsigned long long)n - 1)) -
	    H2T_CLASS_MIN_SHIFT;
}

static void *
h2t_alloc_big(struct h2t_arena *a, size_t size)
{
	union h2t_big_header *b;
	union h2t_header *h;
	size_t total = sizeof(*b) + sizeof(*h) + size;

	if (total > 2 * a->limit - a->footprint ||
	    (b = malloc(total)) == NULL)
		longjmp(a->fail, 1);
	a->footprint += total;
	b->link.next = a->big.next;
	b->link.prev = &a->big;
	a->big.next->prev = &b->link;
	a->big.next = &b->link;
	h = (union h2t_header *)(b + 1);
	h->size = size;
	return h + 1;
}

static void *
h2t_alloc(void *userdata, size_t size)
{
	struct h2t_arena *a = userdata;
	struct h2t_chunk *c;
	union h2t_header *h;
	unsigned int class;
	size_t n;

	if (size > a->limit || a->live > a->limit - size)
		longjmp(a->fail, 1);
	a->live += size;
	if (size > H2T_SMALL_MAX - sizeof(*h))
		return h2t_alloc_big(a, size);
	class = h2t_class(sizeof(*h) + size);
	if (a->free[class] != NULL) {
		h = (union h2t_header *)(void *)a->free[class];
		a->free[class] = a->free[class]->next;
	} else {
		n = (size_t)1 << (H2T_CLASS_MIN_SHIFT + class);
		if (a->room < n) {
			/* the tail of the old chunk is left unused */
			if (H2T_CHUNK > 2 * a->limit - a->footprint ||
			    (c = malloc(sizeof(*c) + H2T_CHUNK)) == NULL)
				longjmp(a->fail, 1);
			a->footprint += H2T_CHUNK;
			c->next = a->chunks;
			a->chunks = c;
			a->bump = (uint8_t *)c->data;
			a->room = H2T_CHUNK;
		}
		h = (union h2t_header *)(void *)a->bump;
		a->bump += n;
		a->room -= n;
	}
	h->size = size;
	return h + 1;
}

static void
h2t_dealloc(void *userdata, void *p)
{
	struct h2t_arena *a = userdata;
	union h2t_big_header *b;
	union h2t_header *h;
	struct h2t_free *f;
	unsigned int class;

	if (p == NULL)
		return;
	h = (union h2t_header *)p - 1;
	a->live -= h->size;
	if (h->size > H2T_SMALL_MAX - sizeof(*h)) {
		b = (union h2t_big_header *)(void *)h - 1;
		b->link.prev->next = b->link.next;
		b->link.next->prev = b->link.prev;
		a->footprint -= sizeof(*b) + sizeof(*h) + h->size;
		free(b);
		return;
	}
	class = h2t_class(sizeof(*h) + h->size);
	f = (struct h2t_free *)(void *)h;
	f->next = a->free[class];
	a->free[class] = f;
}

static void
h2t_arena_free(struct h2t_arena *a)
{
	struct h2t_big *b, *next;
	struct h2t_chunk *c, *cnext;

	for (b = a->big.next; b != &a->big; b = next) {
		next = b->next;
		free((union h2t_big_header *)(void *)b);
	}
	for (c = a->chunks; c != NULL; c = cnext) {
		cnext = c->next;
		free(c);
	}
	memset(a->free, 0, sizeof(a->free));
	a->big.next = a->big.prev = &a->big;
	a->chunks = NULL;
	a->bump = NULL;
	a->room = 0;
	a->live = 0;
	a->footprint = 0;
}

static void
ctx_init(struct h2t_ctx *c, struct h2t_run *run, int ends_with_space)
{
	memset(c, 0, sizeof(*c));
	c->run = run;
	c->ends_with_space = ends_with_space;
	buf_init(&c->out, 0);
}

static int
ctx_write(struct h2t_ctx *c, const void *p, size_t n)
{
	if (n > c->run->work_limit - c->run->work)
		return -1;
	c->run->work += n;
	return buf_append(&c->out, p, n);
}

static uint32_t
last_rune(const uint8_t *s, size_t len)
{
	size_t k = len - 1, w;

	while (k > 0 && len - k < UTF8_MAX_BYTES && (s[k] & 0xC0) == 0x80)
		k--;
	return utf8_decode(s + k, len - k, &w);
}

/* One line of emit(): the separator rule, then the text with the
 * blockquote prefix after every LF. */
static int
emit_line(struct h2t_ctx *c, const uint8_t *l, size_t len, int dot)
{
	const uint8_t *nl;
	size_t i, seg, w, k;

	if (!unicode_is_space(utf8_decode(l, len, &w)) &&
	    !c->ends_with_space && !dot) {
		if (ctx_write(c, " ", 1) == -1)
			return -1;
		c->line_length++;
	}
	c->ends_with_space = unicode_is_space(last_rune(l, len));
	for (i = 0; i < len; i = seg + 1) {
		nl = memchr(l + i, '\n', len - i);
		seg = nl != NULL ? (size_t)(nl - l) : len;
		if (ctx_write(c, l + i, seg - i) == -1)
			return -1;
		c->line_length += utf8_rune_count(l + i, seg - i);
		if (seg == len)
			break;
		if (ctx_write(c, "\n", 1) == -1)
			return -1;
		c->line_length = 0;
		for (k = 0; k < (size_t)c->blockquote; k++)
			if (ctx_write(c, ">", 1) == -1)
				return -1;
		if (c->blockquote > 0 && ctx_write(c, " ", 1) == -1)
			return -1;
	}
	return 0;
}

/* breakLongLines: inside blockquotes, lines wrap at 74 runes. */
static int
emit_wrapped(struct h2t_ctx *c, const uint8_t *s, size_t len)
{
	struct buf line;
	uint32_t *r;
	size_t n = 0, i, w, ex = c->line_length, k;
	int dot = s[0] == '.', rc = -1;

	if ((r = calloc(len, sizeof(*r))) == NULL)
		return -1;
	for (i = 0; i < len; i += w)
		r[n++] = utf8_decode(s + i, len - i, &w);
	buf_init(&line, 0);
	if (ex >= H2T_WRAP) {
		if (emit_line(c, (const uint8_t *)"\n", 1, dot) == -1)
			goto done;
		ex = 0;
	}
	k = 0;		/* r[k .. n) is what is left */
	while (n - k + ex > H2T_WRAP) {
		size_t j = H2T_WRAP - ex, at;
		int found = 0;

		for (at = j + 1; at-- > 0;)
			if (unicode_is_space(r[k + at])) {
				found = 1;
				break;
			}
		if (!found)
			for (at = j; k + at < n && !unicode_is_space(r[k + at]);
			    at++)
				;
		buf_reset(&line);
		for (i = 0; i < at; i++)
			utf8_append_rune(&line, r[k + i]);
		buf_putc(&line, '\n');
		if (buf_failed(&line) ||
		    emit_line(c, line.data, line.len, dot) == -1)
			goto done;
		k += at;
		while (k < n && unicode_is_space(r[k]))
			k++;
		ex = 0;
	}
	if (k < n) {
		buf_reset(&line);
		for (i = k; i < n; i++)
			utf8_append_rune(&line, r[i]);
		if (buf_failed(&line) ||
		    emit_line(c, line.data, line.len, dot) == -1)
			goto done;
	}
	rc = 0;
done:
	buf_free(&line);
	free(r);
	return rc;
}

static int
emit(struct h2t_ctx *c, const void *p, size_t len)
{
	const uint8_t *s = p;

	if (len == 0)
		return 0;
	if (c->blockquote == 0)
		return emit_line(c, s, len, s[0] == '.');
	return emit_wrapped(c, s, len);
}

static int
emit_str(struct h2t_ctx *c, const char *s)
{
	return emit(c, s, strlen(s));
}

/* Appends a gumbo string, with the placeholders and runs of text mapped
 * back and any invalid byte as U+FFFD. */
static int
append_gumbo(const struct h2t_run *run, struct buf *b, const char *str)
{
	const uint8_t *s = (const uint8_t *)str, *text;
	size_t len = strlen(str), i, w, tlen;
	uint32_t r;

	/* Gumbo can encode an overflowing "&#x...;" as invalid UTF-8. */
	if ((!run->placeholders || memchr(s, 0xF3, len) == NULL) &&
	    (run->texts == NULL || memchr(s, 0xF4, len) == NULL))
		return utf8_append_valid(b, s, len);
	for (i = 0; i < len; i += w) {
		r = utf8_decode(s + i, len - i, &w);
		if (r >= H2T_TEXT_BASE && (text = h2t_texts_get(run->texts,
		    r - H2T_TEXT_BASE, &tlen)) != NULL) {
			/* gumbo would have passed it as it is */
			if (buf_append(b, text, tlen) == -1)
				return -1;
			continue;
		}
		if (run->placeholders)
			r = h2t_unplaceholder(r);
		if (utf8_append_rune(b, r) == -1)
			return -1;
	}
	return 0;
}

static int
is_text_node(const GumboNode *n)
{
	return n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE ||
	    n->type == GUMBO_NODE_CDATA;
}

/* Children [i, *end) form one Go text node: appends their text. */
static int
text_run(const struct h2t_run *run, const GumboVector *kids, size_t i,
    size_t *end, struct buf *b)
{
	for (; i < kids->length && is_text_node(kids->data[i]); i++)
		if (append_gumbo(run, b,
		    ((const GumboNode *)kids->data[i])->v.text.text) == -1)
			return -1;
	*end = i;
	return 0;
}

static int
is_html_space(uint8_t c)
{
	return c == ' ' || c == '\r' || c == '\n' || c == '\t';
}

static int
render_text(struct h2t_ctx *c, const uint8_t *s, size_t len)
{
	struct buf b;
	size_t i, start, end;
	int rc;

	if (c->pre)
		return emit(c, s, len);
	buf_init(&b, 0);
	for (i = 0; i < len; i++) {
		/* each run of white space becomes one space */
		for (start = i; i < len && !is_html_space(s[i]); i++)
			;
		buf_append(&b, s + start, i - start);
		if (i == len)
			break;
		while (i + 1 < len && is_html_space(s[i + 1]))
			i++;
		buf_putc(&b, ' ');
	}
	if (buf_failed(&b)) {
		buf_free(&b);
		return -1;
	}
	utf8_trim_space(b.data, b.len, &start, &end);
	rc = emit(c, b.data + start, end - start);
	buf_free(&b);
	return rc;
}

static int	render_node(struct h2t_ctx *, const GumboNode *, int);

static const GumboVector *
node_children(const GumboNode *n)
{
	if (n->type == GUMBO_NODE_DOCUMENT)
		return &n->v.document.children;
	if (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE)
		return &n->v.element.children;
	return NULL;
}

static int
render_children(struct h2t_ctx *c, const GumboNode *n, int depth)
{
	const GumboVector *kids = node_children(n);
	struct buf b;
	size_t i, end;
	int rc;

	if (kids == NULL)
		return 0;
	buf_init(&b, 0);
	for (i = 0, rc = 0; i < kids->length && rc == 0;) {
		if (!is_text_node(kids->data[i])) {
			rc = render_node(c, kids->data[i], depth + 1);
			i++;
			continue;
		}
		buf_reset(&b);
		rc = text_run(c->run, kids, i, &end, &b);
		if (rc == 0)
			rc = render_text(c, b.data, b.len);
		i = end;
	}
	buf_free(&b);
	return rc;
}

static int
render_heading(struct h2t_ctx *c, const GumboNode *n, int depth, int rule)
{
	struct h2t_ctx sub;
	struct buf b;
	size_t i, start, runes, width = 0, k;
	int rc = -1;

	ctx_init(&sub, c->run, 0);
	buf_init(&b, 0);
	if (render_children(&sub, n, depth) == -1 ||
	    buf_append(&sub.out, "", 0) == -1)
		goto done;
	for (start = i = 0; i <= sub.out.len; i++) {
		if (i < sub.out.len && sub.out.data[i] != '\n')
			continue;
		runes = utf8_rune_count(sub.out.data + start, i - start);
		if (runes > 0 && runes - 1 > width)
			width = runes - 1;
		start = i + 1;
	}
	if (width > c->run->work_limit - c->run->work)
		goto done;
	buf_puts(&b, "\n\n");
	if (rule != '=') {
		for (k = 0; k < width; k++)
			buf_putc(&b, rule);
		buf_putc(&b, '\n');
	}
	buf_append(&b, sub.out.data, sub.out.len);
	buf_putc(&b, '\n');
	for (k = 0; k < width; k++)
		buf_putc(&b, rule == '=' ? '-' : rule);
	buf_puts(&b, "\n\n");
	if (!buf_failed(&b))
		rc = emit(c, b.data, b.len);
done:
	buf_free(&b);
	buf_free(&sub.out);
	return rc;
}

static int
render_bold(struct h2t_ctx *c, const GumboNode *n, int depth)
{
	struct h2t_ctx sub;
	struct buf b;
	int rc = -1;

	ctx_init(&sub, c->run, 1);
	buf_init(&b, 0);
	if (render_children(&sub, n, depth) == -1)
		goto done;
	buf_putc(&b, '*');
	buf_append(&b, sub.out.data, sub.out.len);
	buf_putc(&b, '*');
	if (!buf_failed(&b))
		rc = emit(c, b.data, b.len);
done:
	buf_free(&b);
	buf_free(&sub.out);
	return rc;
}

static int
render_link(struct h2t_ctx *c, const GumboNode *n, int depth)
{
	const GumboVector *kids = &n->v.element.children;
	const GumboNode *only = NULL;
	const GumboAttribute *attr;
	struct buf text, href;
	size_t end = 0, start, stop;
	const uint8_t *h;
	int rc = -1;

	buf_init(&text, 0);
	buf_init(&href, 0);
	if (buf_append(&text, "", 0) == -1 || buf_append(&href, "", 0) == -1)
		goto done;
	/* Go's children: adjacent text nodes count as one. */
	if (kids->length > 0 && is_text_node(kids->data[0])) {
		if (text_run(c->run, kids, 0, &end, &text) == -1)
			goto done;
		if (end != kids->length)
			buf_reset(&text);
	} else if (kids->length == 1)
		only = kids->data[0];
	if (only != NULL && only->type == GUMBO_NODE_ELEMENT &&
	    only->v.element.tag == GUMBO_TAG_IMG) {
		attr = gumbo_get_attribute(&only->v.element.attributes, "alt");
		if (attr != NULL) {
			if (append_gumbo(c->run, &href, attr->value) == -1 ||
			    emit(c, href.data, href.len) == -1)
				goto done;
			buf_reset(&href);
		}
	} else if (render_children(c, n, depth) == -1)
		goto done;
	attr = gumbo_get_attribute(&n->v.element.attributes, "href");
	if (attr != NULL && attr->value[0] != '\0') {
		if (append_gumbo(c->run, &href, attr->value) == -1)
			goto done;
		utf8_trim_space(href.data, href.len, &start, &stop);
		h = href.data + start;
		if (stop - start >= 7 && memcmp(h, "mailto:", 7) == 0)
			start += 7;
		h = href.data + start;
		if (stop > start && (stop - start != text.len ||
		    memcmp(h, text.data, text.len) != 0)) {
			/* one emit, as upstream builds one string */
			buf_reset(&text);
			buf_puts(&text, "( ");
			buf_append(&text, h, stop - start);
			buf_puts(&text, " )");
			if (buf_failed(&text) ||
			    emit(c, text.data, text.len) == -1)
				goto done;
		}
	}
	rc = 0;
done:
	buf_free(&text);
	buf_free(&href);
	return rc;
}

static int
render_element(struct h2t_ctx *c, const GumboNode *n, int depth)
{
	int rc;

	c->just_closed_div = 0;
	switch (n->v.element.tag) {
	case GUMBO_TAG_BR:
		return emit_str(c, "\n");
	case GUMBO_TAG_H1:
		return render_heading(c, n, depth, '*');
	case GUMBO_TAG_H2:
		return render_heading(c, n, depth, '-');
	case GUMBO_TAG_H3:
		return render_heading(c, n, depth, '=');
	case GUMBO_TAG_BLOCKQUOTE:
		c->blockquote++;
		if (emit_str(c, "\n") == -1 ||
		    (c->blockquote == 1 && emit_str(c, "\n") == -1) ||
		    render_children(c, n, depth) == -1)
			return -1;
		c->blockquote--;
		return emit_str(c, "\n\n");
	case GUMBO_TAG_DIV:
		if (c->line_length > 0 && emit_str(c, "\n") == -1)
			return -1;
		if (render_children(c, n, depth) == -1)
			return -1;
		rc = c->just_closed_div ? 0 : emit_str(c, "\n");
		c->just_closed_div = 1;
		return rc;
	case GUMBO_TAG_LI:
		if (emit_str(c, "* ") == -1 ||
		    render_children(c, n, depth) == -1)
			return -1;
		return emit_str(c, "\n");
	case GUMBO_TAG_B:
	case GUMBO_TAG_STRONG:
		return render_bold(c, n, depth);
	case GUMBO_TAG_A:
		return render_link(c, n, depth);
	case GUMBO_TAG_P:
	case GUMBO_TAG_UL:
	case GUMBO_TAG_TABLE:
		if (emit_str(c, "\n\n") == -1 ||
		    render_children(c, n, depth) == -1)
			return -1;
		return emit_str(c, "\n\n");
	case GUMBO_TAG_PRE:
		c->pre = 1;
		rc = render_children(c, n, depth);
		c->pre = 0;
		return rc;
	case GUMBO_TAG_STYLE:
	case GUMBO_TAG_SCRIPT:
	case GUMBO_TAG_HEAD:
		return 0;
	default:
		return render_children(c, n, depth);
	}
}

static int
render_node(struct h2t_ctx *c, const GumboNode *n, int depth)
{
	if (depth > H2T_MAX_DEPTH)
		return 0;
	switch (n->type) {
	case GUMBO_NODE_DOCUMENT:
		return render_children(c, n, depth);
	case GUMBO_NODE_ELEMENT:
	case GUMBO_NODE_TEMPLATE:
		return render_element(c, n, depth);
	default:
		/* comments; text is rendered by render_children */
		return 0;
	}
}

/* §8.5: every "\n " -> "\n" in one pass, LF runs -> "\n\n", TrimSpace. */
static int
finish(const struct buf *in, struct buf *out)
{
	struct buf a, b;
	const uint8_t *nl;
	size_t i, n, start, end;
	int rc = -1;

	buf_init(&a, 0);
	buf_init(&b, 0);
	if (buf_reserve(&a, in->len) == -1 || buf_reserve(&b, in->len) == -1)
		goto done;
	for (i = 0; i < in->len; i = end) {
		nl = memchr(in->data + i, '\n', in->len - i);
		end = nl != NULL ? (size_t)(nl - in->data) + 1 : in->len;
		buf_append(&a, in->data + i, end - i);
		if (nl != NULL && end < in->len && in->data[end] == ' ')
			end++;
	}
	for (i = 0; i < a.len;) {
		nl = memchr(a.data + i, '\n', a.len - i);
		end = nl != NULL ? (size_t)(nl - a.data) : a.len;
		buf_append(&b, a.data + i, end - i);
		for (n = 0, i = end; i < a.len && a.data[i] == '\n'; i++)
			n++;
		if (n > 0)
			buf_append(&b, "\n\n", n >= 2 ? 2 : 1);
	}
	if (buf_failed(&a) || buf_failed(&b))
		goto done;
	utf8_trim_space(b.data, b.len, &start, &end);
	rc = buf_append(out, b.data + start, end - start);
done:
	buf_free(&a);
	buf_free(&b);
	return rc;
}

/*
 * Debian's libgumbo 0.10.1 is built with assertions, and some hostile markup
 * trips one (e.g. "<table><svg><title><![CDATA[m]]>a": handle_in_table finds
 * its text buffer not empty) and calls abort().  A worker must not die on a
 * message, so an abort raised inside the parse jumps back here and the parse
 * counts as failed.  That is safe because gumbo keeps no global state and
 * every byte it allocated lives in our arena, which the caller releases;
 * glibc's abort() drops its lock before raising the signal.  SA_NODEFER
 * leaves SIGABRT unblocked after the jump, so no mask needs saving.
 */
static sigjmp_buf *volatile h2t_abort_target;

static void
h2t_on_abort(int sig)
{
	if (h2t_abort_target != NULL)
		siglongjmp(*h2t_abort_target, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int
h2t_catch_abort(void)
{
	static int		 installed;
	struct sigaction	 sa;

	if (installed)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h2t_on_abort;
	sa.sa_flags = SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGABRT, &sa, NULL) == -1)
		return -1;
	installed = 1;
	return 0;
}

/* NULL when the allocator gave up (memory budget) or gumbo aborted: no
 * local changes between setjmp and longjmp here. */
static GumboOutput *
h2t_parse(struct h2t_arena *arena, const GumboOptions *options,
    const struct buf *in)
{
	sigjmp_buf	 aborted;
	GumboOutput	*doc;

	if (h2t_catch_abort() == -1)
		return NULL;
	if (sigsetjmp(aborted, 0) != 0) {
		h2t_abort_target = NULL;
		return NULL;
	}
	if (setjmp(arena->fail) != 0) {
		h2t_abort_target = NULL;
		return NULL;
	}
	h2t_abort_target = &aborted;
	doc = gumbo_parse_with_options(options, (const char *)in->data,
	    in->len);
	h2t_abort_target = NULL;
	return doc;
}

/*
 * The tree of html_tree.c, or NULL when it declined or the allocator gave
 * up; the arena is emptied then, so that gumbo starts afresh.
 */
static GumboOutput *
h2t_build(struct h2t_arena *arena, const GumboOptions *options,
    const struct buf *in)
{
	GumboOutput *doc;

	if (setjmp(arena->fail) != 0) {
		h2t_arena_free(arena);
		return NULL;
	}
	if ((doc = html_tree_build(options, in->data, in->len)) == NULL)
		h2t_arena_free(arena);
	return doc;
}

static int h2t_gumbo_only;

void
html2text_gumbo_only(int on)
{
	h2t_gumbo_only = on != 0;
}

int
html2text(const uint8_t *html, size_t len, struct buf *out)
{
	return html2text_with(html, len, out, H2T_PREP_SHRINK | H2T_PREP_TEXTS |
	    (h2t_gumbo_only ? H2T_GUMBO : 0));
}

int
html2text_with(const uint8_t *html, size_t len, struct buf *out,
    unsigned int prep_flags)
{
	struct h2t_arena *arena;
	struct h2t_run run;
	struct h2t_ctx ctx;
	struct buf prepared;
	struct h2t_texts texts;
	GumboOptions options;
	GumboOutput *doc;
	int rc = -1;

	if (len > H2T_MAX_INPUT)
		len = H2T_MAX_INPUT;
	memset(&run, 0, sizeof(run));
	run.work_limit = H2T_WORK_BASE + (size_t)H2T_WORK_PER_BYTE * len;
	buf_init(&prepared, 0);
	h2t_texts_init(&texts);
	if (h2t_prepare(html, len, &prepared, &run.placeholders,
	    prep_flags & ~H2T_GUMBO, &texts) == -1 ||
	    buf_append(&prepared, "", 0) == -1) {
		buf_free(&prepared);
		h2t_texts_free(&texts);
		return -1;
	}
	if (texts.n > 0)
		run.texts = &texts;
	/* Not an automatic object: it changes between setjmp and longjmp. */
	if ((arena = calloc(1, sizeof(*arena))) == NULL) {
		buf_free(&prepared);
		h2t_texts_free(&texts);
		return -1;
	}
	arena->big.next = arena->big.prev = &arena->big;
	arena->limit = H2T_MEMORY_BASE + (size_t)H2T_MEMORY_PER_BYTE * len;
	options = kGumboDefaultOptions;
	options.allocator = h2t_alloc;
	options.deallocator = h2t_dealloc;
	options.userdata = arena;
	options.max_errors = 0;
	doc = NULL;
	if ((prep_flags & H2T_GUMBO) == 0)
		doc = h2t_build(arena, &options, &prepared);
	if (doc == NULL)
		doc = h2t_parse(arena, &options, &prepared);
	if (doc != NULL) {
		ctx_init(&ctx, &run, 0);
		if (render_node(&ctx, doc->document, 0) == 0 &&
		    buf_append(&ctx.out, "", 0) == 0)
			rc = finish(&ctx.out, out);
		buf_free(&ctx.out);
	}
	h2t_arena_free(arena);
	free(arena);
	buf_free(&prepared);
	h2t_texts_free(&texts);
	return rc;
}
