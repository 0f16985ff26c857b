#ifndef GUARDIAN_HTML2TEXT_H
#define GUARDIAN_HTML2TEXT_H
/*
 * The plain-text rendering upstream uses when a message has HTML but no
 * text part: jaytaylor/html2text FromString(html) with default options, on
 * the golang.org/x/net/html parse tree (docs/html2text.md).
 */
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * Appends the rendering of html to out.  Returns 0, or -1 when memory or
 * the buffer limit runs out (out is then in an unspecified state).
 */
int	html2text(const uint8_t *html, size_t len, struct buf *out);

/*
 * The same with the given h2t_prepare flags (html2text_prep.h), plus
 * H2T_GUMBO: always parse with gumbo, never with html_tree.c (tests
 * compare both).
 */
#define H2T_GUMBO	0x100u

/* HTML_GUMBO_ONLY: html2text() parses every document with gumbo. */
void	html2text_gumbo_only(int);
int	html2text_with(const uint8_t *html, size_t len, struct buf *out,
	    unsigned int prep_flags);

#endif
