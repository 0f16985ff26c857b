#ifndef GUARDIAN_MIME_UTIL_H
#define GUARDIAN_MIME_UTIL_H
/*
 * Small locale-free ASCII helpers shared by the MIME modules (the ctype.h
 * functions depend on the locale).
 */

static inline int
mime_ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static inline int
mime_ascii_upper(int c)
{
	return c >= 'a' && c <= 'z' ? c - ('a' - 'A') : c;
}

/* Go's isASCIISpace in net/textproto: the header trimming set. */
static inline int
mime_is_header_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

#endif
