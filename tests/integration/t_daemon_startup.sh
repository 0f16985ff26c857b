#!/bin/sh
# Start-up failures give a clear message and exit status 1; -t checks.
. tests/integration/lib.sh
it_setup

"$IT_BIN" -t -config "$IT_CONF" >"$IT_TMP/out" 2>&1 || it_fail "-t: $(cat "$IT_TMP/out")"
grep -q valid "$IT_TMP/out" || it_fail "-t output"
# -t names what upstream would silently ignore: unknown keys, a missing file.
cp "$IT_CONF" "$IT_TMP/warn.conf"
echo "NO_SUCH_KEY=1" >>"$IT_TMP/warn.conf"
"$IT_BIN" -t -config "$IT_TMP/warn.conf" >"$IT_TMP/out" 2>&1 || it_fail "-t warn"
grep -q "warning: .*warn.conf:[0-9]*: unknown key 'NO_SUCH_KEY'" "$IT_TMP/out" ||
	it_fail "-t does not warn about an unknown key: $(cat "$IT_TMP/out")"
"$IT_BIN" -t -config "$IT_TMP/absent.conf" >"$IT_TMP/out" 2>&1 || it_fail "-t absent"
grep -q "warning: .*absent.conf: not found" "$IT_TMP/out" ||
	it_fail "-t does not say the file is missing: $(cat "$IT_TMP/out")"

# Port in use.
nc_pid=
redis-server --port "$GUARDIAN_PORT" --bind 127.0.0.1 --save '' >/dev/null 2>&1 &
nc_pid=$!
i=0
until redis-cli -p "$GUARDIAN_PORT" ping >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -gt 50 ] && it_fail "port holder did not start"; sleep 0.1
done
"$IT_BIN" -d -config "$IT_CONF" >"$IT_TMP/out" 2>&1
rc=$?
kill "$nc_pid"; wait "$nc_pid" 2>/dev/null
[ $rc -eq 1 ] || it_fail "port in use: status $rc"
grep -q "cannot listen on 127.0.0.1 port $GUARDIAN_PORT" "$IT_TMP/out" ||
	it_fail "port in use: $(cat "$IT_TMP/out")"

# Unreadable or invalid config.
"$IT_BIN" -d -config "$IT_TMP" >"$IT_TMP/out" 2>&1
[ $? -eq 1 ] || it_fail "directory as config accepted"
printf 'PORT=notaport\n' >"$IT_TMP/bad.conf"
"$IT_BIN" -d -config "$IT_TMP/bad.conf" >"$IT_TMP/out" 2>&1
[ $? -eq 1 ] || it_fail "bad config accepted"
grep -q PORT "$IT_TMP/out" || it_fail "bad config: $(cat "$IT_TMP/out")"

# Unknown user (only root changes user).
if [ "$(id -u)" = 0 ]; then
	it_config "RUN_AS_USER=no-such-user-guardian"
	"$IT_BIN" -d -config "$IT_CONF" >"$IT_TMP/out" 2>&1
	[ $? -eq 1 ] || it_fail "unknown user accepted"
	grep -q 'no-such-user-guardian' "$IT_TMP/out" || it_fail "user: $(cat "$IT_TMP/out")"
fi
# -s without a running daemon.
"$IT_BIN" -config "$IT_CONF" -s reload >"$IT_TMP/out" 2>&1 && it_fail "-s without daemon"
grep -q 'PID file' "$IT_TMP/out" || it_fail "-s: $(cat "$IT_TMP/out")"
echo ok
