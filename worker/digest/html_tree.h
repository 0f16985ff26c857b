#ifndef HTML_TREE_H
#define HTML_TREE_H

#include <stddef.h>
#include <stdint.h>

#include <gumbo.h>

/*
 * Builds the tree gumbo 0.10.1 builds for a document prepared by
 * html2text_prep.c, at a fraction of gumbo's cost, or declines.
 *
 * It knows the HTML5 tree construction as gumbo implements it, for the
 * markup that mail carries: head, body, tables, forms, lists, formatting
 * elements with the adoption agency and Noah's Ark, foster parenting,
 * select.  Anything else (foreign content, frameset, template, plaintext,
 * script escapes, character references beyond a few common ones, bogus
 * comments, malformed tags, invalid code points) makes it decline, and
 * the caller parses with gumbo.  Nodes, strings and vectors come from the
 * options' allocator, as gumbo's would; the allocator may longjmp.
 *
 * Returns the output, or NULL when it declined (what it allocated stays
 * with the allocator, to be released with it).
 */
GumboOutput	*html_tree_build(const GumboOptions *, const uint8_t *,
		    size_t);

#endif
