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
 * tags, see prep_scan.
 *
 * This needs a small tokenizer that knows comments, tags with quoted
 * attribute values and the raw-text elements, so that "<noscript>" inside
 * a comment or a script is left alone.  It makes one forward pass.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "html2text_prep.h"
#include "utf8.h"

/* Distinct attribute values of formatting elements and their ids. */
struct prep_id_entry {
	uint32_t	hash;
	uint32_t	off;		/* into keys */
	uint32_t	len;
};

struct prep_ids {
	struct buf		 keys;
	struct buf		 scratch;
	struct prep_id_entry	*entry;
	uint32_t		*slot;		/* entry index + 1, 0 is empty */
	size_t			 n;
	size_t			 nslots;	/* a power of two */
};

/* The shrinking rules that a later discovery can make unsafe. */
#define PREP_F_IDS	0x01u

/* One open table as prep_table_tag follows it. */
#define PREP_TABLES	32
#define TM_TABLE	1	/* "in table", the table the current node */
#define TM_BODY		2	/* "in table body", its section */
#define TM_ROW		3	/* "in row", the tr */
#define TM_CELL		4	/* "in cell" or deeper inside the cell */
struct prep_table {
	uint8_t		mode;
	uint8_t		section;	/* TR_TBODY.. open (implied too), or 0 */
	uint8_t		cell;		/* TR_TD or TR_TH in TM_CELL */
	uint8_t		dirty;		/* foster parented content may be open */
};

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
	int		 tag_closed;	/* the last walk found the tag's ">" */
	int		 squeeze;	/* white-space runs may be shortened */
	int		 squeezed;	/* and some were */
	int		 ids;		/* formatting values may become ids */
	int		 mapped;	/* and some did */
	unsigned int	 redo;		/* PREP_F_*: run again without */
	struct prep_ids	 idmap;
	struct prep_ids	 setmap;	/* attribute sets given an id */
	struct prep_ids	 hrefs;		/* href values given a run */
	struct buf	 href_run;	/* uint32_t: the run of each */
	struct h2t_texts *texts;	/* text runs become code points */
	size_t		 text_start;	/* in out: where the text began */
	struct prep_table tables[PREP_TABLES];
	size_t		 ntables;
	int		 tables_lost;	/* no longer followed */
	int		 table_space;	/* keep what prep_table_text drops */
	int		 cell_fresh;	/* only white space since <td>/<th> */
	/* table tags just written that the next tag may make redundant */
	struct prep_elide {
		size_t	 start, end;	/* in out */
		uint8_t	 kind;		/* PE_* */
	}		 elide[4];
	size_t		 nelide;
	size_t		 table_end;	/* in out: end of a <table> just written */
};

/* What prep_elide may remove (see there). */
#define PE_CELL_END	1	/* </td>, </th> */
#define PE_ROW_END	2	/* </tr> */
#define PE_SECTION_END	3	/* </tbody>, </thead>, </tfoot> */
#define PE_TBODY	4	/* a bare <tbody> right after a <table> */

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
#define PT_FORMAT	0x1000	/* a formatting element */
#define PT_LINK		0x2000	/* <a>: its href is read */
#define PT_TYPE		0x4000	/* only its "type" attributes are read */
#define PT_ONE		(PT_ALT | PT_TYPE)
/* Its part in following the table modes (prep_table_tag), bits 16-19. */
#define PT_ROLE(r)	((unsigned int)(r) << 16)
#define PT_ROLE_OF(f)	(((f) >> 16) & 0xFu)
#define TR_TABLE	1u
#define TR_TBODY	2u
#define TR_THEAD	3u
#define TR_TFOOT	4u
#define TR_TR		5u
#define TR_TD		6u
#define TR_TH		7u
#define TR_FORM		8u	/* no mode change in a table */
#define TR_HEAD		9u	/* <style>, <script>: "in head" rules */
#define TR_STOP		10u	/* a start tag that ends the following */
#define TR_BR		11u	/* "</br>" is a <br> */
#define TR_SELECT	12u	/* TR_STOP but inside a cell */

struct prep_tag_info {
	const char	*name;
	size_t		 len;
	unsigned int	 flags;
};

#define PT(n, f)	{ n, sizeof(n) - 1, f }
static const struct prep_tag_info prep_tags[] = {
	PT("area", PT_SHALLOW), PT("base", PT_SHALLOW | PT_HEAD),
	PT("br", PT_SHALLOW | PT_LEAVES_HEAD | PT_ROLE(TR_BR)),
	PT("embed", PT_SHALLOW), PT("hr", PT_SHALLOW), PT("img", PT_SHALLOW | PT_ALT),
	PT("input", PT_SHALLOW | PT_TYPE), PT("keygen", PT_SHALLOW),
	PT("link", PT_SHALLOW | PT_HEAD), PT("meta", PT_SHALLOW | PT_HEAD),
	PT("param", PT_SHALLOW), PT("source", PT_SHALLOW),
	PT("track", PT_SHALLOW), PT("wbr", PT_SHALLOW),
	PT("image", PT_SHALLOW | PT_ALT), PT("p", PT_SHALLOW), PT("li", PT_SHALLOW),
	PT("dt", PT_SHALLOW), PT("dd", PT_SHALLOW),
	PT("tr", PT_SHALLOW | PT_ROLE(TR_TR)),
	PT("td", PT_SHALLOW | PT_ROLE(TR_TD)),
	PT("th", PT_SHALLOW | PT_ROLE(TR_TH)), PT("option", PT_SHALLOW),
	PT("optgroup", PT_SHALLOW), PT("rb", PT_SHALLOW),
	PT("rt", PT_SHALLOW), PT("rp", PT_SHALLOW),
	PT("thead", PT_SHALLOW | PT_ROLE(TR_THEAD)),
	PT("tbody", PT_SHALLOW | PT_ROLE(TR_TBODY)),
	PT("tfoot", PT_SHALLOW | PT_ROLE(TR_TFOOT)),
	PT("colgroup", PT_SHALLOW | PT_ROLE(TR_STOP)),
	PT("caption", PT_SHALLOW | PT_ROLE(TR_STOP)),
	PT("col", PT_SHALLOW | PT_ROLE(TR_STOP)),
	PT("table", PT_ROLE(TR_TABLE)), PT("form", PT_ROLE(TR_FORM)),
	PT("html", PT_SHALLOW | PT_HEAD | PT_LEAVES_HEAD),
	PT("head", PT_SHALLOW | PT_HEAD | PT_LEAVES_HEAD),
	PT("body", PT_SHALLOW | PT_LEAVES_HEAD),
	PT("basefont", PT_SHALLOW | PT_HEAD),
	PT("bgsound", PT_SHALLOW | PT_HEAD), PT("frame", PT_SHALLOW),
	PT("isindex", PT_SHALLOW | PT_ISINDEX | PT_ROLE(TR_STOP)),
	PT("script", PT_RAWTEXT | PT_HEAD | PT_SCRIPT | PT_UNREAD |
	    PT_ROLE(TR_HEAD)),
	PT("style", PT_RAWTEXT | PT_HEAD | PT_UNREAD | PT_ROLE(TR_HEAD)),
	PT("textarea", PT_RAWTEXT), PT("title", PT_RAWTEXT | PT_HEAD),
	PT("xmp", PT_RAWTEXT), PT("iframe", PT_RAWTEXT),
	PT("noembed", PT_RAWTEXT), PT("noframes", PT_RAWTEXT | PT_HEAD),
	PT("noscript", PT_RAWTEXT | PT_HEAD | PT_NOSCRIPT),
	PT("template", PT_HEAD | PT_ROLE(TR_STOP)),
	PT("plaintext", PT_PLAINTEXT),
	/*
	 * Formatting elements: the "Noah's Ark" clause compares their
	 * attributes.  <a> gives href, <input type=hidden> is not foster
	 * parented, <font color|face|size> leaves foreign content.
	 */
#define PT_FMT	(PT_KEEP | PT_FORMAT)
	PT("a", PT_FMT | PT_LINK), PT("b", PT_FMT), PT("big", PT_FMT),
	PT("code", PT_FMT), PT("em", PT_FMT), PT("font", PT_FMT),
	PT("i", PT_FMT), PT("nobr", PT_FMT), PT("s", PT_FMT),
	PT("small", PT_FMT), PT("strike", PT_FMT), PT("strong", PT_FMT),
	PT("tt", PT_FMT), PT("u", PT_FMT),
#undef PT_FMT
	PT("select", PT_IGNORES | PT_ROLE(TR_SELECT)),
	PT("frameset", PT_IGNORES | PT_ROLE(TR_STOP)),
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
	const uint8_t *s = p->s, *qe;
	size_t name, name_end;
	uint8_t q;

	p->tag_closed = 0;
	while (j < p->len) {
		if (s[j] == '>') {
			p->tag_closed = 1;
			return j + 1;
		}
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
			qe = memchr(s + j, q, p->len - j);
			j = qe != NULL ? (size_t)(qe - s) + 1 : p->len;
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

static int
prep_name_is(const struct prep *p, size_t name, size_t name_end,
    const char *want)
{
	size_t k, n = strlen(want);

	if (name_end - name != n)
		return 0;
	for (k = 0; k < n; k++)
		if (ascii_lower(p->s[name + k]) != want[k])
			return 0;
	return 1;
}

/* The one attribute a tag's renderer or tree builder reads. */
struct prep_keep {
	const char	*name;		/* "alt", "type" */
};

/* Copies the attribute named in arg as written, after a space. */
static int
prep_attr_copy_named(struct prep *p, size_t name, size_t name_end,
    size_t end, void *arg)
{
	const struct prep_keep *keep = arg;

	if (!prep_name_is(p, name, name_end, keep->name))
		return 0;
	p->i = name;
	if (buf_putc(p->out, ' ') == -1 || prep_copy_to(p, end) == -1)
		return -1;
	return 0;
}

/*
 * White space read in the data state: the tree builder only asks whether
 * a character token is white space, and no run of them moves the
 * insertion point halfway, so keeping the first character of each run
 * (of two or more of [ \t\r\n]) gives the same tree with shorter text
 * nodes; outside <pre> the renderer turns every run into one space.
 * Where the count matters is excluded: see prep_scan, and below.
 * Runs with \f are left alone (the renderer does not collapse it).
 *
 * The renderer also compares a link's text, as written, with its href.
 * Text inside an <a> (or its clones from reconstruction and the adoption
 * agency) was always read after that <a>'s start tag, so shortening stops
 * at the first <a> whose href could hold white space (prep_format_tag),
 * and text shortened before the pass became unsure of the tokenizer
 * stays valid.
 */
static int
prep_put_text(struct prep *p, size_t from, size_t to)
{
	const uint8_t *s = p->s;
	size_t i, j, start = from;

	if (!p->squeeze || !p->rewrite)
		return buf_append(p->out, s + from, to - from);
	for (i = from; i < to; i = j) {
		j = i + 1;
		if (!html_space(s[i]))
			continue;
		while (j < to && html_space(s[j]))
			j++;
		if (j - i < 2 || memchr(s + i, '\f', j - i) != NULL)
			continue;
		if (buf_append(p->out, s + start, i + 1 - start) == -1)
			return -1;
		start = j;
		p->squeezed = 1;
	}
	return buf_append(p->out, s + start, to - start);
}

/* The value of the attribute whose name ends at name_end: [*vs, *ve). */
static void
prep_attr_value(const struct prep *p, size_t name_end, size_t end,
    size_t *vs, size_t *ve)
{
	const uint8_t *s = p->s;
	size_t j = name_end;
	uint8_t q;

	while (j < end && html_space(s[j]))
		j++;
	if (j >= end || s[j] != '=') {
		*vs = *ve = end;
		return;
	}
	for (j++; j < end && html_space(s[j]); j++)
		;
	*vs = j;
	*ve = end;
	if (j < end && (s[j] == '"' || s[j] == '\'')) {
		q = s[j];
		*vs = j + 1;
		if (end > j + 1 && s[end - 1] == q)
			*ve = end - 1;
	}
}

/*
 * Could this attribute value, decoded by gumbo and trimmed by the
 * renderer, hold [ \t\r\n]?  A link's text is compared as written with
 * its href, the one place where the renderer reads white space without
 * collapsing it; a text with a run can only equal an href that has white
 * space inside.  References that decode to such white space are numeric
 * ones, &Tab; and &NewLine;.
 */
static int
prep_value_may_space(const uint8_t *v, size_t n)
{
	size_t i;

	while (n > 0 && html_space(v[0])) {
		v++;
		n--;
	}
	while (n > 0 && html_space(v[n - 1]))
		n--;
	for (i = 0; i < n; i++) {
		if (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' || v[i] == '\n')
			return 1;
		if (v[i] == '&' && i + 1 < n && (v[i + 1] == '#' ||
		    ascii_lower(v[i + 1]) == 't' || ascii_lower(v[i + 1]) == 'n'))
			return 1;
	}
	return 0;
}

/* What the first walk over a formatting start tag finds. */
struct prep_fmt {
	struct prep_names	names;
	unsigned int		flags;
	int			attrs;
	int			names_ok;	/* distinct plain names */
	int			clean;		/* values gumbo keeps as written */
	int			href_space;
	int			any_space;
};

static int
prep_attr_check(struct prep *p, size_t name, size_t name_end, size_t end,
    void *arg)
{
	struct prep_fmt *f = arg;
	size_t vs, ve;
	int href;

	f->attrs++;
	/* written after a space, "=x" would become the value of the one
	 * before */
	if (prep_attr_distinct(p, name, name_end, end, &f->names) == -1 ||
	    p->s[name] == '=')
		f->names_ok = 0;
	prep_attr_value(p, name_end, end, &vs, &ve);
	href = (f->flags & PT_LINK) && prep_name_is(p, name, name_end, "href");
	if (prep_value_may_space(p->s + vs, ve - vs)) {
		f->any_space = 1;
		if (href)
			f->href_space = 1;
	}
	/* character references and CR would have to be decoded first */
	if (!href && (memchr(p->s + vs, '&', ve - vs) != NULL ||
	    memchr(p->s + vs, '\r', ve - vs) != NULL ||
	    memchr(p->s + vs, '\0', ve - vs) != NULL))
		f->clean = 0;
	return 0;
}

/* FNV-1a. */
static uint32_t
prep_hash(const uint8_t *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ s[i]) * 16777619u;
	return h;
}

static int
prep_ids_grow(struct prep_ids *m)
{
	struct prep_id_entry *e;
	uint32_t *slot;
	size_t n = m->nslots ? m->nslots * 2 : 64, k, at;

	if ((slot = calloc(n, sizeof(*slot))) == NULL)
		return -1;
	if ((e = realloc(m->entry, n / 2 * sizeof(*e))) == NULL) {
		free(slot);
		return -1;
	}
	for (k = 0; k < m->n; k++) {
		for (at = e[k].hash & (n - 1); slot[at] != 0; at = (at + 1) &
		    (n - 1))
			;
		slot[at] = (uint32_t)k + 1;
	}
	free(m->slot);
	m->slot = slot;
	m->entry = e;
	m->nslots = n;
	return 0;
}

/* The id of the value in m->scratch, a new one if it is new. */
static int
prep_id_of(struct prep_ids *m, size_t *id)
{
	const uint8_t *key = m->scratch.data;
	size_t n = m->scratch.len, at;
	struct prep_id_entry *e;
	uint32_t h = prep_hash(key, n);

	if (n > UINT32_MAX || m->keys.len > UINT32_MAX - n)
		return -1;
	if (m->n + 1 > m->nslots / 2 && prep_ids_grow(m) == -1)
		return -1;
	for (at = h & (m->nslots - 1); m->slot[at] != 0;
	    at = (at + 1) & (m->nslots - 1)) {
		e = &m->entry[m->slot[at] - 1];
		if (e->hash == h && e->len == n &&
		    (n == 0 || memcmp(m->keys.data + e->off, key, n) == 0)) {
			*id = m->slot[at] - 1;
			return 0;
		}
	}
	e = &m->entry[m->n];
	e->hash = h;
	e->off = (uint32_t)m->keys.len;
	e->len = (uint32_t)n;
	if (buf_append(&m->keys, key, n) == -1)
		return -1;
	m->slot[at] = (uint32_t)m->n + 1;
	*id = m->n++;
	return 0;
}

static void
prep_ids_free(struct prep_ids *m)
{
	buf_free(&m->keys);
	buf_free(&m->scratch);
	free(m->entry);
	free(m->slot);
	memset(m, 0, sizeof(*m));
}

/* An id as a short attribute value: base 62, lowest digit first. */
static int
prep_put_id_digits(struct buf *out, size_t id)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

	do {
		if (buf_putc(out, digits[id % 62]) == -1)
			return -1;
		id /= 62;
	} while (id > 0);
	return 0;
}

/* Writes "=" and the id of the value [vs, ve) as gumbo will read it. */
static int
prep_put_id(struct prep *p, size_t vs, size_t ve)
{
	struct buf *out = p->out;
	size_t id;
	int rc;

	buf_reset(&p->idmap.scratch);
	p->out = &p->idmap.scratch;
	p->i = vs;
	rc = prep_copy_to(p, ve);
	p->out = out;
	if (rc == -1 || buf_append(&p->idmap.scratch, "", 0) == -1 ||
	    prep_id_of(&p->idmap, &id) == -1 || buf_putc(out, '=') == -1 ||
	    prep_put_id_digits(out, id) == -1)
		return -1;
	p->mapped = 1;
	return 0;
}

static size_t	prep_text_char(const uint8_t *, size_t, size_t);

#define PREP_HREF_MIN	32

/*
 * An <a href> value as one run of text (H2T_PREP_TEXTS): the renderer
 * reads href through the runs (append_gumbo), and the tree builder never
 * compares the attributes of two <a> elements.  Noah's Ark would, among
 * the formatting elements after the last marker, but an <a> start tag
 * first takes any <a> there out of the list (and the adoption agency
 * and the reconstruction copy attributes without comparing them), so
 * there is never another <a> to compare with.  Equal values still get
 * the same run.  Only a value gumbo passes through unchanged qualifies
 * (what prep_text_char takes: no reference, CR, NUL or control); others,
 * and short ones, are written as they are.  Writes "href=" and the
 * run; 1 when the value does not qualify.
 */
static int
prep_put_href(struct prep *p, size_t name, size_t name_end, size_t end)
{
	struct h2t_texts *t = p->texts;
	struct prep_ids *m = &p->hrefs;
	size_t vs, ve, i, n, id;
	uint32_t k, tend;

	prep_attr_value(p, name_end, end, &vs, &ve);
	/* gumbo reads a short one for less than it costs to make a run */
	if (ve - vs < PREP_HREF_MIN ||
	    memchr(p->s + vs, '&', ve - vs) != NULL ||
	    memchr(p->s + vs, '\r', ve - vs) != NULL)
		return 1;
	for (i = vs; i < ve && (n = prep_text_char(p->s, i, ve)) > 0; i += n)
		;
	if (i < ve || t->n >= H2T_TEXT_MAX)
		return 1;
	buf_reset(&m->scratch);
	if (buf_append(&m->scratch, p->s + vs, ve - vs) == -1 ||
	    prep_id_of(m, &id) == -1)
		return -1;
	if (id * sizeof(k) == p->href_run.len) {
		/* a new value: a new run */
		if (buf_append(&t->bytes, p->s + vs, ve - vs) == -1)
			return -1;
		tend = (uint32_t)t->bytes.len;
		k = (uint32_t)t->n++;
		if (t->bytes.len > UINT32_MAX ||
		    buf_append(&t->ends, &tend, sizeof(tend)) == -1 ||
		    buf_append(&p->href_run, &k, sizeof(k)) == -1)
			return -1;
	} else
		memcpy(&k, p->href_run.data + id * sizeof(k), sizeof(k));
	k += H2T_TEXT_BASE;
	p->i = name;
	if (prep_copy_to(p, name_end) == -1 || buf_puts(p->out, "=\"") == -1 ||
	    buf_putc(p->out, 0xF4) == -1 ||
	    buf_putc(p->out, 0x80 | ((k >> 12) & 0x3F)) == -1 ||
	    buf_putc(p->out, 0x80 | ((k >> 6) & 0x3F)) == -1 ||
	    buf_putc(p->out, 0x80 | (k & 0x3F)) == -1 ||
	    buf_putc(p->out, '"') == -1)
		return -1;
	return 0;
}

static int
prep_attr_put_id(struct prep *p, size_t name, size_t name_end, size_t end,
    void *arg)
{
	struct prep_fmt *f = arg;
	size_t vs, ve;
	int rc;

	if (buf_putc(p->out, ' ') == -1)
		return -1;
	p->i = name;
	if ((f->flags & PT_LINK) && prep_name_is(p, name, name_end, "href")) {
		if (p->texts != NULL && (rc = prep_put_href(p, name,
		    name_end, end)) != 1)
			return rc;
		p->i = name;
		return prep_copy_to(p, end);
	}
	if (prep_copy_to(p, name_end) == -1)
		return -1;
	prep_attr_value(p, name_end, end, &vs, &ve);
	return vs == ve ? 0 : prep_put_id(p, vs, ve);
}

/*
 * The attributes of a formatting element other than <a>, as one id.
 * What the tree builder compares is the set of (name, value) pairs:
 * gumbo's Noah's Ark test counts a match for every attribute of one
 * element in the other and the same number of them.  So equal sets (in
 * any order) get the same id and unequal ones different ids, and the
 * tag goes to gumbo with that one attribute: gumbo reads each attribute
 * into buffers of its own, character by character.
 */
#define PREP_SET_MAX	16

struct prep_set {
	struct buf	 bytes;		/* "name\0value" of each, lower-case */
	size_t		 off[PREP_SET_MAX];
	size_t		 n;
};

static int
prep_attr_collect(struct prep *p, size_t name, size_t name_end, size_t end,
    void *arg)
{
	struct prep_set *set = arg;
	struct buf *out = p->out;
	size_t vs, ve, k;
	int rc;

	/* only plain names: gumbo could read two odd ones as one */
	if (set->n == PREP_SET_MAX || name == name_end)
		return -1;
	for (k = name; k < name_end; k++)
		if (!ascii_alpha(p->s[k]) && (p->s[k] < '0' || p->s[k] > '9') &&
		    p->s[k] != '-' && p->s[k] != '_' && p->s[k] != ':')
			return -1;
	set->off[set->n++] = set->bytes.len;
	for (k = name; k < name_end; k++)
		if (buf_putc(&set->bytes, ascii_lower(p->s[k])) == -1)
			return -1;
	if (buf_putc(&set->bytes, '\0') == -1)
		return -1;
	prep_attr_value(p, name_end, end, &vs, &ve);
	/* the value as gumbo will read it, as prep_put_id has it */
	p->out = &set->bytes;
	p->i = vs;
	rc = prep_copy_to(p, ve);
	p->out = out;
	if (rc == -1 || buf_putc(&set->bytes, '\0') == -1)
		return -1;
	return 0;
}

/* Writes " a=" and the id of the set; 1 when it does not qualify. */
static int
prep_put_set(struct prep *p, size_t attrs)
{
	struct prep_ids *m = &p->setmap;
	struct prep_set set;
	const char *e;
	size_t k, j, id, t;
	int rc = 1;

	buf_init(&set.bytes, 0);
	set.n = 0;
	if (prep_tag_walk(p, attrs, prep_attr_collect, &set) == (size_t)-1 ||
	    buf_failed(&set.bytes))
		goto done;
	rc = -1;
	/* by name: the names are distinct (prep_format_tag checked) */
	for (k = 1; k < set.n; k++)
		for (j = k; j > 0 && strcmp((const char *)set.bytes.data +
		    set.off[j - 1], (const char *)set.bytes.data +
		    set.off[j]) > 0; j--) {
			t = set.off[j];
			set.off[j] = set.off[j - 1];
			set.off[j - 1] = t;
		}
	buf_reset(&m->scratch);
	for (k = 0; k < set.n; k++) {
		e = (const char *)set.bytes.data + set.off[k];
		/* name, NUL, value (no NUL in it), NUL */
		buf_append(&m->scratch, e, strlen(e) + 1);
		e += strlen(e) + 1;
		buf_append(&m->scratch, e, strlen(e) + 1);
	}
	if (buf_failed(&m->scratch) || prep_id_of(m, &id) == -1 ||
	    buf_puts(p->out, " a=") == -1 ||
	    prep_put_id_digits(p->out, id) == -1)
		goto done;
	p->mapped = 1;
	rc = 0;
done:
	buf_free(&set.bytes);
	return rc;
}

/*
 * A formatting start tag.  The tree builder compares the attributes of
 * formatting elements only with each other, for equality ("Noah's Ark",
 * the clones of the adoption agency), and the renderer reads only <a
 * href>: every other value becomes a short id, equal values the same id
 * (and the href a run of text, see prep_put_href).
 * Gumbo compares values after decoding, so this is done only while every
 * such value is read as written (no "&", CR or NUL); a tag that cannot
 * be mapped after one was ends the mapping and the pass is run again.
 * An <a> also tells whether white-space runs may be shortened.
 */
static int
prep_format_tag(struct prep *p, unsigned int flags, size_t attrs, size_t end)
{
	struct prep_fmt f;
	int rc;

	memset(&f, 0, sizeof(f));
	f.flags = flags;
	f.names_ok = f.clean = 1;
	(void)prep_tag_walk(p, attrs, prep_attr_check, &f);
	if ((flags & PT_LINK) && (f.names_ok ? f.href_space : f.any_space))
		p->squeeze = 0;
	if (f.attrs == 0)
		return prep_copy_to(p, end);
	if (!p->ids || !f.names_ok || !f.clean || !p->tag_closed ||
	    p->s[end - 2] == '/') {
		if (p->ids && p->mapped)
			p->redo |= PREP_F_IDS;
		p->ids = 0;
		return prep_copy_to(p, end);
	}
	if (prep_copy_to(p, attrs) == -1)
		return -1;
	rc = (flags & PT_LINK) ? 1 : prep_put_set(p, attrs);
	if (rc == -1 || (rc == 1 && prep_tag_walk(p, attrs, prep_attr_put_id,
	    &f) == (size_t)-1) || buf_putc(p->out, '>') == -1)
		return -1;
	p->i = end;
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

/* A mode entered by closing what was open above its element. */
static void
prep_table_mode(struct prep_table *t, int mode)
{
	t->mode = (uint8_t)mode;
	t->dirty = 0;
}

/*
 * White space between two tags where the tree builder is "in table",
 * "in table body" or "in row" becomes a text node of the table, its
 * section or its row, and does nothing else: gumbo collects it as
 * pending table text and, all of it white space, inserts it into the
 * current node, which is that element; no active formatting element is
 * reconstructed, nothing is foster parented, frameset-ok stays.  Right
 * after a <td> or <th> start tag, in-body rules insert it into the cell
 * and the reconstruction they run first stops at the marker the cell
 * just pushed (text after a tag gumbo ignores may join that node: the
 * renderer trims it at the start).  The renderer trims such a node to
 * nothing, and it is never the child of an <a>, so it is dropped: tables
 * hold most of the white space of mail, and gumbo spends on each node
 * about what it spends on a tag.
 *
 * prep_table_tag follows those modes through the tags that move between
 * them, as gumbo 0.10.1's tree-construction rules do, for tables built
 * the usual way.  Text or a tag that the table modes foster parent
 * leaves an element open above the table: its white space is kept until
 * a table tag clears the stack back to the table, section or row (no
 * such tag changes the mode; "</br>", a <br>, counts as one).  What the
 * following does not model ends it for the rest of the document:
 * <caption>, <col>, <colgroup>, <template>, <isindex> or <frameset>
 * anywhere, <select> outside a cell, tables nested deeper than
 * PREP_TABLES; and nothing is dropped once the pass is unsure of the
 * tokenizer.  Inside a cell, other markup cannot leave the cell: every
 * scope check of the in-body rules stops at the td or th, and the
 * adoption agency at the cell's marker.  Only the table tags close it,
 * and a nested <table> opens a table of its own.
 */

static void
prep_table_tag(struct prep *p, unsigned int role, int endtag)
{
	struct prep_table *t;
	int section;

	p->cell_fresh = 0;
	if (p->tables_lost)
		return;
	/*
	 * A <select> in a cell is "in select in table": the table tags
	 * close it and are then handled in the cell, the others stay in
	 * the cell.  Anywhere else it changes how the tags that follow
	 * are read.
	 */
	if (!endtag && (role == TR_STOP || (role == TR_SELECT &&
	    (p->ntables == 0 || p->tables[p->ntables - 1].mode != TM_CELL)))) {
		p->tables_lost = 1;
		return;
	}
	section = role == TR_TBODY || role == TR_THEAD || role == TR_TFOOT;
	/* each "continue" reprocesses the tag in the mode just entered */
	for (;;) {
		if (p->ntables == 0) {
			if (role == TR_TABLE && !endtag) {
				t = &p->tables[p->ntables++];
				prep_table_mode(t, TM_TABLE);
				t->section = t->cell = 0;
			}
			return;
		}
		t = &p->tables[p->ntables - 1];
		switch (t->mode) {
		case TM_CELL:
			if (endtag && (role == TR_TD || role == TR_TH)) {
				/* ignored when it names the other kind */
				if (role == t->cell)
					prep_table_mode(t, TM_ROW);
				return;
			}
			/* close the cell; an end tag only when in scope */
			if ((!endtag && (section || role == TR_TR ||
			    role == TR_TD || role == TR_TH)) ||
			    (endtag && (role == TR_TABLE || role == TR_TR ||
			    (section && role == t->section)))) {
				prep_table_mode(t, TM_ROW);
				continue;
			}
			if (!endtag && role == TR_TABLE) {
				if (p->ntables == PREP_TABLES) {
					p->tables_lost = 1;
					return;
				}
				t = &p->tables[p->ntables++];
				prep_table_mode(t, TM_TABLE);
				t->section = t->cell = 0;
			}
			return;
		case TM_ROW:
			if (!endtag && (role == TR_TD || role == TR_TH)) {
				prep_table_mode(t, TM_CELL);
				t->cell = (uint8_t)role;
				p->cell_fresh = 1;
				return;
			}
			if (endtag && role == TR_TR) {
				prep_table_mode(t, TM_BODY);
				return;
			}
			if ((!endtag && (section || role == TR_TR)) ||
			    (endtag && (role == TR_TABLE ||
			    (section && role == t->section)))) {
				prep_table_mode(t, TM_BODY);
				continue;
			}
			if (endtag && (section || role == TR_TD ||
			    role == TR_TH))
				return;
			break;		/* the "in table" rules */
		case TM_BODY:
			if (!endtag && role == TR_TR) {
				prep_table_mode(t, TM_ROW);
				return;
			}
			if (!endtag && (role == TR_TD || role == TR_TH)) {
				prep_table_mode(t, TM_ROW);	/* an implied <tr> */
				continue;
			}
			if (endtag && section) {
				if (role == t->section) {
					prep_table_mode(t, TM_TABLE);
					t->section = 0;
				}
				return;
			}
			if ((!endtag && section) || (endtag && role == TR_TABLE)) {
				prep_table_mode(t, TM_TABLE);
				t->section = 0;
				continue;
			}
			if (endtag && (role == TR_TR || role == TR_TD ||
			    role == TR_TH))
				return;
			break;
		}
		/* "in table" */
		if (!endtag && section) {
			prep_table_mode(t, TM_BODY);
			t->section = (uint8_t)role;
			return;
		}
		if (!endtag && (role == TR_TR || role == TR_TD ||
		    role == TR_TH)) {
			prep_table_mode(t, TM_BODY);	/* an implied <tbody> */
			t->section = TR_TBODY;
			continue;
		}
		if (role == TR_TABLE) {
			/* a start tag closes this table and opens another */
			p->ntables--;
			if (endtag)
				return;
			continue;
		}
		/*
		 * Other end tags go to the in-body rules, foster parented:
		 * what they look for in scope is never above the table, and
		 * "</p>" inserts a <p> and pops it again.  "</br>" is a <br>,
		 * which reconstructs the active formatting elements.
		 */
		if (endtag) {
			if (role == TR_BR)
				t->dirty = 1;
			return;
		}
		/* inserted and popped (or ignored) without a mode change */
		if (role == TR_HEAD || role == TR_FORM)
			return;
		/*
		 * Foster parented: the element stays open above the table
		 * until a tag of the table clears the stack back to it.  No
		 * start tag that reaches the in-body rules this way changes
		 * the mode, except those that end the following.
		 */
		t->dirty = 1;
		return;
	}
}

/*
 * The text since p->text_start, read just before a tag or comment: white
 * space that prep_table_tag says only makes a node of a table element or
 * a fresh cell is dropped; other text in the table modes would be foster
 * parented, which is not followed.
 */
static void
prep_table_text(struct prep *p)
{
	uint8_t *d = p->out->data;
	size_t a = p->text_start, b = p->out->len, i;
	struct prep_table *t;
	int mode;

	if (a == b || p->tables_lost || p->ntables == 0)
		return;
	t = &p->tables[p->ntables - 1];
	mode = t->mode;
	for (i = a; i < b && html_space(d[i]); i++)
		;
	if (i < b) {
		/* foster parented after a reconstruction */
		if (mode != TM_CELL)
			t->dirty = 1;
		p->cell_fresh = 0;
		return;
	}
	if (p->rewrite && p->squeeze && !p->table_space &&
	    (mode == TM_CELL ? p->cell_fresh : !t->dirty)) {
		p->out->len = a;
		d[a] = '\0';
	}
}

/*
 * Table tags that the tag after them implies.  The tree builder closes a
 * cell, a row or a section itself when the next table tag needs it
 * closed, with the same steps as the end tag ("close the cell", "clear
 * the stack back to a table row context", then the pop), and inserts a
 * <tbody> without attributes where a <tr> or a cell comes right after
 * <table>.  So, written with nothing between them (white space dropped
 * by prep_table_text included), these pairs give gumbo the same tree
 * without their first tag:
 *   </td> or </th>	before <td>, <th>, <tr>, </tr>, </table>
 *   </tr>		before <tr>, <tbody>, <thead>, <tfoot>, </table>
 *   </tbody>, </thead> or </tfoot>	before </table>
 *   <table><tbody>	before <tr>, <td>, <th>
 * In the insertion modes outside tables too: where the end tag is
 * ignored (no such element open, "in table", in the head, in a
 * frameset) the next tag does what it does after an ignored tag; where
 * it is not ("in select in table", "after body") the next tag takes the
 * same step first.  But a cell or row can be open without its table
 * inside a <template>, where </table> is ignored and leaves them open:
 * like the white-space rule, this one ends where the following of the
 * table modes does (<template>, <caption>, <colgroup>, ...).
 * A section end tag before one of another section is not among them:
 * "in row" it is ignored while that section is not open, leaving the
 * row open, where </tr> would have closed it.  Each tag gumbo skips
 * costs it about what a tag it reads does; mail writes every table tag.
 * Dropping one can make the one before it redundant in turn, so the
 * candidates stay stacked while nothing else is written after them.
 */
static int
prep_elide_implied(unsigned int kind, unsigned int role, int endtag)
{
	int section = role == TR_TBODY || role == TR_THEAD || role == TR_TFOOT;

	switch (kind) {
	case PE_CELL_END:
		return endtag ? role == TR_TR || role == TR_TABLE :
		    role == TR_TD || role == TR_TH || role == TR_TR;
	case PE_ROW_END:
		return endtag ? role == TR_TABLE : role == TR_TR || section;
	case PE_SECTION_END:
		return endtag && role == TR_TABLE;
	case PE_TBODY:
		return !endtag && (role == TR_TR || role == TR_TD ||
		    role == TR_TH);
	}
	return 0;
}

/* Before a complete tag is written: drops what it makes redundant. */
static void
prep_elide(struct prep *p, unsigned int role, int endtag)
{
	struct prep_elide *e;

	while (p->nelide > 0) {
		e = &p->elide[p->nelide - 1];
		if (e->end != p->out->len) {
			/* something was written since */
			p->nelide = 0;
			break;
		}
		if (!prep_elide_implied(e->kind, role, endtag))
			break;
		p->out->len = e->start;
		p->nelide--;
	}
}

/* After a complete tag was written at [from, out->len). */
static void
prep_elide_push(struct prep *p, unsigned int role, int endtag, size_t from)
{
	struct buf *out = p->out;
	unsigned int kind = 0;

	if (endtag && (role == TR_TD || role == TR_TH))
		kind = PE_CELL_END;
	else if (endtag && role == TR_TR)
		kind = PE_ROW_END;
	else if (endtag && (role == TR_TBODY || role == TR_THEAD ||
	    role == TR_TFOOT))
		kind = PE_SECTION_END;
	else if (!endtag && role == TR_TBODY && from == p->table_end &&
	    out->len - from == 7 && strncasecmp((const char *)out->data +
	    from, "<tbody>", 7) == 0)
		kind = PE_TBODY;
	if (!endtag && role == TR_TABLE)
		p->table_end = out->len;
	if (kind == 0) {
		p->nelide = 0;
		return;
	}
	if (p->nelide == sizeof(p->elide) / sizeof(p->elide[0])) {
		memmove(p->elide, p->elide + 1, sizeof(p->elide) -
		    sizeof(p->elide[0]));
		p->nelide--;
	}
	p->elide[p->nelide].start = from;
	p->elide[p->nelide].end = out->len;
	p->elide[p->nelide].kind = (uint8_t)kind;
	p->nelide++;
}

static int
prep_tag(struct prep *p)
{
	const uint8_t *s = p->s;
	struct prep_names names;
	struct prep_keep keep;
	size_t start = p->i, name, n, end, cend;
	unsigned int flags;
	int endtag = s[start + 1] == '/', closed, elide;
	size_t from;

	name = start + 1 + endtag;
	for (n = 0; name + n < p->len && !html_space(s[name + n]) &&
	    s[name + n] != '/' && s[name + n] != '>'; n++)
		;
	end = prep_tag_end(p, name + n);
	/* gumbo drops a tag cut by the end of input: a ">" in a value is
	 * not its end */
	closed = p->tag_closed;
	flags = prep_tag_flags(s + name, n);
	prep_table_tag(p, PT_ROLE_OF(flags), endtag);
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
	elide = p->rewrite && !p->table_space && !p->tables_lost && closed;
	if (elide)
		prep_elide(p, PT_ROLE_OF(flags), endtag);
	else
		p->nelide = 0;
	from = p->out->len;
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
	if (p->rewrite && !endtag && (flags & PT_FORMAT))
		return prep_format_tag(p, flags, name + n, end);
	/* "<name" and the attributes read, when the tag has others */
	names.n = 0;
	keep.name = flags & PT_ALT ? "alt" : "type";
	if (p->rewrite && !endtag && (flags & (PT_KEEP | PT_ISINDEX)) == 0 &&
	    closed && end - 1 > name + n && s[end - 2] != '/' &&
	    ((flags & PT_ONE) == 0 || prep_tag_walk(p, name + n,
	    prep_attr_distinct, &names) != (size_t)-1)) {
		if (prep_copy_to(p, name + n) == -1 ||
		    ((flags & PT_ONE) && prep_tag_walk(p, name + n,
		    prep_attr_copy_named, &keep) == (size_t)-1) ||
		    buf_putc(p->out, '>') == -1)
			return -1;
		p->i = end;
	} else if (prep_copy_to(p, end) == -1)
		return -1;
	if (elide)
		prep_elide_push(p, PT_ROLE_OF(flags), endtag, from);
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

void
h2t_texts_init(struct h2t_texts *t)
{
	buf_init(&t->bytes, 0);
	buf_init(&t->ends, 0);
	t->n = 0;
}

void
h2t_texts_free(struct h2t_texts *t)
{
	buf_free(&t->bytes);
	buf_free(&t->ends);
	t->n = 0;
}

const uint8_t *
h2t_texts_get(const struct h2t_texts *t, size_t k, size_t *len)
{
	uint32_t start = 0, end;

	if (t == NULL || k >= t->n)
		return NULL;
	if (k > 0)
		memcpy(&start, t->ends.data + (k - 1) * sizeof(end),
		    sizeof(start));
	memcpy(&end, t->ends.data + k * sizeof(end), sizeof(end));
	*len = end - start;
	return t->bytes.data + start;
}

/*
 * Width of the character at d[i] when gumbo passes it through a text run
 * unchanged and without a meaning of its own, else 0.  Not '&' or '<'
 * (references and tags), not CR (which gumbo turns into LF), FF, NUL or
 * other controls, noncharacters, the placeholder planes 15 and 16; white
 * space only inside a run (prep_text_runs).
 */
static size_t
prep_text_char(const uint8_t *d, size_t i, size_t end)
{
	uint32_t r;
	size_t w;

	if (d[i] < 0x80)
		return (d[i] > 0x20 && d[i] < 0x7F && d[i] != '&' &&
		    d[i] != '<') || d[i] == ' ' || d[i] == '\t' ||
		    d[i] == '\n' ? 1 : 0;
	r = utf8_decode(d + i, end - i, &w);
	if (w == 1 || r < 0xA0 || (r >= 0xFDD0 && r <= 0xFDEF) ||
	    (r & 0xFFFE) == 0xFFFE || r == 0xFEFF || r >= 0xF0000)
		return 0;
	return w;
}

/*
 * The text written to out since p->text_start is data-state text: the
 * tokenizer makes one character token of each character, and the tree
 * builder only asks of each one whether it is white space (or NUL).  So
 * a run of text from a character that is not white space up to the next
 * '&' or '<' (or a character prep_text_char refuses) can go through as a
 * single character that is not white space either: the tree, its text
 * nodes and their types stay the same, and the renderer, which reads
 * text only through its text nodes, puts the run back.  Leading white
 * space stays as written, so a mode that keeps white space (in table, in
 * head) sees the same characters before the first other one.  The
 * characters after a '&' that a reference could consume stay as written,
 * as does the character after a literal '<'.  "&nbsp;" is the one
 * reference written as its character first: it is everywhere in mail.
 */
static int
prep_text_runs(struct prep *p)
{
	struct h2t_texts *t = p->texts;
	struct buf *out = p->out;
	uint8_t *d = out->data;
	size_t a = p->text_start, b = out->len, i, j, w, n, chars;
	uint32_t end, k;

	p->text_start = b;
	if (t == NULL || !p->rewrite || b - a < 4)
		return 0;
	/* "&nbsp;" as U+00A0 */
	for (i = w = a; i < b;) {
		if (d[i] == '&' && b - i >= 6 && memcmp(d + i, "&nbsp;", 6) == 0) {
			d[w++] = 0xC2;
			d[w++] = 0xA0;
			i += 6;
		} else
			d[w++] = d[i++];
	}
	b = w;
	for (i = w = a; i < b;) {
		if (d[i] == '&' || d[i] == '<') {
			/* what a reference may consume, or the character a
			 * literal '<' is tested against */
			j = i + 1;
			if (d[i] == '&') {
				while (j < b && (ascii_alpha(d[j]) ||
				    (d[j] >= '0' && d[j] <= '9') || d[j] == '#'))
					j++;
				if (j < b && d[j] == ';')
					j++;
			} else if (j < b && (n = prep_text_char(d, j, b)) > 0)
				j += n;
			memmove(d + w, d + i, j - i);
			w += j - i;
			i = j;
			continue;
		}
		if (html_space(d[i]) || (n = prep_text_char(d, i, b)) == 0) {
			d[w++] = d[i++];
			continue;
		}
		for (j = i, chars = 0; j < b &&
		    (n = prep_text_char(d, j, b)) > 0; j += n)
			chars++;
		if (chars < 2 || j - i < 4 || t->n >= H2T_TEXT_MAX) {
			memmove(d + w, d + i, j - i);
			w += j - i;
			i = j;
			continue;
		}
		if (buf_append(&t->bytes, d + i, j - i) == -1)
			return -1;
		end = (uint32_t)t->bytes.len;
		if (t->bytes.len > UINT32_MAX ||
		    buf_append(&t->ends, &end, sizeof(end)) == -1)
			return -1;
		/* U+100000 + k: F4 8x xx xx, never longer than the run */
		k = H2T_TEXT_BASE + (uint32_t)t->n++;
		d[w++] = 0xF4;
		d[w++] = (uint8_t)(0x80 | ((k >> 12) & 0x3F));
		d[w++] = (uint8_t)(0x80 | ((k >> 6) & 0x3F));
		d[w++] = (uint8_t)(0x80 | (k & 0x3F));
		i = j;
	}
	out->len = w;
	d[w] = '\0';
	p->text_start = w;
	return 0;
}

/* What prep_scan allows. */
#define PS_REWRITE	0x01u
#define PS_SQUEEZE	0x02u

static int
prep_name_at(const uint8_t *s, size_t len, size_t k, const char *name)
{
	size_t c, n = strlen(name);

	if (len - k < n)
		return 0;
	for (c = 0; c < n; c++)
		if (ascii_lower(s[k + c]) != name[c])
			return 0;
	return 1;
}

/*
 * Dropping an attribute is safe when the tokenizer reads the tag where
 * this pass does and nobody reads the attribute: the renderer reads
 * href and alt, the tree builder the attributes of formatting elements,
 * <input type> and, in foreign content, <font> and <annotation-xml
 * encoding>.  Foreign content (and its CDATA sections) is not followed
 * here, so documents with <svg, <math or <![ are left as they are.
 *
 * White-space runs keep their length where it is read: <pre> text, the
 * newline dropped after <pre> and <listing>.  The <frameset> modes drop
 * the characters between white space; harmless, but not worth a proof.
 * Documents that name one of them anywhere are left alone.  The content
 * of <textarea>, <xmp>, <plaintext> (raw text to this pass) is never
 * shortened, and <select> keeps every character where it is.
 */
static unsigned int
prep_scan(const uint8_t *s, size_t len)
{
	static const char *const verbatim[] = { "pre", "listing",
	    "frameset" };
	const uint8_t *lt;
	unsigned int ok = PS_REWRITE | PS_SQUEEZE;
	size_t i = 0, k, v;

	/*
	 * Gumbo misreads an overflowing numeric reference and can swallow
	 * the "<" after it, so this pass would not know where tags are.
	 */
	for (i = 0; i < len && (lt = memchr(s + i, '&', len - i)) != NULL;
	    i = k) {
		k = (size_t)(lt - s) + 1;
		if (k >= len || s[k] != '#')
			continue;
		k++;
		if (k < len && (s[k] == 'x' || s[k] == 'X'))
			k++;
		for (v = k; k < len && k - v < 8 && isxdigit(s[k]); k++)
			;
		if (k - v >= 8)
			return 0;
	}
	i = 0;
	while (i < len && (lt = memchr(s + i, '<', len - i)) != NULL) {
		i = (size_t)(lt - s) + 1;
		k = i < len && s[i] == '/' ? i + 1 : i;
		if (prep_name_at(s, len, k, "svg") ||
		    prep_name_at(s, len, k, "math") ||
		    (len - i >= 2 && s[i] == '!' && s[i + 1] == '['))
			return 0;
		if (k >= len || (ok & PS_SQUEEZE) == 0 ||
		    strchr("plfPLF", s[k]) == NULL)
			continue;
		for (v = 0; v < sizeof(verbatim) / sizeof(verbatim[0]); v++)
			if (prep_name_at(s, len, k, verbatim[v]))
				ok &= ~PS_SQUEEZE;
	}
	return ok;
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

static int
prep_run(struct prep *p)
{
	const uint8_t *s = p->s;
	size_t len = p->len;

	while (p->i < len && !p->stopped) {
		if (s[p->i] == '<' && len - p->i >= 2 &&
		    (ascii_alpha(s[p->i + 1]) || s[p->i + 1] == '!' ||
		    s[p->i + 1] == '?' || s[p->i + 1] == '/')) {
			/* markup: the text before it is complete */
			prep_table_text(p);
			if (prep_text_runs(p) == -1)
				return -1;
		}
		if (s[p->i] != '<') {
			size_t run = prep_plain_end(p, len, 1, &p->in_body);

			if (run > p->i) {
				if (prep_put_text(p, p->i, run) == -1)
					return -1;
				p->i = run;
				continue;
			}
			if (!html_space(s[p->i]))
				p->in_body = 1;
			if (prep_rune(p) == -1)
				return -1;
			continue;
		}
		if (len - p->i >= 4 && memcmp(s + p->i, "<!--", 4) == 0) {
			/* what a comment says is never read */
			if (p->rewrite) {
				if (buf_puts(p->out, "<!---->") == -1)
					return -1;
				p->i = prep_comment_end(p);
			} else if (prep_copy_to(p, prep_comment_end(p)) == -1)
				return -1;
		} else if (len - p->i >= 3 && s[p->i + 1] == '/' &&
		    s[p->i + 2] == '>') {
			if (buf_puts(p->out, "<!---->") == -1)
				return -1;
			p->i += 3;
		} else if (len - p->i >= 3 && s[p->i + 1] == '/' &&
		    ascii_alpha(s[p->i + 2])) {
			if (prep_tag(p) == -1)
				return -1;
		} else if (len - p->i >= 2 && ascii_alpha(s[p->i + 1])) {
			if (prep_tag(p) == -1)
				return -1;
		} else if (len - p->i >= 2 && (s[p->i + 1] == '!' ||
		    s[p->i + 1] == '?' || s[p->i + 1] == '/')) {
			/* bogus comment or doctype: up to the next ">" */
			const uint8_t *gt = memchr(s + p->i, '>', len - p->i);
			if (prep_copy_to(p, gt != NULL ?
			    (size_t)(gt - s) + 1 : len) == -1)
				return -1;
		} else {
			p->in_body = 1;
			if (prep_rune(p) == -1)
				return -1;
			continue;
		}
		p->text_start = p->out->len;
	}
	if (prep_text_runs(p) == -1)
		return -1;
	/* tags copied as written after the pass became unsure may hold a
	 * value equal to an id */
	if (!p->rewrite && p->mapped)
		p->redo |= PREP_F_IDS;
	return 0;
}

int
h2t_prepare(const uint8_t *in, size_t len, struct buf *out, int *placeholders,
    unsigned int flags, struct h2t_texts *texts)
{
	struct prep p;
	struct prep_ids idmap;
	unsigned int scan, off = 0;
	size_t start = out->len;
	int bom, round, rc;

	/* html2text strips one BOM, twice. */
	for (bom = 0; bom < 2; bom++) {
		if (len >= 3 && in[0] == 0xEF && in[1] == 0xBB && in[2] == 0xBF) {
			in += 3;
			len -= 3;
		}
	}
	prep_byte_class_init();
	prep_tag_index_init();
	scan = (flags & H2T_PREP_SHRINK) ? prep_scan(in, len) : 0;
	/*
	 * Text runs need the tags found where gumbo finds them (rewrite),
	 * no <frameset> (its modes drop the characters between white
	 * space) and code points of plane 16 free for them (no F4 byte).
	 */
	if ((flags & H2T_PREP_TEXTS) == 0 || (scan & PS_REWRITE) == 0 ||
	    (scan & PS_SQUEEZE) == 0 ||
	    (len > 0 && memchr(in, 0xF4, len) != NULL))
		texts = NULL;
	if (buf_reserve(out, len + len / 8 + 16) == -1)
		return -1;
	memset(&idmap, 0, sizeof(idmap));
	buf_init(&idmap.keys, 0);
	buf_init(&idmap.scratch, 0);
	/* a second round has the ids off */
	for (round = 0; round < 2; round++) {
		memset(&p, 0, sizeof(p));
		p.s = in;
		p.len = len;
		p.out = out;
		p.placeholders = !prep_has_placeholder_block(in, len);
		p.rewrite = (scan & PS_REWRITE) != 0;
		p.squeeze = (scan & PS_SQUEEZE) != 0;
		p.ids = p.rewrite && !(off & PREP_F_IDS);
		memset(&p.hrefs, 0, sizeof(p.hrefs));
		buf_init(&p.hrefs.keys, 0);
		buf_init(&p.hrefs.scratch, 0);
		buf_init(&p.setmap.keys, 0);
		buf_init(&p.setmap.scratch, 0);
		buf_init(&p.href_run, 0);
		p.table_space = (flags & H2T_PREP_TABLE_SPACE) != 0;
		p.idmap = idmap;
		p.texts = texts;
		p.text_start = out->len;
		if (texts != NULL) {
			buf_reset(&texts->bytes);
			buf_reset(&texts->ends);
			texts->n = 0;
		}
		rc = prep_run(&p);
		idmap = p.idmap;
		prep_ids_free(&p.hrefs);
		prep_ids_free(&p.setmap);
		buf_free(&p.href_run);
		if (rc == -1 || p.redo == 0 || buf_failed(out))
			break;
		off |= p.redo;
		out->len = start;
	}
	prep_ids_free(&idmap);
	*placeholders = p.placeholders;
	return rc == -1 || buf_failed(out) ? -1 : 0;
}
