/*
 * Unicode properties with Go 1.25's values (Unicode 15.0.0).
 */
#include <stddef.h>
#include <stdint.h>

#include "unicode.h"
#include "unicode_tables.h"

uint32_t
unicode_to_lower(uint32_t r)
{
	size_t lo, hi, mid;

	if (r < 0x80)
		return (r >= 'A' && r <= 'Z') ? r + ('a' - 'A') : r;
	lo = 0;
	hi = unicode_lower_count;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (unicode_lower_table[mid].from == r)
			return unicode_lower_table[mid].to;
		if (unicode_lower_table[mid].from < r)
			lo = mid + 1;
		else
			hi = mid;
	}
	return r;
}

int
unicode_is_space(uint32_t r)
{
	if (r <= 0xFF) {
		switch (r) {
		case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
		case 0x85: case 0xA0:
			return 1;
		}
		return 0;
	}
	if (r >= 0x2000 && r <= 0x200A)
		return 1;
	switch (r) {
	case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
	case 0x3000:
		return 1;
	}
	return 0;
}
