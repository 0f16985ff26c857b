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
 * Writes the document to hand to gumbo into out.  *placeholders is set to
 * 1 when the placeholders are in use (the input did not already contain
 * code points of the placeholder block).  Returns 0 or -1.
 */
int		h2t_prepare(const uint8_t *in, size_t len, struct buf *out,
		    int *placeholders, unsigned int flags);

/* The original code point of a placeholder (r itself otherwise). */
uint32_t	h2t_unplaceholder(uint32_t r);

#endif
