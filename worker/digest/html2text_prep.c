/*
 * Input preparation for html2text (spec §8.1 and the gumbo workarounds of
 * §8.2).  Upstream parses with golang.org/x/net/html, scripting enabled;
 * gumbo 0.10.1 differs in ways that can be closed before parsing:
 *
 *  - Go keeps invalid UTF-8 bytes and html2text writes each as U+FFFD: do
 *    it here, one U+FFFD per byte by Go's decoding rule.
 *  - Gumbo replaces C0/C1 controls, DEL and noncharacters by U+FFFD: pass
 *    them as private-use placeholders (html2text_prep.h).
 *  - Go parses <noscript> content as raw text: escape "<" and "&" in it so
 *    gumbo builds the same single text node.  In the head Go skips it with
 *    the head, but gumbo's "in head noscript" mode would move text to the
 *    body, so the content is dropped there.
 *  - Go turns "</>" into an empty comment, which splits the text around
 *    it; gumbo drops it: write "<!---->" instead.
 *  - Gumbo still expands the obsolete <isindex> into a prompt; Go treats
 *    it as an ordinary element: rename it to an unknown element.
 *
 * And for speed (gumbo is half of the digest time): attributes that
 * neither the tree builder nor the renderer reads are dropped from start
 * tags, see prep_rewrite_ok.
 *
 * This needs a small tokenizer that knows comments, tags with quoted
 * attribute values and the raw-text elements, so that "<noscript>" inside
 * a comment or a script is left alone.  It makes one forward pass.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "html2text_prep.h"
#include "utf8.h"

struct prep {
	const uint8_t	*s;
	size_t		 len;
	size_t		 i;
	struct buf	*out;
	int		 placeholders;
	int		 in_body;	/* the tree builder has left the head */
	size_t		 depth;		/* estimated open elements */
	size_t		 cost;		/* sum of depth over all tags */
	int		 stopped;	/* cost budget reached: input cut */
	int		 rewrite;	/* attributes may be dropped */
	int		 ignoring;	/* a <select> or <frameset> was seen */
};

/*
 * Gumbo, like Go's parser, checks "element in scope" by walking the stack
 * of open elements, so n nested tags cost O(n^2): 200,000 nested <div>
 * take minutes.  The sum over all tags of the (estimated) nesting depth is
 * bounded; the input is cut at the tag that exceeds it.  Ordinary mail
 * stays orders of magnitude below (5,000 tags 30 deep: 150,000).
 */
#define PREP_COST_BUDGET	10000000u

/* What the preparation needs to know about a tag name. */
#define PT_SHALLOW	0x01	/* void, or usually closed implicitly: does
				   not deepen the estimate */
#define PT_RAWTEXT	0x02
#define PT_HEAD		0x04	/* a start tag "in head" keeps in the head */
#define PT_LEAVES_HEAD	0x08	/* an end tag that leaves the head */
#define PT_ISINDEX	0x10
#define PT_PLAINTEXT	0x20
#define PT_NOSCRIPT	0x40
#define PT_KEEP		0x80	/* attributes matter: kept as written */
#define PT_ALT		0x100	/* only its "alt" attributes are read */
#define PT_SCRIPT	0x200
#define PT_IGNORES	0x400	/* its modes ignore raw-text start tags */
#define PT_UNREAD	0x800	/* the renderer skips its content */

struct prep_tag_info {
	const char	*name;
	size_t		 len;
	unsigned int	 flags;
};

#define PT(n, f)	{ n, sizeof(n) - 1, f }
static const struct prep_tag_info prep_tags[] = {
	PT("area", PT_SHALLOW), PT("base", PT_SHALLOW | PT_HEAD),
	PT("br", PT_SHALLOW | PT_LEAVES_HEAD), PT("col", PT_SHALLOW),
	PT("embed", PT_SHALLOW), PT("hr", PT_SHALLOW), PT("img", PT_SHALLOW | PT_ALT),
	PT("input", PT_SHALLOW | PT_KEEP), PT("keygen", PT_SHALLOW),
	PT("link", PT_SHALLOW | PT_HEAD), PT("meta", PT_SHALLOW | PT_HEAD),
	PT("param", PT_SHALLOW), PT("source", PT_SHALLOW),
	PT("track", PT_SHALLOW), PT("wbr", PT_SHALLOW),
	PT("image", PT_SHALLOW | PT_ALT), PT("p", PT_SHALLOW), PT("li", PT_SHALLOW),
	PT("dt", PT_SHALLOW), PT("dd", PT_SHALLOW), PT("tr", PT_SHALLOW),
	PT("td", PT_SHALLOW), PT("th", PT_SHALLOW), PT("option", PT_SHALLOW),
	PT("optgroup", PT_SHALLOW), PT("rb", PT_SHALLOW),
	PT("rt", PT_SHALLOW), PT("rp", PT_SHALLOW), PT("thead", PT_SHALLOW),
	PT("tbody", PT_SHALLOW), PT("tfoot", PT_SHALLOW),
	PT("colgroup", PT_SHALLOW), PT("caption", PT_SHALLOW),
	PT("html", PT_SHALLOW | PT_HEAD | PT_LEAVES_HEAD),
	PT("head", PT_SHALLOW | PT_HEAD | PT_LEAVES_HEAD),
	PT("body", PT_SHALLOW | PT_LEAVES_HEAD),
	PT("basefont", PT_SHALLOW | PT_HEAD),
	PT("bgsound", PT_SHALLOW | PT_HEAD), PT("frame", PT_SHALLOW),
	PT("isindex", PT_SHALLOW | PT_ISINDEX),
	PT("script", PT_RAWTEXT | PT_HEAD | PT_SCRIPT | PT_UNREAD),
	PT("style", PT_RAWTEXT | PT_HEAD | PT_UNREAD),
	PT("textarea", PT_RAWTEXT), PT("title", PT_RAWTEXT | PT_HEAD),
	PT("xmp", PT_RAWTEXT), PT("iframe", PT_RAWTEXT),
	PT("noembed", PT_RAWTEXT), PT("noframes", PT_RAWTEXT | PT_HEAD),
	PT("noscript", PT_RAWTEXT | PT_HEAD | PT_NOSCRIPT),
	PT("template", PT_HEAD), PT("plaintext", PT_PLAINTEXT),
	/*
	 * Formatting elements: the "Noah's Ark" clause compares their
	 * attributes.  <a> gives href, <input type=hidden> is not foster
	 * parented, <font color|face|size> leaves foreign content.
	 */
	PT("a", PT_KEEP), PT("b", PT_KEEP), PT("big", PT_KEEP),
	PT("code", PT_KEEP), PT("em", PT_KEEP), PT("font", PT_KEEP),
	PT("i", PT_KEEP), PT("nobr", PT_KEEP), PT("s", PT_KEEP),
	PT("small", PT_KEEP), PT("strike", PT_KEEP), PT("strong", PT_KEEP),
	PT("tt", PT_KEEP), PT("u", PT_KEEP),
	PT("select", PT_IGNORES), PT("frameset", PT_IGNORES),
};
#undef PT

static uint32_t
prep_placeholder(uint32_t c)
{
	if ((c >= 0x01 && c <= 0x08) || c == 0x0B || (c >= 0x0E && c <= 0x1F) ||
	    (c >= 0x7F && c <= 0x9F))
		return H2T_PLACEHOLDER_BASE + c;
	if (c >= 0xFDD0 && c <= 0xFDEF)
		return H2T_PLACEHOLDER_BASE + 0x100 + (c - 0xFDD0);
	if ((c & 0xFFFE) == 0xFFFE)
		return H2T_PLACEHOLDER_BASE + 0x200 + (c >> 16) * 2 + (c & 1);
	return c;
}

uint32_t
h2t_unplaceholder(uint32_t r)
{
	uint32_t k;

	if (r < H2T_PLACEHOLDER_BASE || r >= H2T_PLACEHOLDER_END)
		return r;
	k = r - H2T_PLACEHOLDER_BASE;
	if (k < 0x100)
		return k;
	if (k < 0x200)
		return 0xFDD0 + (k - 0x100);
	k -= 0x200;
	return ((k / 2) << 16) | (0xFFFE + (k & 1));
}

static int
ascii_alpha(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
html_space(uint8_t c)
{
	return c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

static int
ascii_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* prep_tags chained by first letter (built once), PT_NONE ends a chain. */
#define PT_NTAGS	(sizeof(prep_tags) / sizeof(prep_tags[0]))
#define PT_NONE		0xFF
static uint8_t	prep_tag_head[26];
static uint8_t	prep_tag_next[PT_NTAGS];

static void
prep_tag_index_init(void)
{
	static int done;
	size_t k;

	if (done)
		return;
	done = 1;
	memset(prep_tag_head, PT_NONE, sizeof(prep_tag_head));
	for (k = PT_NTAGS; k-- > 0;) {
		prep_tag_next[k] = prep_tag_head[prep_tags[k].name[0] - 'a'];
		prep_tag_head[prep_tags[k].name[0] - 'a'] = (uint8_t)k;
	}
}

/* The flags of the tag name s[0 .. n), compared without case. */
static unsigned int
prep_tag_flags(const uint8_t *s, size_t n)
{
	char lower[sizeof("plaintext")];
	size_t k, c;

	if (n == 0 || n >= sizeof(lower))
		return 0;
	for (k = 0; k < n; k++)
		lower[k] = (char)ascii_lower(s[k]);
	if (lower[0] < 'a' || lower[0] > 'z')
		return 0;
	for (k = prep_tag_head[lower[0] - 'a']; k != PT_NONE;
	    k = prep_tag_next[k]) {
		if (prep_tags[k].len != n)
			continue;
		for (c = 1; c < n && prep_tags[k].name[c] == lower[c]; c++)
			;
		if (c == n)
			return prep_tags[k].flags;
	}
	return 0;
}

/* Copies the rune at p->i: invalid bytes as U+FFFD, placeholders. */
static int
prep_rune(struct prep *p)
{
	uint32_t r, m;
	size_t w = 1;

	if (p->s[p->i] < 0x80)
		r = p->s[p->i];
	else
		r = utf8_decode(p->s + p->i, p->len - p->i, &w);
	m = p->placeholders ? prep_placeholder(r) : r;
	p->i += w;
	if (m == r && !(r == UTF8_RUNE_ERROR && w == 1))
		return buf_append(p->out, p->s + p->i - w, w);
	return utf8_append_rune(p->out, m);
}

/* Byte classes for prep_plain_end. */
#define PB_HIGH		0x01	/* >= 0x7F: decoded rune by rune */
#define PB_CONTROL	0x02	/* a C0 control that has a placeholder */
#define PB_LT		0x04
#define PB_TEXT		0x08	/* not HTML white space */

static uint8_t	prep_byte_class[256];

static void
prep_byte_class_init(void)
{
	unsigned int c;

	if (prep_byte_class['a'] != 0)
		return;
	for (c = 0; c < 256; c++) {
		uint8_t k = 0;

		if (c >= 0x7F)
			k |= PB_HIGH;
		else if (c < 0x20 && prep_placeholder(c) != c)
			k |= PB_CONTROL;
		if (c == '<')
			k |= PB_LT;
		if (!html_space((uint8_t)c))
			k |= PB_TEXT;
		prep_byte_class[c] = k;
	}
}

/*
 * End of the run from p->i (before end, and before a "<" if stop_lt) of
 * bytes that prep_rune would copy unchanged one at a time: ASCII that is
 * not a placeholder.  *text is set when one of them is not white space.
 */
static size_t
prep_plain_end(const struct prep *p, size_t end, int stop_lt, int *text)
{
	uint8_t stop = PB_HIGH | (p->placeholders ? PB_CONTROL : 0) |
	    (stop_lt ? PB_LT : 0), seen = 0, k;
	size_t j;

	for (j = p->i; j < end; j++) {
		k = prep_byte_class[p->s[j]];
		if (k & stop)
			break;
		seen |= k;
	}
	if (seen & PB_TEXT)
		*text = 1;
	return j;
}

static int
prep_copy_to(struct prep *p, size_t end)
{
	size_t run;
	int text = 0;

	while (p->i < end) {
		if ((run = prep_plain_end(p, end, 0, &text)) > p->i) {
			if (buf_append(p->out, p->s + p->i, run - p->i) == -1)
				return -1;
			p->i = run;
		} else if (prep_rune(p) == -1)
			return -1;
	}
	return 0;
}

/* Called for each attribute of a tag: -1 stops the walk. */
typedef int	(*prep_attr_fn)(struct prep *, size_t name, size_t name_end,
		    size_t end, void *);

/*
 * Index just after the tag whose name ends at j, following the
 * tokenizer's attribute states (a ">" inside quotes does not end it);
 * fn, when given, sees every attribute.  (size_t)-1 if fn stopped it.
 */
static size_t
prep_tag_walk(struct prep *p, size_t j, prep_attr_fn fn, void *arg)
{
	const uint8_t *s = p->s;
	size_t name, name_end;
	uint8_t q;

	while (j < p->len) {
		if (s[j] == '>')
			return j + 1;
		if (html_space(s[j]) || s[j] == '/') {
			j++;
			continue;
		}
		/* attribute name; its first character may be "=" */
		name = j++;
		while (j < p->len && !html_space(s[j]) && s[j] != '/' &&
		    s[j] != '>' && s[j] != '=')
			j++;
		name_end = j;
		while (j < p->len && html_space(s[j]))
			j++;
		if (j >= p->len || s[j] != '=') {
			if (fn != NULL && fn(p, name, name_end, name_end,
			    arg) == -1)
				return (size_t)-1;
			continue;
		}
		j++;
		while (j < p->len && html_space(s[j]))
			j++;
		if (j >= p->len)
			break;
		if (s[j] == '"' || s[j] == '\'') {
			q = s[j++];
			while (j < p->len && s[j] != q)
				j++;
			if (j < p->len)
				j++;
		} else
			while (j < p->len && !html_space(s[j]) && s[j] != '>')
				j++;
		if (fn != NULL && fn(p, name, name_end, j, arg) == -1)
			return (size_t)-1;
	}
	return p->len;
}

static size_t
prep_tag_end(struct prep *p, size_t j)
{
	return prep_tag_walk(p, j, NULL, NULL);
}

/*
 * Gumbo (max_errors 0) lets a repeated attribute name spill into the
 * next attribute, so an "alt" is only read alone when no name repeats.
 * Names are compared as gumbo would only when plain ASCII.
 */
#define PREP_MAX_ATTRS	32

struct prep_names {
	size_t	at[PREP_MAX_ATTRS];
	size_t	len[PREP_MAX_ATTRS];
	size_t	n;
};

static int
prep_attr_distinct(struct prep *p, size_t name, size_t name_end, size_t end,
    void *arg)
{
	struct prep_names *names = arg;
	size_t k, c, n = name_end - name;

	(void)end;
	if (names->n == PREP_MAX_ATTRS)
		return -1;
	for (c = name; c < name_end; c++)
		if (p->s[c] <= 0x20 || p->s[c] >= 0x7F)
			return -1;
	for (k = 0; k < names->n; k++) {
		if (names->len[k] != n)
			continue;
		for (c = 0; c < n; c++)
			if (ascii_lower(p->s[names->at[k] + c]) !=
			    ascii_lower(p->s[name + c]))
				break;
		if (c == n)
			return -1;
	}
	names->at[names->n] = name;
	names->len[names->n++] = n;
	return 0;
}

/* Copies an "alt" attribute as written, after a space. */
static int
prep_attr_copy_alt(struct prep *p, size_t name, size_t name_end, size_t end,
    void *arg)
{
	(void)arg;
	if (name_end - name != 3 || ascii_lower(p->s[name]) != 'a' ||
	    ascii_lower(p->s[name + 1]) != 'l' ||
	    ascii_lower(p->s[name + 2]) != 't')
		return 0;
	p->i = name;
	if (buf_putc(p->out, ' ') == -1 || prep_copy_to(p, end) == -1)
		return -1;
	return 0;
}

/* Start of the "</name" that ends a raw-text element, or len. */
static size_t
prep_rawtext_end(const struct prep *p, size_t j, const uint8_t *name,
    size_t n)
{
	const uint8_t *s = p->s;
	const uint8_t *lt;
	size_t k;

	while (j < p->len) {
		lt = memchr(s + j, '<', p->len - j);
		if (lt == NULL)
			break;
		j = (size_t)(lt - s);
		if (p->len - j >= n + 3 && s[j + 1] == '/') {
			for (k = 0; k < n; k++)
				if (ascii_lower(s[j + 2 + k]) != ascii_lower(name[k]))
					break;
			if (k == n && (html_space(s[j + 2 + n]) ||
			    s[j + 2 + n] == '/' || s[j + 2 + n] == '>'))
				return j;
		}
		j++;
	}
	return p->len;
}

static int
prep_noscript_content(struct prep *p, size_t end)
{
	if (!p->in_body) {
		p->i = end;
		return 0;
	}
	while (p->i < end) {
		switch (p->s[p->i]) {
		case '<':
			if (buf_puts(p->out, "&lt;") == -1)
				return -1;
			p->i++;
			break;
		case '&':
			if (buf_puts(p->out, "&amp;") == -1)
				return -1;
			p->i++;
			break;
		case '\0':
			if (utf8_append_rune(p->out, UTF8_RUNE_ERROR) == -1)
				return -1;
			p->i++;
			break;
		default:
			if (prep_rune(p) == -1)
				return -1;
		}
	}
	return 0;
}

/* A comment that starts at p->i ("<!--"): index after its end. */
static size_t
prep_comment_end(const struct prep *p)
{
	const uint8_t *s = p->s;
	size_t j = p->i + 4;

	if (j < p->len && s[j] == '>')
		return j + 1;
	if (p->len - j >= 2 && s[j] == '-' && s[j + 1] == '>')
		return j + 2;
	for (; j + 2 < p->len; j++) {
		if (s[j] != '-' || s[j + 1] != '-')
			continue;
		if (s[j + 2] == '>')
			return j + 3;
		if (j + 3 < p->len && s[j + 2] == '!' && s[j + 3] == '>')
			return j + 4;
	}
	return p->len;
}

static int
prep_tag(struct prep *p)
{
	const uint8_t *s = p->s;
	struct prep_names names;
	size_t start = p->i, name, n, end, cend;
	unsigned int flags;
	int endtag = s[start + 1] == '/';

	name = start + 1 + endtag;
	for (n = 0; name + n < p->len && !html_space(s[name + n]) &&
	    s[name + n] != '/' && s[name + n] != '>'; n++)
		;
	end = prep_tag_end(p, name + n);
	flags = prep_tag_flags(s + name, n);
	if (endtag) {
		if (p->depth > 0)
			p->depth--;
	} else if ((flags & PT_SHALLOW) == 0)
		p->depth++;	/* "<div/>" opens a div too */
	p->cost += p->depth + 1;
	if (p->cost > PREP_COST_BUDGET) {
		p->stopped = 1;
		return 0;
	}
	if (endtag) {
		if (flags & PT_LEAVES_HEAD)
			p->in_body = 1;
	} else if ((flags & PT_HEAD) == 0)
		p->in_body = 1;
	if (!endtag && (flags & PT_IGNORES))
		p->ignoring = 1;
	if (flags & PT_ISINDEX) {
		if (buf_append(p->out, s + start, name - start) == -1 ||
		    buf_puts(p->out, "isindez") == -1)
			return -1;
		p->i = name + n;
	}
	/* "<name" and the attributes read, when the tag has others */
	names.n = 0;
	if (p->rewrite && !endtag && (flags & (PT_KEEP | PT_ISINDEX)) == 0 &&
	    s[end - 1] == '>' && end - 1 > name + n && s[end - 2] != '/' &&
	    ((flags & PT_ALT) == 0 || prep_tag_walk(p, name + n,
	    prep_attr_distinct, &names) != (size_t)-1)) {
		if (prep_copy_to(p, name + n) == -1 ||
		    ((flags & PT_ALT) && prep_tag_walk(p, name + n,
		    prep_attr_copy_alt, NULL) == (size_t)-1) ||
		    buf_putc(p->out, '>') == -1)
			return -1;
		p->i = end;
	} else if (prep_copy_to(p, end) == -1)
		return -1;
	if (endtag || end >= p->len)
		return 0;
	if (flags & PT_PLAINTEXT)
		return prep_copy_to(p, p->len);
	if ((flags & PT_RAWTEXT) == 0)
		return 0;
	cend = prep_rawtext_end(p, end, s + name, n);
	/*
	 * Where the tokenizer is after this raw text is no longer certain
	 * when a script's "<!--" may keep it in the script past this
	 * "</script>", or when markup follows a start tag the tree builder
	 * may have ignored (<style> in <select> or <frameset>): it then read
	 * that markup as tags.
	 */
	if (((flags & PT_SCRIPT) && memmem(s + end, cend - end, "<!--", 4) !=
	    NULL) || (p->ignoring && memchr(s + end, '<', cend - end) != NULL))
		p->rewrite = 0;
	/* the text of a <style> or <script> is one text node never read */
	if (p->rewrite && !p->ignoring && (flags & PT_UNREAD)) {
		p->i = cend;
		return 0;
	}
	if (flags & PT_NOSCRIPT)
		return prep_noscript_content(p, cend);
	return prep_copy_to(p, cend);
}

/*
 * Dropping an attribute is safe when the tokenizer reads the tag where
 * this pass does and nobody reads the attribute: the renderer reads
 * href and alt, the tree builder the attributes of formatting elements,
 * <input type> and, in foreign content, <font> and <annotation-xml
 * encoding>.  Foreign content (and its CDATA sections) is not followed
 * here, so documents with <svg, <math or <![ are left as they are.
 */
static int
prep_rewrite_ok(const uint8_t *s, size_t len)
{
	const uint8_t *lt;
	size_t i = 0, k;

	while (i < len && (lt = memchr(s + i, '<', len - i)) != NULL) {
		i = (size_t)(lt - s) + 1;
		k = i < len && s[i] == '/' ? i + 1 : i;
		if ((len - k >= 3 && ascii_lower(s[k]) == 's' &&
		    ascii_lower(s[k + 1]) == 'v' && ascii_lower(s[k + 2]) == 'g') ||
		    (len - k >= 4 && ascii_lower(s[k]) == 'm' &&
		    ascii_lower(s[k + 1]) == 'a' && ascii_lower(s[k + 2]) == 't' &&
		    ascii_lower(s[k + 3]) == 'h') ||
		    (len - i >= 2 && s[i] == '!' && s[i + 1] == '['))
			return 0;
	}
	return 1;
}

static int
prep_has_placeholder_block(const uint8_t *s, size_t len)
{
	const uint8_t *p;
	size_t i = 0;

	/* U+F0000 .. U+F02FF is F3 B0 80 80 .. F3 B0 8B BF */
	while (i + 2 < len && (p = memchr(s + i, 0xF3, len - 2 - i)) != NULL) {
		i = (size_t)(p - s);
		if (s[i + 1] == 0xB0 && s[i + 2] >= 0x80 && s[i + 2] <= 0x8B)
			return 1;
		i++;
	}
	return 0;
}

int
h2t_prepare(const uint8_t *in, size_t len, struct buf *out, int *placeholders)
{
	struct prep p;
	const uint8_t *s;
	int bom;

	/* html2text strips one BOM, twice. */
	for (bom = 0; bom < 2; bom++) {
		if (len >= 3 && in[0] == 0xEF && in[1] == 0xBB && in[2] == 0xBF) {
			in += 3;
			len -= 3;
		}
	}
	prep_byte_class_init();
	prep_tag_index_init();
	memset(&p, 0, sizeof(p));
	p.s = in;
	p.len = len;
	p.out = out;
	p.placeholders = !prep_has_placeholder_block(in, len);
	*placeholders = p.placeholders;
	p.rewrite = prep_rewrite_ok(in, len);
	if (buf_reserve(out, len + len / 8 + 16) == -1)
		return -1;
	s = in;
	while (p.i < len && !p.stopped) {
		if (s[p.i] != '<') {
			size_t run = prep_plain_end(&p, len, 1, &p.in_body);

			if (run > p.i) {
				if (buf_append(out, s + p.i, run - p.i) == -1)
					return -1;
				p.i = run;
				continue;
			}
			if (!html_space(s[p.i]))
				p.in_body = 1;
			if (prep_rune(&p) == -1)
				return -1;
			continue;
		}
		if (len - p.i >= 4 && memcmp(s + p.i, "<!--", 4) == 0) {
			/* what a comment says is never read */
			if (p.rewrite) {
				if (buf_puts(out, "<!---->") == -1)
					return -1;
				p.i = prep_comment_end(&p);
			} else if (prep_copy_to(&p, prep_comment_end(&p)) == -1)
				return -1;
		} else if (len - p.i >= 3 && s[p.i + 1] == '/' &&
		    s[p.i + 2] == '>') {
			if (buf_puts(out, "<!---->") == -1)
				return -1;
			p.i += 3;
		} else if (len - p.i >= 3 && s[p.i + 1] == '/' &&
		    ascii_alpha(s[p.i + 2])) {
			if (prep_tag(&p) == -1)
				return -1;
		} else if (len - p.i >= 2 && ascii_alpha(s[p.i + 1])) {
			if (prep_tag(&p) == -1)
				return -1;
		} else if (len - p.i >= 2 && (s[p.i + 1] == '!' ||
		    s[p.i + 1] == '?' || s[p.i + 1] == '/')) {
			/* bogus comment or doctype: up to the next ">" */
			const uint8_t *gt = memchr(s + p.i, '>', len - p.i);
			if (prep_copy_to(&p, gt != NULL ?
			    (size_t)(gt - s) + 1 : len) == -1)
				return -1;
		} else {
			p.in_body = 1;
			if (prep_rune(&p) == -1)
				return -1;
		}
	}
	return 0;
}
