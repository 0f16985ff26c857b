/*
 * Oracle request and answer validation (validate.h).
 */
#include <jansson.h>

#include "master/proto.h"
#include "validate.h"

static const struct oracle_endpoint oracle_endpoints[] = {
	{ PROTO_ORACLE_ANALYZE, "analyze", "/analyze", 4000, ORACLE_SMALL_MAX },
	{ PROTO_ORACLE_REPORT, "report", "/report", 5000, ORACLE_SMALL_MAX },
	{ PROTO_ORACLE_SYNC, "sync", "/sync", 30000, ORACLE_SYNC_MAX },
	{ PROTO_ORACLE_STATS, "stats", "/stats", 30000, ORACLE_SMALL_MAX },
};

const struct oracle_endpoint *
oracle_endpoint(uint8_t id)
{
	size_t	i;

	for (i = 0; i < sizeof(oracle_endpoints) /
	    sizeof(oracle_endpoints[0]); i++)
		if (oracle_endpoints[i].id == id)
			return &oracle_endpoints[i];
	return NULL;
}

/* A parsed JSON object, or NULL.  Rejects duplicate keys. */
static json_t *
oracle_parse_object(const void *body, size_t len)
{
	json_error_t	 err;
	json_t		*j;

	if (body == NULL || len == 0)
		return NULL;
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

int
oracle_request_valid(const void *body, size_t len)
{
	json_t	*j;

	if (len > ORACLE_REQUEST_MAX || (j = oracle_parse_object(body,
	    len)) == NULL)
		return -1;
	json_decref(j);
	return 0;
}

/* Optional member: absent is fine, present must be of the type. */
static int
oracle_optional(json_t *obj, const char *key, int (*is)(const json_t *))
{
	json_t	*v = json_object_get(obj, key);

	return v == NULL || is(v);
}

static int
oracle_is_string(const json_t *j)
{
	return json_is_string(j);
}

static int
oracle_is_boolean(const json_t *j)
{
	return json_is_boolean(j);
}

static int
oracle_is_integer(const json_t *j)
{
	return json_is_integer(j);
}

static int
oracle_analyze_valid(json_t *j)
{
	json_t	*result = json_object_get(j, "result");

	return json_is_object(result) &&
	    json_is_string(json_object_get(result, "action")) &&
	    oracle_optional(result, "label", oracle_is_string) &&
	    oracle_optional(result, "proximity_match", oracle_is_boolean) &&
	    oracle_optional(result, "distance", oracle_is_integer);
}

static int
oracle_sync_valid(json_t *j)
{
	json_t	*seq = json_object_get(j, "new_seq");
	json_t	*ops = json_object_get(j, "ops");

	return json_is_integer(seq) && json_integer_value(seq) >= 0 &&
	    json_is_string(json_object_get(j, "action")) &&
	    (ops == NULL || json_is_null(ops) || json_is_array(ops));
}

int
oracle_answer_outcome(uint8_t endpoint, long status, const void *body,
    size_t len)
{
	const struct oracle_endpoint	*ep = oracle_endpoint(endpoint);
	json_t				*j;
	int				 ok;

	if (ep == NULL || len > ep->max_body || status < 100 || status > 599)
		return PROTO_ORACLE_INVALID;
	switch (endpoint) {
	case PROTO_ORACLE_ANALYZE:
		if (status < 200 || status > 299)
			return PROTO_ORACLE_INVALID;
		break;
	case PROTO_ORACLE_SYNC:
		if (status == 304)
			return PROTO_ORACLE_OK;
		if (status != 200)
			return PROTO_ORACLE_INVALID;
		break;
	default:
		return PROTO_ORACLE_OK;
	}
	if ((j = oracle_parse_object(body, len)) == NULL)
		return PROTO_ORACLE_INVALID;
	ok = endpoint == PROTO_ORACLE_ANALYZE ? oracle_analyze_valid(j) :
	    oracle_sync_valid(j);
	json_decref(j);
	return ok ? PROTO_ORACLE_OK : PROTO_ORACLE_INVALID;
}
