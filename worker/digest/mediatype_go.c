/*
 * Go's mime.ParseMediaType (Go 1.25), which enmime calls after its repairs:
 * the media type must be one or two RFC 2045 tokens, parameters follow
 * strictly, and RFC 2231 continuations ("name*0", "name*=cs'lang'...")
 * are stitched, decoding only utf-8 and us-ascii values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mediatype.h"
#include "mediatype_int.h"
#include "mime_util.h"


static int
mt_is_tspecial(int c)
{
	return c != '\0' && strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

static int
mt_is_token_char(int c)
{
	return c > 0x20 && c < 0x7F && !mt_is_tspecial(c);
}

static struct span
mt_consume_token(struct span v, struct span *rest)
{
	struct span	tok = { v.p, 0 };

	while (tok.n < v.n && mt_is_token_char(v.p[tok.n]))
		tok.n++;
	rest->p = v.p + tok.n;
	rest->n = v.n - tok.n;
	return tok;
}

/* consumeValue; *ok is 0 when nothing could be consumed. */
static int
mt_consume_value(struct span v, struct buf *val, struct span *rest)
{
	size_t	i;

	buf_reset(val);
	if (v.n == 0) {
		*rest = v;
		return 0;
	}
	if (v.p[0] != '"') {
		struct span tok = mt_consume_token(v, rest);

		buf_append(val, tok.p, tok.n);
		return tok.n > 0;
	}
	for (i = 1; i < v.n; i++) {
		uint8_t	c = v.p[i];

		if (c == '"') {
			rest->p = v.p + i + 1;
			rest->n = v.n - i - 1;
			return 1;
		}
		if (c == '\\' && i + 1 < v.n && mt_is_tspecial(v.p[i + 1])) {
			buf_putc(val, v.p[i + 1]);
			i++;
			continue;
		}
		if (c == '\r' || c == '\n')
			break;
		buf_putc(val, c);
	}
	buf_reset(val);
	*rest = v;
	return 0;
}

static struct mt_param *
mt_params_get(struct mt_params *ps, const char *name)
{
	size_t	i;

	for (i = 0; i < ps->n; i++)
		if (strcmp(ps->p[i].name, name) == 0)
			return &ps->p[i];
	return NULL;
}

static char *
mt_strndup(const uint8_t *p, size_t n)
{
	char	*s;

	if ((s = malloc(n + 1)) == NULL)
		return NULL;
	if (n > 0)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static int
mt_ishex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static int
mt_unhex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return c - 'A' + 10;
}

static int
mt_percent_unescape(const char *s, struct buf *out)
{
	size_t	i, n = strlen(s);

	for (i = 0; i < n; i++)
		if (s[i] == '%' && (i + 2 >= n || !mt_ishex(s[i + 1]) ||
		    !mt_ishex(s[i + 2])))
			return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			buf_putc(out, mt_unhex(s[i + 1]) << 4 |
			    mt_unhex(s[i + 2]));
			i += 2;
		} else
			buf_putc(out, s[i]);
	}
	return 1;
}

static int
mt_decode_2231(const char *v, struct buf *out)
{
	const char	*q1, *q2;
	size_t		 cslen, i;
	char		 cs[9];

	if ((q1 = strchr(v, '\'')) == NULL || (q2 = strchr(q1 + 1, '\''))
	    == NULL)
		return 0;
	cslen = (size_t)(q1 - v);
	if (cslen != 5 && cslen != 8)
		return 0;
	for (i = 0; i < cslen; i++)
		cs[i] = (char)mime_ascii_lower((unsigned char)v[i]);
	cs[cslen] = '\0';
	if (strcmp(cs, "us-ascii") != 0 && strcmp(cs, "utf-8") != 0)
		return 0;
	return mt_percent_unescape(q2 + 1, out);
}

static const char *
mt_check_type(struct span t)
{
	struct span	tok, rest, sub;

	tok = mt_consume_token(t, &rest);
	if (tok.n == 0)
		return "mime: no media type";
	if (rest.n == 0)
		return NULL;
	if (rest.p[0] != '/')
		return "mime: expected slash after first token";
	rest.p++;
	rest.n--;
	sub = mt_consume_token(rest, &rest);
	if (sub.n == 0)
		return "mime: expected token after slash";
	if (rest.n != 0)
		return "mime: unexpected content after media subtype";
	return NULL;
}

/* Go's strings.ToLower, as far as it can matter for a valid token. */
static int
mt_lower_type(struct span base, struct buf *out)
{
	size_t		i, k;
	uint32_t	r;

	for (i = 0; i < base.n; i += k) {
		k = mt_rune(base.p + i, base.n - i, &r);
		if (r == 0x212A)		/* KELVIN SIGN */
			buf_putc(out, 'k');
		else if (r == 0x130)		/* I WITH DOT ABOVE */
			buf_putc(out, 'i');
		else if (r < 0x80)
			buf_putc(out, mime_ascii_lower((int)r));
		else
			buf_append(out, base.p + i, k);
	}
	return buf_failed(out) ? -1 : 0;
}

int
mediatype_parse_go(struct span v, struct mediatype *mt, struct mt_params *ps)
{
	struct span	 base, t, rest, key, rest2, tmp;
	struct buf	 lower, val, stitched;
	const uint8_t	*semi;
	size_t		 i;
	int		 rc = -1;

	buf_init(&lower, mt_buf_limit(v.n));
	buf_init(&val, mt_buf_limit(v.n));
	buf_init(&stitched, mt_buf_limit(v.n));
	semi = memchr(v.p, ';', v.n);
	base.p = v.p;
	base.n = semi != NULL ? (size_t)(semi - v.p) : v.n;
	if (mt_lower_type(base, &lower) == -1)
		goto done;
	t = mt_trim_space(mt_span(&lower));
	if ((mt->error = mt_check_type(t)) != NULL) {
		rc = 0;
		goto done;
	}
	if ((mt->type = mt_strndup(t.p, t.n)) == NULL)
		goto done;
	v.p += base.n;
	v.n -= base.n;
	while (v.n > 0) {
		char	*name;
		struct mt_param *old;

		v = mt_trim_left(v);
		if (v.n == 0)
			break;
		/* consumeMediaParam */
		rest = mt_trim_left(v);
		key.n = 0;
		if (rest.n > 0 && rest.p[0] == ';') {
			rest.p++;
			rest.n--;
			rest = mt_trim_left(rest);
			key = mt_consume_token(rest, &rest);
			if (key.n > 0) {
				rest = mt_trim_left(rest);
				if (rest.n > 0 && rest.p[0] == '=') {
					rest.p++;
					rest.n--;
					rest = mt_trim_left(rest);
					tmp = rest;
					if (!mt_consume_value(rest, &val,
					    &rest2) && val.len == 0 &&
					    rest2.n == tmp.n)
						key.n = 0;
					else
						rest = rest2;
				} else
					key.n = 0;
			}
		}
		if (key.n == 0) {
			struct span r = mt_trim_space(v);

			if (r.n == 1 && r.p[0] == ';')
				break;
			mt->error = "mime: invalid media parameter";
			rc = 0;
			goto done;
		}
		if ((name = mt_strndup(key.p, key.n)) == NULL)
			goto done;
		for (i = 0; name[i] != '\0'; i++)
			name[i] = (char)mime_ascii_lower((unsigned char)name[i]);
		if (buf_failed(&val)) {
			free(name);
			goto done;
		}
		old = mt_params_get(ps, name);
		if (old != NULL) {
			int same = strlen(old->value) == val.len &&
			    (val.len == 0 || memcmp(old->value, val.data,
			    val.len) == 0);

			free(name);
			if (!same) {
				mt->error = "mime: duplicate parameter name";
				rc = 0;
				goto done;
			}
		} else if (ps->n < MT_MAX_PARAMS) {
			ps->p[ps->n].name = name;
			ps->p[ps->n].continued = strchr(name, '*') != NULL;
			ps->p[ps->n].value = mt_strndup(val.len ? val.data :
			    (const uint8_t *)"", val.len);
			if (ps->p[ps->n++].value == NULL)
				goto done;
		} else
			free(name);
		v = rest;
	}
	/* RFC 2231: stitch "name*" and "name*0", "name*1*", ... */
	for (i = 0; i < ps->n; i++) {
		char		 base_name[256], key2[300];
		size_t		 bl, j, n;
		struct mt_param	*q;
		int		 valid = 0, seen = 0;

		if (!ps->p[i].continued)
			continue;
		bl = strcspn(ps->p[i].name, "*");
		if (bl >= sizeof(base_name))
			continue;
		memcpy(base_name, ps->p[i].name, bl);
		base_name[bl] = '\0';
		/* handle each base name once, at its first starred param */
		for (j = 0; j < i; j++)
			if (ps->p[j].continued && strncmp(ps->p[j].name,
			    base_name, bl) == 0 && ps->p[j].name[bl] == '*')
				seen = 1;
		if (seen)
			continue;
		buf_reset(&stitched);
		snprintf(key2, sizeof(key2), "%s*", base_name);
		if ((q = mt_params_get(ps, key2)) != NULL) {
			if (mt_decode_2231(q->value, &stitched))
				valid = 1;
		} else {
			for (n = 0; n < MT_MAX_PARAMS; n++) {
				snprintf(key2, sizeof(key2), "%s*%zu",
				    base_name, n);
				if ((q = mt_params_get(ps, key2)) != NULL) {
					valid = 1;
					buf_puts(&stitched, q->value);
					continue;
				}
				snprintf(key2, sizeof(key2), "%s*%zu*",
				    base_name, n);
				if ((q = mt_params_get(ps, key2)) == NULL)
					break;
				valid = 1;
				if (n == 0)
					mt_decode_2231(q->value, &stitched);
				else {
					struct buf tmpb;

					buf_init(&tmpb, mt_buf_limit(
					    strlen(q->value)));
					if (mt_percent_unescape(q->value,
					    &tmpb))
						buf_append(&stitched,
						    tmpb.data, tmpb.len);
					buf_free(&tmpb);
				}
			}
		}
		if (buf_failed(&stitched))
			goto done;
		if (valid) {
			struct mt_param *dst = mt_params_get(ps, base_name);
			char *nv = mt_strndup(stitched.len ? stitched.data :
			    (const uint8_t *)"", stitched.len);

			if (nv == NULL)
				goto done;
			if (dst != NULL) {
				free(dst->value);
				dst->value = nv;
			} else if (ps->n < MT_MAX_PARAMS) {
				ps->p[ps->n].name = strdup(base_name);
				ps->p[ps->n].value = nv;
				ps->p[ps->n].continued = 0;
				if (ps->p[ps->n++].name == NULL)
					goto done;
			} else
				free(nv);
		}
	}
	rc = 0;
done:
	buf_free(&lower);
	buf_free(&val);
	buf_free(&stitched);
	return rc;
}

