#!/bin/sh
# Background mode with LOG_FILE: after the file is moved away, SIGUSR1
# makes the master and the children write to a new file at the old path.
. tests/integration/lib.sh
it_setup
it_redis_start
it_config "LOG_FILE=$IT_TMP/daemon.log"
"$IT_BIN" -config "$IT_CONF" || it_fail "background start failed"
i=0
while [ ! -s "$IT_TMP/guardian.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
IT_GPID=$(cat "$IT_TMP/guardian.pid")
it_wait_status 200 100 || it_fail "no 200"
grep -q '"role":"learner"' "$IT_TMP/daemon.log" || it_fail "learner does not log to LOG_FILE"
mv "$IT_TMP/daemon.log" "$IT_TMP/daemon.log.1"
kill -USR1 "$IT_GPID"
i=0
while [ ! -s "$IT_TMP/daemon.log" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
grep -q 'log reopened' "$IT_TMP/daemon.log" || it_fail "master did not reopen"
# A child writes to the new file too: reload makes the learner log.
kill -HUP "$IT_GPID"
i=0
until grep -q '"role":"learner".*Configuration reloaded' "$IT_TMP/daemon.log"; do
	i=$((i + 1)); [ $i -gt 50 ] && it_fail "learner still writes to the old file"
	sleep 0.1
done
cp "$IT_TMP/daemon.log" "$IT_TMP/guardian.log"
cat "$IT_TMP/daemon.log.1" >>"$IT_TMP/guardian.log"
it_check_log
echo ok
