#ifndef GUARDIAN_UNICODE_TABLES_H
#define GUARDIAN_UNICODE_TABLES_H
/* Generated tables behind unicode.h (see scripts/gen-unicode-tables.c). */
#include <stdint.h>

struct unicode_pair {
	uint32_t	from;
	uint32_t	to;
};

extern const struct unicode_pair	unicode_lower_table[];
extern const unsigned int		unicode_lower_count;

#endif
