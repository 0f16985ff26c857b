#include <string.h>

#include <jansson.h>

#include "verdict.h"

static int
verdict_text(json_t *v, char *out, size_t size)
{
	const char	*s;
	size_t		 i, len;

	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	len = json_string_length(v);
	if (len >= size)
		return -1;
	for (i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\')
			return -1;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

int
verdict_parse(const char *s, size_t len, int oracle, struct decide_cache *v)
{
	json_t		*root, *o, *f;
	json_int_t	 d;
	int		 rc = -1;

	memset(v, 0, sizeof(*v));
	if ((root = json_loadb(s, len, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return -1;
	o = oracle ? json_object_get(root, "result") : root;
	if (!json_is_object(o))
		goto out;
	if (verdict_text(json_object_get(o, "action"), v->action,
	    sizeof(v->action)) == -1 || v->action[0] == '\0')
		goto out;
	if ((f = json_object_get(o, "label")) != NULL && !json_is_null(f) &&
	    verdict_text(f, v->label, sizeof(v->label)) == -1)
		goto out;
	if ((f = json_object_get(o, "proximity_match")) != NULL &&
	    !json_is_null(f)) {
		if (!json_is_boolean(f))
			goto out;
		v->proximity = json_is_true(f);
	}
	if ((f = json_object_get(o, "distance")) != NULL && !json_is_null(f)) {
		if (!json_is_integer(f))
			goto out;
		d = json_integer_value(f);
		if (d < 0 || d > 100000)
			goto out;
		v->distance = (int)d;
		v->has_distance = 1;
	}
	v->present = 1;
	rc = 0;
 out:
	json_decref(root);
	return rc;
}

void
verdict_json_string(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '<')
			buf_printf(b, "\\u003c");
		else if (*s == '>')
			buf_printf(b, "\\u003e");
		else if (*s == '&')
			buf_printf(b, "\\u0026");
		else
			buf_putc(b, (unsigned char)*s);
	}
	buf_putc(b, '"');
}

void
verdict_encode(struct buf *b, const struct decide_cache *v)
{
	buf_printf(b, "{\"action\":");
	verdict_json_string(b, v->action);
	if (v->label[0] != '\0') {
		buf_printf(b, ",\"label\":");
		verdict_json_string(b, v->label);
	}
	buf_printf(b, ",\"proximity_match\":%s",
	    v->proximity ? "true" : "false");
	if (v->has_distance && v->distance != 0)
		buf_printf(b, ",\"distance\":%d", v->distance);
	buf_putc(b, '}');
}
