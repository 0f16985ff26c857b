#ifndef GUARDIAN_CHARDET_H
#define GUARDIAN_CHARDET_H
/*
 * A port of gogs/chardet (itself a port of ICU's charset detector): the
 * best guess among its 40 recognizers, with the same integer confidences,
 * so that the 85% decision upstream makes comes out the same.
 */
#include <stddef.h>
#include <stdint.h>

struct chardet_result {
	const char	*charset;	/* static; NULL when nothing matched */
	int		 confidence;	/* 0..100 */
};

/* Best result over buf; html selects the markup-stripping input filter. */
void	chardet_detect(const uint8_t *buf, size_t len, int html,
	    struct chardet_result *);

/*
 * Every recognizer's result in upstream's order (40 entries); returns how
 * many were written.  For tests and diagnostics.
 */
#define CHARDET_NRECOGNIZERS	40
int	chardet_detect_all(const uint8_t *buf, size_t len, int html,
	    struct chardet_result *, size_t);

#endif
