#!/bin/sh
# SIGHUP with a valid config replaces the workers (new count, new PIDs)
# while a loop of requests keeps getting 200; with an invalid config the
# daemon logs why and keeps serving with the old one.
. tests/integration/lib.sh
it_setup
it_redis_start
it_guardian_start
old=$(it_children worker | sort)
learner=$(it_children learner)

# Requests all along the reload.
(
	end=$(( $(date +%s) + 4 ))
	while [ "$(date +%s)" -lt "$end" ]; do
		curl -s -m 5 -o /dev/null -w '%{http_code}\n' \
		    "http://127.0.0.1:$GUARDIAN_PORT/status"
	done
) >"$IT_TMP/codes" &
loop=$!
sleep 0.5
it_config "WORKERS=3"
kill -HUP "$IT_GPID"
it_wait_children worker 3 || it_fail "not 3 workers after reload"
wait $loop
new=$(it_children worker | sort)
for p in $old; do
	echo "$new" | grep -qx "$p" && it_fail "old worker $p still serving"
done
[ "$(it_children learner)" = "$learner" ] || it_fail "learner restarted"
n=$(wc -l <"$IT_TMP/codes")
bad=$(grep -vc '^200$' "$IT_TMP/codes")
[ "$n" -gt 10 ] || it_fail "only $n requests made"
[ "$bad" -eq 0 ] || it_fail "$bad of $n requests failed during reload"
grep -q 'Configuration reloaded' "$IT_TMP/guardian.log" || it_fail "no reload log"

# Invalid: kept, logged.
cur=$(it_children worker | sort)
it_config "SPAM_THRESHOLD=abc"
kill -HUP "$IT_GPID"
sleep 0.5
grep -q 'Error reloading config' "$IT_TMP/guardian.log" || it_fail "invalid config not reported"
grep 'Error reloading config' "$IT_TMP/guardian.log" | grep -q SPAM_THRESHOLD ||
	it_fail "the reason is not logged"
[ "$(it_children worker | sort)" = "$cur" ] || it_fail "workers replaced on invalid config"
set -- $(it_curl /status)
[ "$1" = 200 ] || it_fail "status after invalid reload: $1"

# -t says the same before anyone signals.
"$IT_BIN" -t -config "$IT_CONF" >"$IT_TMP/t.out" 2>&1 && it_fail "-t accepted an invalid config"
grep -q SPAM_THRESHOLD "$IT_TMP/t.out" || it_fail "-t gave no reason: $(cat "$IT_TMP/t.out")"
it_check_log 'Error reloading config'
echo ok
