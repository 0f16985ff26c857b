/*
 * html_tree.c against gumbo: on every input it does not decline, its tree
 * must be gumbo's, node for node (types, tags, attributes in order, text).
 * Hand-written cases that it must build, generated markup, and (optional)
 * the HTML of every corpus message in ../shared.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <gumbo.h>

#include "buf.h"
#include "worker/digest/html2text.h"
#include "worker/digest/html2text_prep.h"
#include "worker/digest/html_tree.h"
#include "worker/digest/mime.h"
#include "testutil.h"

/* Every block the builder allocates, released after each comparison. */
struct track {
	void	**p;
	size_t	  n;
	size_t	  cap;
};

static void *
track_alloc(void *ud, size_t size)
{
	struct track *t = ud;
	void **np;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		if ((np = realloc(t->p, t->cap * sizeof(*np))) == NULL)
			return NULL;
		t->p = np;
	}
	return t->p[t->n++] = malloc(size);
}

static void
track_free(void *ud, void *p)
{
	(void)ud;
	(void)p;	/* released with the rest */
}

static void
track_release(struct track *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->p[i]);
	free(t->p);
	memset(t, 0, sizeof(*t));
}

static void
dump(const GumboNode *n, int depth, struct buf *out)
{
	const GumboVector *c = NULL;
	const GumboAttribute *a;
	unsigned int i;
	char line[64];

	snprintf(line, sizeof(line), "%*s", depth * 2, "");
	buf_puts(out, line);
	switch (n->type) {
	case GUMBO_NODE_DOCUMENT:
		buf_puts(out, "#document\n");
		c = &n->v.document.children;
		break;
	case GUMBO_NODE_ELEMENT:
		buf_puts(out, "<");
		buf_puts(out, gumbo_normalized_tagname(n->v.element.tag));
		for (i = 0; i < n->v.element.attributes.length; i++) {
			a = n->v.element.attributes.data[i];
			buf_puts(out, " ");
			buf_puts(out, a->name);
			buf_puts(out, "=\"");
			buf_puts(out, a->value);
			buf_puts(out, "\"");
		}
		buf_puts(out, ">\n");
		c = &n->v.element.children;
		break;
	case GUMBO_NODE_COMMENT:
		buf_puts(out, "<!--");
		buf_puts(out, n->v.text.text);
		buf_puts(out, "-->\n");
		break;
	default:
		buf_puts(out, n->type == GUMBO_NODE_WHITESPACE ? "ws \"" :
		    "text \"");
		buf_puts(out, n->v.text.text);
		buf_puts(out, "\"\n");
		break;
	}
	if (c != NULL)
		for (i = 0; i < c->length; i++)
			dump(c->data[i], depth + 1, out);
}

/* HT_DUMP_DIR: where a failing case's input and both trees go. */
static void
dump_files(const uint8_t *p, size_t len, const struct buf *a,
    const struct buf *b)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/input", getenv("HT_DUMP_DIR"));
	if ((fp = fopen(path, "w")) != NULL) {
		fwrite(p, 1, len, fp);
		fclose(fp);
	}
	snprintf(path, sizeof(path), "%s/gumbo", getenv("HT_DUMP_DIR"));
	if ((fp = fopen(path, "w")) != NULL) {
		fputs((const char *)a->data, fp);
		fclose(fp);
	}
	snprintf(path, sizeof(path), "%s/tree", getenv("HT_DUMP_DIR"));
	if ((fp = fopen(path, "w")) != NULL) {
		fputs((const char *)b->data, fp);
		fclose(fp);
	}
}

/* Compares on prepared input; 1 built and equal, 0 declined. */
static int
compare_prepared(const uint8_t *p, size_t len, const char *what)
{
	GumboOptions go = kGumboDefaultOptions, to = kGumboDefaultOptions;
	struct track tr;
	GumboOutput *g, *h;
	struct buf a, b;
	int built;

	memset(&tr, 0, sizeof(tr));
	go.max_errors = 0;
	to.allocator = track_alloc;
	to.deallocator = track_free;
	to.userdata = &tr;
	h = html_tree_build(&to, p, len);
	built = h != NULL;
	if (built) {
		g = gumbo_parse_with_options(&go, (const char *)p, len);
		assert_non_null(g);
		buf_init(&a, 0);
		buf_init(&b, 0);
		dump(g->document, 0, &a);
		dump(h->document, 0, &b);
		buf_append(&a, "", 0);
		buf_append(&b, "", 0);
		if (strcmp((char *)a.data, (char *)b.data) != 0 &&
		    getenv("HT_DUMP_DIR") != NULL)
			dump_files(p, len, &a, &b);
		if (strcmp((char *)a.data, (char *)b.data) != 0)
			fail_msg("tree differs for %s:\n%.*s\n--- gumbo\n%s\n"
			    "--- html_tree\n%s", what, (int)(len > 2000 ? 2000 :
			    len), (const char *)p, (char *)a.data,
			    (char *)b.data);
		buf_free(&a);
		buf_free(&b);
		gumbo_destroy_output(&go, g);
	}
	track_release(&tr);
	return built;
}

/* The same on raw HTML, prepared as html2text prepares it. */
static int
compare_html(const char *html, size_t len)
{
	struct h2t_texts texts;
	struct buf p;
	int ph, built;

	buf_init(&p, 0);
	h2t_texts_init(&texts);
	assert_int_equal(h2t_prepare((const uint8_t *)html, len, &p, &ph,
	    H2T_PREP_SHRINK | H2T_PREP_TEXTS, &texts), 0);
	built = compare_prepared(p.data, p.len, html);
	buf_free(&p);
	h2t_texts_free(&texts);
	return built;
}

static const char *const must_build[] = {
	"",
	"plain text",
	"<p>a<p>b",
	"<b>x<i>y</b>z</i>",
	"<a href=\"u\">1<a href=\"v\">2</a>",
	"<b><p>x</b>y</p>",
	"<font color=red><font color=red><font color=red><font color=red>"
	    "<p>x</font>y",
	"<table><tr><td>a<td>b</table>",
	"<table>x<tr><td>y</table>",
	"<table><b>x</b><tr><td>y</td></tr></table>",
	"<table><tr><td><b>x</td><td>y</b></table>z",
	"<p><table><tr><td>q</table>",
	"<!DOCTYPE html><p><table><tr><td>q</table>",
	"<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.0 Transitional//EN\">"
	    "<p><table><tr><td>q</table>",
	"<html><head><title>T &amp; t</title><style>p{}</style></head>"
	    "<body><p>x</p></body></html>",
	"<ul><li>a<li>b</ul><dl><dt>t<dd>d</dl>",
	"<h1>a<h2>b</h1>c",
	"<form><input type=text><select><option>1<option>2</select></form>",
	"<table><tr><td><select><option>1</table>x",
	"<div><center>x</div>y</center>",
	"<p>1</center>2<center>3",
	"<mailto:a@b.c>text</mailto:a@b.c> <fork>x",
	"<pre>\nx</pre><textarea>\ny</textarea>",
	"a &amp; b &lt; c &#65; &quot;",
	"<!-- c -->x<!---->y",
	"<table><caption>c</caption><colgroup><col></colgroup><tr><td>x"
	    "</table>",
	"<object>x<b>y</object>z",
	"</br>x</p>",
	"<body bgcolor=x><body text=y>z",
	"<script>if (a < b) x();</script>y",
	"<button>a<button>b",
	"<table><tr><td>x</td></tr></table></td></tr></table>y",
};

static void
test_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(must_build) / sizeof(must_build[0]); i++)
		if (!compare_html(must_build[i], strlen(must_build[i])))
			fail_msg("declined: %s", must_build[i]);
}

static const char *const declines[] = {
	"<svg><p>x</svg>",
	"<frameset><frame></frameset>",
	"<template>x</template>",
	"a &eacute; b",
	"x<?php y ?>",
	"<plaintext>x",
	"<script><!-- x --></script>",
	"<nobr>a<nobr>b",
};

static void
test_declines(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(declines) / sizeof(declines[0]); i++)
		assert_int_equal(compare_html(declines[i],
		    strlen(declines[i])), 0);
}

/* Generated markup: misnested formatting, tables, forms, lists. */
static void
test_generated(void **state)
{
	static const char *const tok[] = {
		"<b>", "</b>", "<i>", "</i>", "<font color=red>", "</font>",
		"<a href=x>", "</a>", "<p>", "</p>", "<div>", "</div>",
		"<table>", "</table>", "<tr>", "</tr>", "<td>", "</td>",
		"<th>", "<tbody>", "</tbody>", "<caption>", "</caption>",
		"<li>", "<ul>", "</ul>", "<ol>", "<dd>", "<dt>", "<h1>",
		"</h2>", "<br>", "</br>", "<img alt=i>", "<hr>", "<form>",
		"</form>", "<input type=hidden>", "<input>", "<select>",
		"</select>", "<option>", "<optgroup>", "<center>",
		"</center>", "<span>", "</span>", "<nobr>", "<object>",
		"</object>", "<pre>", "\n", " ", "x", "yy", "&amp;", "<!---->",
		"<html>", "<body>", "</body>", "</html>", "<head>",
		"<title>t</title>", "<strong>", "</strong>", "<u>", "</u>",
		"<button>", "</button>", "<col>", "<colgroup>", "<thead>",
		"<tfoot>", "<textarea>z</textarea>", "<meta>", "<blink>",
		"</blink>", "<s>", "<em>", "</em>", "<big>", "<small>",
	};
	struct buf in;
	unsigned int seed = 12345, x;
	int n, k, built = 0, total = 20000;

	(void)state;
	if (getenv("HT_GENERATED") != NULL)
		total = atoi(getenv("HT_GENERATED"));
	if (getenv("HT_SEED") != NULL)
		seed = (unsigned int)atoi(getenv("HT_SEED"));
	buf_init(&in, 0);
	for (n = 0; n < total; n++) {
		buf_reset(&in);
		if (n % 3 == 0)
			buf_puts(&in, "<!DOCTYPE html>");
		for (k = 0; k < 4 + n % 40; k++) {
			seed = seed * 1103515245u + 12345u;
			x = seed >> 8;
			buf_puts(&in, tok[x % (sizeof(tok) / sizeof(tok[0]))]);
		}
		built += compare_html((const char *)in.data, in.len);
	}
	print_message("generated: %d of %d built, the rest declined\n",
	    built, total);
	assert_true(built > total * 3 / 4);
	buf_free(&in);
}

/* Optional: the HTML of every message of ../shared's corpus list. */
static void
test_corpus(void **state)
{
	char path[4096], line[2048], err[256], *tab;
	struct mime_envelope env;
	struct buf raw;
	int html = 0, built = 0;
	FILE *fp;

	(void)state;
	snprintf(path, sizeof(path), "%s/testdata/digest-parity/stages.tsv",
	    testutil_shared_dir());
	if ((fp = fopen(path, "r")) == NULL) {
		print_message("corpus: %s absent, skipped\n", path);
		skip();
	}
	buf_init(&raw, 0);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if ((tab = strchr(line, '\t')) == NULL)
			continue;
		*tab = '\0';
		snprintf(path, sizeof(path), "%s/corpus/%s",
		    testutil_shared_dir(), line);
		if (testutil_read_file(path, &raw) == -1)
			continue;
		memset(&env, 0, sizeof(env));
		if (mime_read_envelope(raw.data, raw.len, &env, 0, err,
		    sizeof(err)) == -1)
			continue;
		if (env.html.len > 0) {
			html++;
			built += compare_html((const char *)env.html.data,
			    env.html.len);
		}
		mime_envelope_free(&env);
	}
	fclose(fp);
	buf_free(&raw);
	print_message("corpus: %d of %d HTML parts built, the rest declined\n",
	    built, html);
}

int
main(void)
{
	if (getenv("HT_FILTER") != NULL)
		cmocka_set_test_filter(getenv("HT_FILTER"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_declines),
		cmocka_unit_test(test_generated),
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
