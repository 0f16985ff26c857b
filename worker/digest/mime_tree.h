#ifndef GUARDIAN_MIME_TREE_H
#define GUARDIAN_MIME_TREE_H
/* The part tree shared by mime.c (building) and mime_envelope.c (reading). */
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define MIME_NONE	((size_t)-1)

struct mime_node {
	char		*type;		/* "" without Content-Type */
	char		*charset;	/* NULL when absent */
	char		*disposition;	/* "" when absent or unparseable */
	int		 has_type;	/* a Content-Type field was there */
	int		 container;
	struct buf	 content;	/* leaves: decoded content */
	size_t		 first_child;
	size_t		 last_child;
	size_t		 next_sibling;
};

struct mime_tree {
	struct mime_node *node;		/* in depth-first pre-order */
	size_t		  count;
	size_t		  cap;
	size_t		  budget;	/* boundary comparisons left */
	int		  timed;
	uint64_t	  ns_charset;
	const uint8_t	 *message;	/* bounds every content buffer */
	size_t		  message_len;
};

int	mime_tree_build(struct mime_tree *, const uint8_t *, size_t,
	    struct mime_header *root, char *err, size_t errlen);
void	mime_tree_free(struct mime_tree *);
uint64_t mime_now_ns(void);

#endif
