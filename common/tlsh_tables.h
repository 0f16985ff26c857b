#ifndef GUARDIAN_TLSH_TABLES_H
#define GUARDIAN_TLSH_TABLES_H
/* Internal to the TLSH module: the constant tables of the format. */
#include <stdint.h>

#define TLSH_TOPVAL_COUNT	170

extern const uint8_t	tlsh_pearson[256];
extern const uint32_t	tlsh_topval[TLSH_TOPVAL_COUNT];

#endif
