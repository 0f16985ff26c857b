#!/bin/sh
# Shutdown: SIGTERM is fast, SIGQUIT graceful; both remove the PID file
# and leave no child behind.  -s signals through the PID file.
. tests/integration/lib.sh
it_setup
it_redis_start
it_guardian_start

[ "$(cat "$IT_TMP/guardian.pid")" = "$IT_GPID" ] || it_fail "PID file"
kids=$(it_children_all)
"$IT_BIN" -config "$IT_CONF" -s stop || it_fail "-s stop"
i=0
while kill -0 "$IT_GPID" 2>/dev/null && [ $i -lt 60 ]; do
	sleep 0.1; i=$((i + 1))
done
kill -0 "$IT_GPID" 2>/dev/null && it_fail "TERM: still running after 6 s"
wait "$IT_GPID"; rc=$?
[ $rc -eq 0 ] || it_fail "TERM: exit status $rc"
[ ! -e "$IT_TMP/guardian.pid" ] || it_fail "TERM: PID file left"
for p in $kids; do
	kill -0 "$p" 2>/dev/null && it_fail "TERM: child $p left"
done

it_guardian_start
kids=$(it_children_all)
# Graceful: a request in flight completes (Redis paused: the learner
# waits), then everything exits.
redis-cli -p "$REDIS_PORT" CLIENT PAUSE 1500 >/dev/null
curl -s -m 10 -o "$IT_TMP/slow" -w '%{http_code}' \
    "http://127.0.0.1:$GUARDIAN_PORT/status" >"$IT_TMP/slowcode" &
cpid=$!
sleep 0.5
"$IT_BIN" -config "$IT_CONF" -s quit || it_fail "-s quit"
wait $cpid
[ "$(cat "$IT_TMP/slowcode")" = 200 ] || it_fail "in-flight request: $(cat "$IT_TMP/slowcode")"
i=0
while kill -0 "$IT_GPID" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
kill -0 "$IT_GPID" 2>/dev/null && it_fail "QUIT: still running"
[ ! -e "$IT_TMP/guardian.pid" ] || it_fail "QUIT: PID file left"
for p in $kids; do
	kill -0 "$p" 2>/dev/null && it_fail "QUIT: child $p left"
done
it_check_log
echo ok
