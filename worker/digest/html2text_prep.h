#ifndef GUARDIAN_HTML2TEXT_PREP_H
#define GUARDIAN_HTML2TEXT_PREP_H
/*
 * Input preparation for html2text: what makes gumbo's tree equal to the
 * tree golang.org/x/net/html builds (docs/html2text.md).
 */
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * Gumbo replaces C0/C1 controls, DEL and noncharacters by U+FFFD; Go keeps
 * them.  They travel through gumbo as these plane-15 private-use
 * placeholders and are mapped back when text and attributes are read.
 */
#define H2T_PLACEHOLDER_BASE	0xF0000u
#define H2T_PLACEHOLDER_END	0xF0300u	/* exclusive */

/*
 * H2T_PREP_SHRINK: also make the rewrites that only save gumbo work and
 * leave html2text's output unchanged (docs/html2text.md): unread
 * attributes, comment and style text dropped, white-space runs shortened,
 * formatting attribute values replaced by short ids.  Without it only the
 * rewrites that make gumbo's tree equal Go's are made; tests compare both.
 */
#define H2T_PREP_SHRINK	0x01u

/*
 * H2T_PREP_TEXTS (with H2T_PREP_SHRINK and a texts argument): gumbo costs
 * several hundred instructions per character of text, each one a token
 * of its own.  Runs of ordinary text go through it as one plane-16
 * private-use code point each, U+100000 + k, and the renderer reads text
 * k back from texts (h2t_texts_get).  "&nbsp;" in text is written as the
 * character it stands for.
 */
#define H2T_PREP_TEXTS	0x02u
/*
 * H2T_PREP_TABLE_SPACE (tests): keep the white space between table tags
 * that H2T_PREP_SHRINK drops, so that both trees can be compared.
 */
#define H2T_PREP_TABLE_SPACE 0x04u
#define H2T_TEXT_BASE	0x100000u
#define H2T_TEXT_MAX	0xFFFEu		/* U+100000 .. U+10FFFD */

struct h2t_texts {
	struct buf	bytes;		/* the texts, one after the other */
	struct buf	ends;		/* uint32_t: where each one ends */
	size_t		n;
};

void		h2t_texts_init(struct h2t_texts *);
void		h2t_texts_free(struct h2t_texts *);
/* Text k, or NULL when k is not one. */
const uint8_t	*h2t_texts_get(const struct h2t_texts *, size_t k,
		    size_t *len);

/*
 * Writes the document to hand to gumbo into out.  *placeholders is set to
 * 1 when the placeholders are in use (the input did not already contain
 * code points of the placeholder block).  texts (may be NULL) receives
 * the text runs with H2T_PREP_TEXTS; texts->n is 0 when none was made.
 * Returns 0 or -1.
 */
int		h2t_prepare(const uint8_t *in, size_t len, struct buf *out,
		    int *placeholders, unsigned int flags,
		    struct h2t_texts *texts);

/* The original code point of a placeholder (r itself otherwise). */
uint32_t	h2t_unplaceholder(uint32_t r);

#endif
