#!/bin/sh
# The daemon starts against a real Redis, answers GET /status as upstream
# does, and the node identity it reports is the one stored in Redis.
. tests/integration/lib.sh
it_setup
it_redis_start
it_guardian_start

set -- $(it_curl /status -D "$IT_TMP/headers")
[ "$1" = 200 ] || it_fail "status code $1"
body=$2
node=$(redis-cli -p "$REDIS_PORT" GET mi_meta:id)
seq=$(redis-cli -p "$REDIS_PORT" GET mi_meta:v)
[ "$seq" = 0 ] || it_fail "mi_meta:v not initialised: '$seq'"
echo "$node" | grep -Eq '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' ||
	it_fail "mi_meta:id is not a UUIDv4: '$node'"
[ "$body" = "{\"current_seq\":0,\"node_id\":\"$node\",\"version\":\"0.7.6\"}" ] ||
	it_fail "body: $body"
grep -qi '^content-type: application/json' "$IT_TMP/headers" ||
	it_fail "content type"
grep -qi '^cache-control: no-store' "$IT_TMP/headers" ||
	it_fail "cache-control"

# Any method, as upstream; the sequence follows Redis.
redis-cli -p "$REDIS_PORT" SET mi_meta:v 42 >/dev/null
set -- $(it_curl /status -X POST)
[ "$1" = 200 ] || it_fail "POST /status: $1"
case "$2" in *'"current_seq":42,'*) ;; *) it_fail "seq: $2" ;; esac

# A non-integer sequence is a Redis error upstream: 503.
redis-cli -p "$REDIS_PORT" SET mi_meta:v abc >/dev/null
set -- $(it_curl /status)
[ "$1" = 503 ] || it_fail "non-integer seq: $1"

# The identity survives a restart of the daemon.
kill -TERM "$IT_GPID"; wait "$IT_GPID"
redis-cli -p "$REDIS_PORT" SET mi_meta:v 7 >/dev/null
it_guardian_start
set -- $(it_curl /status)
[ "$2" = "{\"current_seq\":7,\"node_id\":\"$node\",\"version\":\"0.7.6\"}" ] ||
	it_fail "after restart: $2"
it_check_log
echo ok
