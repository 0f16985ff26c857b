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
	char		*b;
	size_t		 i, pos;

	if (strnlen(digest, LSH_HEADER_LEN + LSH_BODY_LEN) <
	    LSH_HEADER_LEN + LSH_BODY_LEN)
		return 0;
	core = digest + LSH_HEADER_LEN;
	/* "<i>:<6 digits>" by hand: snprintf was 20 calls per digest. */
	for (i = 0, pos = 0; pos + LSH_WINDOW <= LSH_BODY_LEN;
	    i++, pos += LSH_STRIDE) {
		b = bands[i];
		if (i + 1 >= 10)
			*b++ = (char)('0' + (i + 1) / 10);
		*b++ = (char)('0' + (i + 1) % 10);
		*b++ = ':';
		memcpy(b, core + pos, LSH_WINDOW);
		b[LSH_WINDOW] = '\0';
	}
	return i;
}
