#ifndef GUARDIAN_CHARDET_TABLES_H
#define GUARDIAN_CHARDET_TABLES_H
/* Data of the charset detector (cs_chardet_tables.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

extern const uint8_t	chardet_map_8859_1[256];
extern const uint8_t	chardet_map_8859_2[256];
extern const uint8_t	chardet_map_8859_5[256];
extern const uint8_t	chardet_map_8859_6[256];
extern const uint8_t	chardet_map_8859_7[256];
extern const uint8_t	chardet_map_8859_8[256];
extern const uint8_t	chardet_map_8859_9[256];
extern const uint8_t	chardet_map_windows_1256[256];
extern const uint8_t	chardet_map_windows_1251[256];
extern const uint8_t	chardet_map_koi8_r[256];
extern const uint8_t	chardet_map_ibm424_he[256];
extern const uint8_t	chardet_map_ibm420_ar[256];

extern const uint32_t	chardet_ngrams_8859_1_en[64];
extern const uint32_t	chardet_ngrams_8859_1_da[64];
extern const uint32_t	chardet_ngrams_8859_1_de[64];
extern const uint32_t	chardet_ngrams_8859_1_es[64];
extern const uint32_t	chardet_ngrams_8859_1_fr[64];
extern const uint32_t	chardet_ngrams_8859_1_it[64];
extern const uint32_t	chardet_ngrams_8859_1_nl[64];
extern const uint32_t	chardet_ngrams_8859_1_no[64];
extern const uint32_t	chardet_ngrams_8859_1_pt[64];
extern const uint32_t	chardet_ngrams_8859_1_sv[64];
extern const uint32_t	chardet_ngrams_8859_2_cs[64];
extern const uint32_t	chardet_ngrams_8859_2_hu[64];
extern const uint32_t	chardet_ngrams_8859_2_pl[64];
extern const uint32_t	chardet_ngrams_8859_2_ro[64];
extern const uint32_t	chardet_ngrams_8859_5_ru[64];
extern const uint32_t	chardet_ngrams_8859_6_ar[64];
extern const uint32_t	chardet_ngrams_8859_7_el[64];
extern const uint32_t	chardet_ngrams_8859_8_i_he[64];
extern const uint32_t	chardet_ngrams_8859_8_he[64];
extern const uint32_t	chardet_ngrams_8859_9_tr[64];
extern const uint32_t	chardet_ngrams_windows_1256[64];
extern const uint32_t	chardet_ngrams_windows_1251[64];
extern const uint32_t	chardet_ngrams_koi8_r[64];
extern const uint32_t	chardet_ngrams_ibm424_he_rtl[64];
extern const uint32_t	chardet_ngrams_ibm424_he_ltr[64];
extern const uint32_t	chardet_ngrams_ibm420_ar_rtl[64];
extern const uint32_t	chardet_ngrams_ibm420_ar_ltr[64];

/*
 * The single-byte recognizers (chardet_sbcs.c), in upstream's order, on
 * the input window; present is the set of byte values in it.
 */
#define CHARDET_NSBCS	27

/* A single-byte recognizer: its byte map and its 64 sorted 3-grams. */
struct chardet_sbcs_model {
	const uint8_t	*map;
	const uint32_t	*ngrams;
};
/* In upstream's order, the order of chardet_sbcs_hits' results. */
extern const struct chardet_sbcs_model chardet_sbcs_models[CHARDET_NSBCS];
void	chardet_sbcs_all(const uint8_t *, size_t, const uint64_t present[4],
	    int confidence[CHARDET_NSBCS]);
/*
 * For tests: every model's 3-gram count and hits, with (patch 1) or
 * without the corrected counts of chardet_sbcs.c; both must be equal.
 */
void	chardet_sbcs_hits(const uint8_t *, size_t, int patch,
	    uint32_t count[CHARDET_NSBCS], uint32_t hits[CHARDET_NSBCS]);

/* Multi-byte recognizers (chardet_mbcs.c), on the raw bytes. */
int	chardet_mbcs_sjis(const uint8_t *, size_t);
int	chardet_mbcs_gb18030(const uint8_t *, size_t);
int	chardet_mbcs_euc_jp(const uint8_t *, size_t);
int	chardet_mbcs_euc_kr(const uint8_t *, size_t);
int	chardet_mbcs_big5(const uint8_t *, size_t);

#endif
