/*
 * enmime's mediatype.Parse (v1.3.0, default options) and Go's
 * mime.ParseMediaType, ported step by step: removeTrailingHTMLTags,
 * fixMangledMediaType, fixUnquotedSpecials, fixUnescapedQuotes,
 * fixNewlines, then the strict parser (mediatype_go.c).  Each repair is a pass from one
 * bounded buffer to the next; the odd results they produce on broken
 * values are what upstream sees, so they are kept, not fixed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mediatype.h"
#include "mediatype_int.h"
#include "mime_util.h"

#define MT_MAX_DECODE_ROUNDS	64

/* removeTrailingHTMLTags: cut a trailing <...> outside quotes. */
static struct span
mt_remove_trailing_tags(struct span v)
{
	size_t	 i, tag_start = 0;
	long	 close_tags = 0;

	for (i = v.n; i-- > 1;) {
		if (v.p[i] == '"') {
			if (close_tags == 0)
				break;
		} else if (v.p[i] == '>')
			close_tags++;
		else if (v.p[i] == '<') {
			close_tags--;
			if (close_tags == 0)
				tag_start = i;
		}
	}
	if (tag_start != 0)
		v.n = tag_start;
	return v;
}

/*
 * enmime's stringutil.FindUnquoted: the positions of sep outside quoted
 * runs; those inside a run are forgotten once the run closes (an unclosed
 * run keeps them).
 */
static size_t
mt_find_unquoted(struct span s, int sep, size_t *pos, size_t max)
{
	size_t	 i, n = 0, inq = 0;
	int	 escaped = 0, quoted = 0;

	for (i = 0; i < s.n; i++) {
		if (s.p[i] == '\\') {
			escaped = !escaped;
		} else if (s.p[i] == '"') {
			if (escaped) {
				escaped = 0;
				continue;
			}
			quoted = !quoted;
			if (!quoted) {
				n -= inq;
				inq = 0;
			}
		} else if (s.p[i] == sep) {
			escaped = 0;
			if (n < max) {
				pos[n++] = i;
				if (quoted)
					inq++;
			}
		} else
			escaped = 0;
	}
	return n;
}

static int
mt_has_special(struct span s, const char *set)
{
	size_t	i;

	for (i = 0; i < s.n; i++)
		if (s.p[i] != '\0' && strchr(set, s.p[i]) != NULL)
			return 1;
	return 0;
}

/* Go's mime.BEncoding.Encode("utf-8", s) for a string that needs it. */
static int
mt_bencode(struct span s, struct buf *out)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t	 i, last = 0, cur = 0, k, j;
	uint32_t r;

	buf_puts(out, "=?utf-8?b?");
	for (i = 0; i <= s.n; i += k) {
		k = i < s.n ? mt_rune(s.p + i, s.n - i, &r) : 0;
		if (i < s.n && (s.n + 2) / 3 * 4 <= 63)
			continue;
		if (i < s.n && cur + k <= 45) {
			cur += k;
			continue;
		}
		/* flush s[last:i] as one base64 run */
		for (j = last; j < i; j += 3) {
			uint32_t v = (uint32_t)s.p[j] << 16;
			size_t	 m = i - j >= 3 ? 3 : i - j;

			if (m > 1)
				v |= (uint32_t)s.p[j + 1] << 8;
			if (m > 2)
				v |= s.p[j + 2];
			buf_putc(out, b64[(v >> 18) & 63]);
			buf_putc(out, b64[(v >> 12) & 63]);
			buf_putc(out, m > 1 ? b64[(v >> 6) & 63] : '=');
			buf_putc(out, m > 2 ? b64[v & 63] : '=');
		}
		if (i >= s.n)
			break;
		buf_puts(out, "?= =?utf-8?b?");
		last = i;
		cur = k;
	}
	buf_puts(out, "?=");
	return buf_failed(out) ? -1 : 0;
}

/* enmime's coding.RFC2047Decode, used on each parameter. */
static int
mt_fix_rfc2047_string(struct span s, struct buf *out)
{
	size_t	i;
	int	in_string = 0, in_eq = 0, qmarks = 0;

	for (i = 0; i < s.n; i++) {
		uint8_t	c = s.p[i];

		switch (c) {
		case '=':
			if (qmarks == 3)
				in_string = 0;
			else
				in_eq = 1;
			buf_putc(out, c);
			break;
		case '?':
			if (in_eq)
				in_string = 1;
			else
				qmarks++;
			in_eq = 0;
			buf_putc(out, c);
			break;
		case '\n': case '\r': case ' ':
			if (!in_string)
				buf_putc(out, c);
			in_eq = 0;
			break;
		default:
			in_eq = 0;
			buf_putc(out, c);
		}
	}
	return buf_failed(out) ? -1 : 0;
}

static int
mt_has_qb_marker(struct span s)
{
	size_t	i;

	for (i = 0; i + 3 <= s.n; i++)
		if (s.p[i] == '?' && s.p[i + 2] == '?' &&
		    (mime_ascii_upper(s.p[i + 1]) == 'Q' ||
		    mime_ascii_upper(s.p[i + 1]) == 'B'))
			return 1;
	return 0;
}

/* DecodeExtHeader: the input itself when there is nothing or an error. */
static int
mt_decode_ext_header(struct span s, struct buf *out)
{
	buf_reset(out);
	if (mt_find(s, "=?", 2) != NULL && mediatype_decode_words(s.p, s.n,
	    out) == 0)
		return buf_failed(out) ? -1 : 0;
	buf_reset(out);
	buf_append(out, s.p, s.n);
	return buf_failed(out) ? -1 : 0;
}

static int
mt_rfc2047_decode(struct span in, struct buf *out)
{
	struct buf	 cur, val, fixed;
	struct span	 s, key, value;
	size_t		 i, round;
	int		 decoded = 0, rc = -1;
	const uint8_t	*eq;

	buf_init(&cur, mt_buf_limit(in.n));
	buf_init(&val, mt_buf_limit(in.n));
	buf_init(&fixed, mt_buf_limit(in.n));
	for (i = 0; i < in.n; i++)
		buf_putc(&cur, in.p[i] == '\n' || in.p[i] == '\r' ? ' ' :
		    in.p[i]);
	if (buf_failed(&cur))
		goto done;
	for (round = 0; round < MT_MAX_DECODE_ROUNDS; round++) {
		s = mt_span(&cur);
		if (!mt_has_qb_marker(s))
			break;
		if (mt_decode_ext_header(s, &val) == -1)
			goto done;
		if (val.len == s.n && memcmp(val.data, s.p, s.n) == 0) {
			buf_reset(&fixed);
			if (mt_fix_rfc2047_string(s, &fixed) == -1 ||
			    mt_decode_ext_header(mt_span(&fixed), &val) == -1)
				goto done;
			if (val.len == s.n && memcmp(val.data, s.p, s.n) == 0)
				break;
		}
		buf_reset(&cur);
		buf_append(&cur, val.data, val.len);
		decoded = 1;
	}
	s = mt_span(&cur);
	if (decoded && (eq = memchr(s.p, '=', s.n)) != NULL) {
		key.p = s.p;
		key.n = (size_t)(eq - s.p);
		value.p = eq + 1;
		value.n = s.n - key.n - 1;
		buf_append(out, key.p, key.n);
		buf_putc(out, '=');
		if (value.n == 0 || value.p[0] != '"')
			buf_putc(out, '"');
		buf_append(out, value.p, value.n);
		if (value.n == 0 || value.p[value.n - 1] != '"' ||
		    (value.n == 1 && value.p[0] == '"' && 0))
			buf_putc(out, '"');
	} else
		buf_append(out, s.p, s.n);
	rc = buf_failed(out) || buf_failed(&cur) ? -1 : 0;
done:
	buf_free(&cur);
	buf_free(&val);
	buf_free(&fixed);
	return rc;
}

static int
mt_fix_mangled(struct span in, struct buf *out)
{
	size_t		*pos, npos, i, nparts, start, end;
	struct span	 p, pair0, mt;
	struct buf	 joined, dec, param;
	int		 rc = -1;

	if (in.n == 0)
		return 0;
	if ((pos = calloc(in.n + 1, sizeof(*pos))) == NULL)
		return -1;
	buf_init(&joined, mt_buf_limit(in.n));
	buf_init(&dec, mt_buf_limit(in.n));
	buf_init(&param, mt_buf_limit(in.n) + 64);
	npos = mt_find_unquoted(in, ';', pos, in.n);
	/* the first part: up to the first separator */
	p.p = in.p;
	p.n = npos > 0 ? pos[0] : in.n;
	if (memchr(p.p, '=', p.n) != NULL) {
		/* a parameter first: no media type; re-split ignoring quotes */
		buf_puts(&joined, "application/octet-stream; ");
		buf_append(&joined, in.p, in.n);
		if (buf_failed(&joined))
			goto done;
		in = mt_span(&joined);
		free(pos);
		if ((pos = calloc(in.n + 1, sizeof(*pos))) == NULL)
			goto done;
		npos = 0;
		for (i = 0; i < in.n; i++)
			if (in.p[i] == ';')
				pos[npos++] = i;
	}
	nparts = npos + 1;
	for (i = 0; i < nparts; i++) {
		start = i == 0 ? 0 : pos[i - 1] + 1;
		end = i < npos ? pos[i] : in.n;
		p.p = in.p + start;
		p.n = end - start;
		if (i == 0) {
			const char	*fix = NULL;
			size_t		 k, slashes = 0;

			if (p.n == 0) {
				p.p = (const uint8_t *)MT_PLACEHOLDER_TYPE;
				p.n = strlen(MT_PLACEHOLDER_TYPE);
			}
			if (p.p[p.n - 1] == '/') {
				if (p.n == 5 && memcmp(p.p, "text/", 5) == 0)
					fix = "text/plain";
				else if (p.n == 10 &&
				    memcmp(p.p, "multipart/", 10) == 0)
					fix = "multipart/mixed";
				else
					fix = "application/octet-stream";
				p.p = (const uint8_t *)fix;
				p.n = strlen(fix);
			}
			for (k = 0; k < p.n; k++) {
				if (p.p[k] == '/' && ++slashes == 2) {
					p.n = k;
					break;
				}
			}
		} else {
			if (p.n == 0 || mt_trim_space(p).n == 0)
				continue;
			buf_reset(&dec);
			buf_reset(&param);
			buf_append(&param, p.p, p.n);
			if (memchr(p.p, '=', p.n) == NULL)
				buf_puts(&param, "=" MT_PLACEHOLDER_VALUE);
			if (buf_failed(&param) ||
			    mt_rfc2047_decode(mt_span(&param), &dec) == -1)
				goto done;
			p = mt_span(&dec);
			pair0 = p;
			{
				const uint8_t *e = memchr(p.p, '=', p.n);

				if (e != NULL)
					pair0.n = (size_t)(e - p.p) + 1;
			}
			pair0 = mt_trim_space(pair0);
			if (pair0.n == 1 && pair0.p[0] == '=')
				continue;
			mt = mt_span(out);
			if (mt_contains(mt, pair0))
				continue;
			{
				struct span raw0 = p;
				const uint8_t *e = memchr(p.p, '=', p.n);

				if (e != NULL)
					raw0.n = (size_t)(e - p.p) + 1;
				if (mt_has_special(raw0, "()<>@,;:\"\\/[]?"))
					continue;
			}
		}
		buf_append(out, p.p, p.n);
		if (i != nparts - 1 && (out->len == 0 ||
		    out->data[out->len - 1] != ';')) {
			while (out->len > 0 && (out->data[out->len - 1] == ' ' ||
			    out->data[out->len - 1] == '\t'))
				out->len--;
			buf_putc(out, ';');
		}
		if (buf_failed(out))
			goto done;
	}
	if (out->len > 0 && out->data[out->len - 1] == ';')
		out->len--;
	if (out->data != NULL)
		out->data[out->len] = '\0';
	rc = buf_failed(out) ? -1 : 0;
done:
	free(pos);
	buf_free(&joined);
	buf_free(&dec);
	buf_free(&param);
	return rc;
}

static int
mt_is_value_special(uint32_t r)
{
	switch (r) {
	case '(': case ')': case '<': case '>': case '@': case ',': case ':':
	case '/': case '[': case ']': case '?': case '=':
		return 1;
	}
	return 0;
}

static void
mt_put_rune(struct buf *b, uint32_t r)
{
	utf8_append_rune(b, r);
}

struct mt_param_state {
	struct buf	*param;
	int		 quote_added;
	int		 quote_needed;
};

static void
mt_quote_if_unquoted(struct mt_param_state *st)
{
	if (!st->quote_needed) {
		if (!st->quote_added) {
			buf_putc(st->param, '"');
			st->quote_added = 1;
		}
		st->quote_needed = 1;
	}
}

/*
 * consumeParam: the first parameter of s, quoted as needed, into param;
 * returns the rest through *rest.  param stays empty when s has no '='.
 */
static int
mt_consume_param(struct span s, struct buf *param, struct span *rest)
{
	struct mt_param_state	 st = { param, 0, 0 };
	struct buf		 value;
	const uint8_t		*eq;
	size_t			 i = 0, k = 0, eqpos;
	uint32_t		 r = 0;
	int			 quoted_orig = 0, need2047 = 0, escaped, broke;
	struct span		 rst = { NULL, 0 }, whole;

	if ((eq = memchr(s.p, '=', s.n)) == NULL) {
		*rest = s;
		return 0;
	}
	eqpos = (size_t)(eq - s.p);
	buf_append(param, s.p, eqpos + 1);
	s.p += eqpos + 1;
	s.n -= eqpos + 1;
	buf_init(&value, mt_buf_limit(s.n));
	/* Go keeps the loop variable: i is the '=' index if s is empty */
	i = eqpos;
	broke = 0;
	for (size_t j = 0; j < s.n; j += k) {
		k = mt_rune(s.p + j, s.n - j, &r);
		i = j;
		if (r == ' ' || r == '\t')
			continue;
		if (r == '"') {
			quoted_orig = 1;
			st.quote_added = 1;
			st.quote_needed = 1;
			buf_putc(param, '"');
			broke = 1;
			break;
		}
		if (r == ';') {
			if (value.len == 0) {
				buf_puts(param, "\"\";");
				rest->p = s.p + j + 1;
				rest->n = s.n - j - 1;
				buf_free(&value);
				return buf_failed(param) ? -1 : 0;
			}
			broke = 1;
			break;
		}
		if (r > 127)
			need2047 = 1;
		quoted_orig = 0;
		st.quote_added = 0;
		mt_put_rune(&value, r);
		broke = 1;
		break;
	}
	(void)broke;
	if ((long long)s.n - (long long)i < 1) {
		buf_puts(param, "\"\"");
	} else {
		if (mt_is_value_special(s.p[0]))
			mt_quote_if_unquoted(&st);
		k = mt_rune(s.p + i, s.n - i, &r);
		whole.p = s.p + i + k;
		whole.n = s.n - i - k;
		escaped = r == '\\';
		for (size_t j = 0; j < whole.n; j += k) {
			k = mt_rune(whole.p + j, whole.n - j, &r);
			if (escaped) {
				mt_put_rune(&value, r);
				escaped = 0;
				continue;
			}
			if (r == ';') {
				if (quoted_orig) {
					mt_put_rune(&value, r);
					continue;
				}
				rst.p = whole.p + j;
				rst.n = whole.n - j;
				break;
			} else if (r == ' ' || r == '\t') {
				if (quoted_orig) {
					mt_put_rune(&value, r);
					continue;
				}
				mt_quote_if_unquoted(&st);
				mt_put_rune(&value, r);
			} else if (r == '"') {
				if (quoted_orig) {
					rst.p = whole.p + j;
					rst.n = whole.n - j;
					break;
				}
				mt_quote_if_unquoted(&st);
				buf_putc(&value, '\\');
				mt_put_rune(&value, r);
			} else if (r == '\\') {
				if (j < whole.n - 1) {
					mt_put_rune(&value, r);
					escaped = 1;
					mt_quote_if_unquoted(&st);
				}
			} else {
				if (mt_is_value_special(r))
					mt_quote_if_unquoted(&st);
				if (r > 127)
					need2047 = 1;
				mt_put_rune(&value, r);
			}
		}
	}
	if (value.len > 0) {
		if (need2047) {
			struct buf	enc;

			buf_init(&enc, mt_buf_limit(value.len));
			if (mt_bencode(mt_span(&value), &enc) == 0) {
				mt_quote_if_unquoted(&st);
				buf_append(param, enc.data, enc.len);
			}
			buf_free(&enc);
		} else
			buf_append(param, value.data, value.len);
	}
	if (st.quote_needed)
		buf_putc(param, '"');
	if (rst.n > 0) {
		if (rst.p[0] != '"')
			buf_putc(param, rst.p[0]);
		rst.p++;
		rst.n--;
	}
	*rest = rst;
	buf_free(&value);
	return buf_failed(param) || buf_failed(&value) ? -1 : 0;
}

static int
mt_fix_unquoted_specials(struct span s, struct buf *out)
{
	const uint8_t	*semi;
	struct buf	 consumed;
	struct span	 rest;
	int		 rc = 0;

	if ((semi = memchr(s.p, ';', s.n)) == NULL) {
		buf_append(out, s.p, s.n);
		return buf_failed(out) ? -1 : 0;
	}
	buf_append(out, s.p, (size_t)(semi - s.p) + 1);
	s.n -= (size_t)(semi - s.p) + 1;
	s.p = semi + 1;
	buf_init(&consumed, mt_buf_limit(s.n));
	while (s.n > 0) {
		buf_reset(&consumed);
		if (mt_consume_param(s, &consumed, &rest) == -1) {
			rc = -1;
			break;
		}
		if (consumed.len == 0) {
			buf_append(out, rest.p, rest.n);
			break;
		}
		buf_append(out, consumed.data, consumed.len);
		s = rest;
	}
	buf_free(&consumed);
	return rc == -1 || buf_failed(out) ? -1 : 0;
}

static long
mt_index(struct span s, int c)
{
	const uint8_t *q = memchr(s.p, c, s.n);

	return q == NULL ? -1 : (long)(q - s.p);
}

static long
mt_last_index(struct span s, int c)
{
	size_t	i;

	for (i = s.n; i-- > 0;)
		if (s.p[i] == c)
			return (long)i;
	return -1;
}

static int
mt_fix_unescaped_quotes(struct span s, struct buf *out)
{
	size_t		*pos, npos, nparams, i, j;
	struct span	*params;
	struct buf	 cat;
	int		 rc = -1;

	if ((pos = calloc(s.n + 1, sizeof(*pos))) == NULL)
		return -1;
	npos = mt_find_unquoted(s, ';', pos, s.n);
	nparams = npos + 1;
	if ((params = calloc(nparams, sizeof(*params))) == NULL) {
		free(pos);
		return -1;
	}
	for (i = 0; i < nparams; i++) {
		size_t	start = i == 0 ? 0 : pos[i - 1] + 1;
		size_t	end = i < npos ? pos[i] + 1 : s.n;

		params[i].p = s.p + start;
		params[i].n = end - start;
	}
	buf_init(&cat, mt_buf_limit(s.n));
	for (i = 0; i < nparams; i++) {
		struct span	 param, rest, inner;
		long		 eq, sq, cq;
		int		 escaped;

		if ((eq = mt_index(params[i], '=')) < 0) {
			buf_append(out, params[i].p, params[i].n);
			continue;
		}
		buf_append(out, params[i].p, (size_t)eq);
		param.p = params[i].p + eq;
		param.n = params[i].n - (size_t)eq;
		sq = mt_index(param, '"');
		cq = mt_last_index(param, '"');
		if (sq < 0 && cq < 0) {
			buf_append(out, param.p, param.n);
			continue;
		}
		if (cq == sq) {
			if (nparams > i + 1) {
				buf_reset(&cat);
				buf_append(&cat, param.p, param.n);
				buf_append(&cat, params[i + 1].p,
				    params[i + 1].n);
				if (buf_failed(&cat))
					goto done;
				param = mt_span(&cat);
			}
			cq = mt_last_index(param, '"');
			i++;
			if (cq == sq) {
				buf_puts(out, "=\"\"");
				rc = buf_failed(out) ? -1 : 0;
				goto done;
			}
		}
		buf_putc(out, '=');
		buf_putc(out, '"');
		if (sq > 1)
			buf_append(out, param.p + 1, (size_t)sq - 1);
		rest.p = param.p + cq + 1;
		rest.n = param.n - (size_t)cq - 1;
		if (rest.n > 0 && !(rest.n == 1 && rest.p[0] == ';'))
			buf_puts(out, "\\\"");
		inner.p = param.p + sq + 1;
		inner.n = (size_t)(cq - sq - 1);
		escaped = 0;
		for (j = 0; j < inner.n; j++) {
			if (inner.p[j] == '"') {
				if (!escaped)
					buf_putc(out, '\\');
				buf_putc(out, '"');
			} else if (inner.p[j] == '\\') {
				escaped = 1;
				buf_putc(out, '\\');
			} else {
				escaped = 0;
				buf_putc(out, inner.p[j]);
			}
		}
		if (rest.n == 1 && rest.p[0] == ';') {
			buf_putc(out, '"');
			buf_putc(out, ';');
		} else if (rest.n == 0)
			buf_putc(out, '"');
		else {
			buf_putc(out, '\\');
			buf_putc(out, '"');
			buf_append(out, rest.p, rest.n);
			buf_putc(out, '"');
		}
	}
	rc = buf_failed(out) ? -1 : 0;
done:
	free(pos);
	free(params);
	buf_free(&cat);
	return rc;
}

void
mediatype_free(struct mediatype *mt)
{
	size_t	i;

	free(mt->type);
	free(mt->charset);
	free(mt->boundary);
	for (i = 0; i < mt->ninvalid; i++)
		free(mt->invalid[i]);
	memset(mt, 0, sizeof(*mt));
}

static void
mt_set_error(struct mediatype *mt, const char *error)
{
	mediatype_free(mt);
	mt->error = error;
}

int
mediatype_parse(const uint8_t *value, size_t len, struct mediatype *mt)
{
	struct span	 s;
	struct buf	 a, b;
	struct mt_params *ps;
	size_t		 i;
	int		 rc = -1;

	memset(mt, 0, sizeof(*mt));
	if (len > MEDIATYPE_MAX_INPUT)
		len = MEDIATYPE_MAX_INPUT;
	if ((ps = calloc(1, sizeof(*ps))) == NULL)
		return -1;
	buf_init(&a, mt_buf_limit(len));
	buf_init(&b, mt_buf_limit(len));
	s.p = value;
	s.n = len;
	s = mt_remove_trailing_tags(s);
	if (mt_fix_mangled(s, &a) == -1)
		goto done;
	if (mt_fix_unquoted_specials(mt_span(&a), &b) == -1)
		goto done;
	buf_reset(&a);
	if (mt_fix_unescaped_quotes(mt_span(&b), &a) == -1)
		goto done;
	buf_reset(&b);
	for (i = 0; i < a.len; i++)
		if (a.data[i] != '\r')
			buf_putc(&b, a.data[i] == '\n' ? ' ' : a.data[i]);
	if (buf_failed(&b))
		goto done;
	if (mediatype_parse_go(mt_span(&b), mt, ps) == -1)
		goto done;
	if (mt->error != NULL) {
		/* enmime: "no media type" is no error, just no type */
		if (strcmp(mt->error, "mime: no media type") == 0)
			mt->error = NULL;
		mt_set_error(mt, mt->error);
		if ((mt->type = strdup("")) == NULL)
			goto done;
		rc = 0;
		goto done;
	}
	if (strcmp(mt->type, MT_PLACEHOLDER_TYPE) == 0)
		mt->type[0] = '\0';
	for (i = 0; i < ps->n; i++) {
		struct mt_param *p = &ps->p[i];

		if (strcmp(p->value, MT_PLACEHOLDER_VALUE) == 0) {
			if (mt->ninvalid < MEDIATYPE_MAX_INVALID) {
				mt->invalid[mt->ninvalid++] = p->name;
				p->name = NULL;
			}
			continue;
		}
		if (strcmp(p->name, "charset") == 0 && mt->charset == NULL) {
			mt->charset = p->value;
			p->value = NULL;
		} else if (strcmp(p->name, "boundary") == 0 &&
		    mt->boundary == NULL) {
			mt->boundary = p->value;
			p->value = NULL;
		}
	}
	rc = 0;
done:
	for (i = 0; i < ps->n; i++) {
		free(ps->p[i].name);
		free(ps->p[i].value);
	}
	free(ps);
	buf_free(&a);
	buf_free(&b);
	if (rc == -1)
		mediatype_free(mt);
	return rc;
}
