#!/bin/sh
# kill -9 of each role: the master replaces it, workers reconnect to a new
# learner without being restarted, and requests keep being answered.
. tests/integration/lib.sh
it_setup
it_redis_start
it_guardian_start

(
	end=$(( $(date +%s) + 9 ))
	while [ "$(date +%s)" -lt "$end" ]; do
		curl -s -m 5 -o /dev/null -w '%{http_code}\n' \
		    "http://127.0.0.1:$GUARDIAN_PORT/status"
		sleep 0.05
	done
) >"$IT_TMP/codes" &
loop=$!

workers=$(it_children worker | sort)
old=$(it_children learner)
kill -KILL "$old"
i=0
while :; do
	new=$(it_children learner)
	[ -n "$new" ] && [ "$new" != "$old" ] && break
	i=$((i + 1)); [ $i -gt 50 ] && it_fail "learner not respawned"
	sleep 0.1
done
it_wait_status 200 50 || it_fail "no 200 after learner respawn"
[ "$(it_children worker | sort)" = "$workers" ] || it_fail "workers were restarted"

old=$(it_children oracle-proxy)
kill -KILL "$old"
i=0
while :; do
	new=$(it_children oracle-proxy)
	[ -n "$new" ] && [ "$new" != "$old" ] && break
	i=$((i + 1)); [ $i -gt 50 ] && it_fail "oracle-proxy not respawned"
	sleep 0.1
done

w=$(it_children worker | head -n 1)
kill -KILL "$w"
i=0
while it_children worker | grep -qx "$w" || [ "$(it_children worker | wc -l)" -ne 2 ]; do
	i=$((i + 1)); [ $i -gt 50 ] && it_fail "worker not respawned"
	sleep 0.1
done
wait $loop
n=$(wc -l <"$IT_TMP/codes")
ok=$(grep -c '^200$' "$IT_TMP/codes")
unavailable=$(grep -c '^503$' "$IT_TMP/codes")
echo "$ok of $n requests answered 200, $unavailable 503"
# While the learner is replaced /status honestly answers 503; every
# request gets an answer and most of them a 200.
[ $((ok + unavailable)) -eq "$n" ] || it_fail "unanswered requests: $(sort "$IT_TMP/codes" | uniq -c)"
[ $((ok * 10)) -ge $((n * 8)) ] || it_fail "too few 200: $ok of $n"
grep -q 'killed by signal 9' "$IT_TMP/guardian.log" || it_fail "deaths not logged"
it_check_log
echo ok
