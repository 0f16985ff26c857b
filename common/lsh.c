#include <stdio.h>
#include <string.h>

#include "lsh.h"

#define LSH_HEADER_LEN	8
#define LSH_BODY_LEN	64
#define LSH_WINDOW	6
#define LSH_STRIDE	3

size_t
lsh_bands(const char *digest, char bands[LSH_BANDS][LSH_BAND_SIZE])
{
	const char	*core;
	size_t		 i, pos;

	if (strnlen(digest, LSH_HEADER_LEN + LSH_BODY_LEN) <
	    LSH_HEADER_LEN + LSH_BODY_LEN)
		return 0;
	core = digest + LSH_HEADER_LEN;
	for (i = 0, pos = 0; pos + LSH_WINDOW <= LSH_BODY_LEN;
	    i++, pos += LSH_STRIDE)
		snprintf(bands[i], LSH_BAND_SIZE, "%zu:%.*s", i + 1,
		    LSH_WINDOW, core + pos);
	return i;
}
