#!/bin/sh
# HTTP limits and errors: 404, 413 before the body is read, JSON bodies,
# and the optional bearer token.
. tests/integration/lib.sh
it_setup
it_redis_start
it_config "MAX_BODY_SIZE=2000"
it_guardian_start

out=$(it_curl /nope)
[ "$out" = '404 {"error":"not found"}' ] || it_fail "unknown path: $out"
set -- $(it_curl /status/)
[ "$1" = 404 ] || it_fail "/status/: $1"

head -c 5000 /dev/zero >"$IT_TMP/big"
out=$(it_curl /status --data-binary @"$IT_TMP/big")
[ "$out" = '413 {"error":"request body too large"}' ] || it_fail "big body: $out"
# curl sends "Expect: 100-continue" for large bodies: refused before the
# body is sent, not after.
head -c 2000000 /dev/zero >"$IT_TMP/huge"
out=$(it_curl /status --data-binary @"$IT_TMP/huge")
[ "$out" = '413 {"error":"request body too large"}' ] || it_fail "huge body: $out"
# Chunked: no Content-Length, counted as it arrives.
set -- $(it_curl /status -H 'Transfer-Encoding: chunked' --data-binary @"$IT_TMP/big")
[ "$1" = 413 ] || it_fail "chunked big body: $1"
# Still serving after refusals.
set -- $(it_curl /status)
[ "$1" = 200 ] || it_fail "after 413: $1"

# Many connections at once, each answered.
i=0
while [ $i -lt 20 ]; do
	curl -s -m 5 -o /dev/null -w '%{http_code}\n' \
	    "http://127.0.0.1:$GUARDIAN_PORT/status" >>"$IT_TMP/codes" &
	i=$((i + 1))
done
wait_n=0
while [ "$(wc -l <"$IT_TMP/codes")" -lt 20 ] && [ $wait_n -lt 50 ]; do
	sleep 0.1; wait_n=$((wait_n + 1))
done
[ "$(grep -c '^200$' "$IT_TMP/codes")" = 20 ] || it_fail "parallel: $(sort "$IT_TMP/codes" | uniq -c)"

# API_TOKEN: 401 without the token, 200 with either header.
kill -TERM "$IT_GPID"; wait "$IT_GPID"
it_config "API_TOKEN=s3cret-token-0123456789"
it_guardian_start 401
out=$(it_curl /status -H 'Authorization: Bearer wrong')
[ "$out" = '401 {"error":"unauthorized"}' ] || it_fail "wrong token: $out"
set -- $(it_curl /status -H 'Authorization: Bearer s3cret-token-0123456789')
[ "$1" = 200 ] || it_fail "bearer: $1"
set -- $(it_curl /status -H 'X-Guardian-Token: s3cret-token-0123456789')
[ "$1" = 200 ] || it_fail "x-guardian-token: $1"
it_check_log
echo ok
