#ifndef GUARDIAN_MIME_H
#define GUARDIAN_MIME_H
/*
 * The MIME walk of enmime v1.3.0 (ReadEnvelope), reduced to what upstream
 * Guardian hashes: Text, HTML and the attachments, byte for byte.  enmime's
 * quirks decide those bytes (boundary scanner windows, base64 masking, the
 * two-stage quoted-printable rule, media-type repairs), so the walk is our
 * own code rather than GMime's parser; docs/digests.md explains the rules.
 */
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Bounds that only hostile input reaches (docs/digests.md). */
#define MIME_MAX_DEPTH		64	/* nested multiparts */
#define MIME_MAX_PARTS		20000
#define MIME_PEEK_SIZE		4096	/* enmime's bufio size: see mime.c */

/* The header fields a block yields: first occurrences, NULL if absent. */
enum mime_field {
	MIME_CONTENT_TYPE,
	MIME_CONTENT_TRANSFER_ENCODING,
	MIME_CONTENT_DISPOSITION,
	MIME_MESSAGE_ID,
	MIME_SUBJECT,
	MIME_FIELD_COUNT
};

struct mime_header {
	char	*field[MIME_FIELD_COUNT];	/* NUL-terminated values */
	size_t	 fieldlen[MIME_FIELD_COUNT];
	size_t	 body;		/* offset of the body in the block's input */
};

/*
 * Reads a header block (spec: enmime readHeader + textproto).  Returns 0,
 * or -1 with a reason in err when enmime rejects the block (a continuation
 * line before the first field) or memory runs out.
 */
int	mime_header_parse(const uint8_t *, size_t, struct mime_header *,
	    char *err, size_t errlen);
void	mime_header_free(struct mime_header *);

/* Transfer decoders (enmime's base64 and quoted-printable cleaners). */
enum mime_cte {
	MIME_CTE_IDENTITY,	/* 7bit, 8bit, binary, empty */
	MIME_CTE_QP,
	MIME_CTE_BASE64,
	MIME_CTE_UNKNOWN	/* identity, and no charset conversion */
};
enum mime_cte mime_cte_parse(const char *value, size_t len);
/* Appends the decoded bytes; a corrupt base64 part appends nothing. */
int	mime_decode_base64(const uint8_t *, size_t, struct buf *);
int	mime_decode_qp(const uint8_t *, size_t, struct buf *);

struct mime_attachment {
	char		*type;		/* lower-case media type */
	const uint8_t	*data;		/* decoded content */
	size_t		 len;
};

struct mime_envelope {
	struct buf		 text;
	struct buf		 html;
	struct mime_attachment	*attachments;
	size_t			 nattachments;
	char			*message_id;
	char			*subject;
	void			*tree;	/* owns the attachment data */
	/* with timed set: nanoseconds spent in charset and html2text */
	uint64_t		 ns_charset;
	uint64_t		 ns_html2text;
};

/*
 * enmime.ReadEnvelope.  Returns 0, or -1 when upstream would answer 400
 * (reason in err) or memory runs out.  text is filled by html2text when
 * there is HTML and no text, as enmime does.
 */
int	mime_read_envelope(const uint8_t *, size_t, struct mime_envelope *,
	    int timed, char *err, size_t errlen);

/* Internal to the MIME modules: the HTML meta charset of a single part. */
int	mime_meta_charset(const uint8_t *, size_t, char *name, size_t size);
void	mime_envelope_free(struct mime_envelope *);

#endif
