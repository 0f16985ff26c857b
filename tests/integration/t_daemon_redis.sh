#!/bin/sh
# Redis unreachable at start is not fatal: /status answers 503 until
# Redis comes up, 200 while it is up, 503 again when it goes away.
. tests/integration/lib.sh
it_setup
it_guardian_start 503
out=$(it_curl /status)
[ "$out" = '503 {"error":"Redis unavailable"}' ] || it_fail "503: $out"
it_redis_start
it_wait_status 200 100 || it_fail "no 200 after redis started"
it_redis_stop
it_wait_status 503 100 || it_fail "no 503 after redis stopped"
it_redis_start
it_wait_status 200 100 || it_fail "no 200 after redis came back"
kill -0 "$IT_GPID" || it_fail "daemon died"
it_wait_children learner 1 || it_fail "learner restarted or gone"
it_check_log
echo ok
