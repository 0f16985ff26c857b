#!/bin/sh
# LISTEN_SOCKET: the API on a Unix socket with the configured mode.
. tests/integration/lib.sh
it_setup
it_redis_start
it_config "LISTEN_SOCKET=$IT_TMP/guardian.sock" "LISTEN_SOCKET_MODE=0660"
it_guardian_start
[ -S "$IT_TMP/guardian.sock" ] || it_fail "no socket"
mode=$(stat -c %a "$IT_TMP/guardian.sock")
[ "$mode" = 660 ] || it_fail "socket mode $mode"
code=$(curl -s -m 5 -o "$IT_TMP/ubody" -w '%{http_code}' \
    --unix-socket "$IT_TMP/guardian.sock" http://localhost/status)
[ "$code" = 200 ] || it_fail "status over unix socket: $code"
grep -q '"node_id"' "$IT_TMP/ubody" || it_fail "body"
kill -TERM "$IT_GPID"; wait "$IT_GPID"
[ ! -e "$IT_TMP/guardian.sock" ] || it_fail "socket left behind"
it_check_log
echo ok
