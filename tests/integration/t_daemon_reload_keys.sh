#!/bin/sh
# SIGHUP, key by key.  Keys that need a restart (PORT, GUARDIAN_BIND_ADDR,
# PID_FILE, RUN_AS_USER, CHROOT_DIR, LISTEN_SOCKET) are refused with a
# clear log line while the old configuration keeps serving; the tunables
# reach the learner and the oracle-proxy without restarting them; HTTP
# keys reach the new workers; REDIS_* restarts the learner and ORACLE_*
# the oracle-proxy.
. tests/integration/lib.sh
it_setup
it_redis_start
it_guardian_start

# Log lines written after the mark.
mark() {
	MARK=$(wc -l <"$IT_TMP/guardian.log")
}
since() {
	tail -n +"$((MARK + 1))" "$IT_TMP/guardian.log"
}

# hup: signals and waits for the master's verdict (either way).
hup() {
	mark
	kill -HUP "$IT_GPID"
	i=0
	until since | grep -q '"role":"master".*"msg":"\(Configuration reloaded\|Error reloading config\)"'; do
		i=$((i + 1))
		[ $i -gt 50 ] && it_fail "no reload verdict in the log"
		sleep 0.1
	done
}

learner=$(it_children learner)
oracle=$(it_children oracle-proxy)
workers=$(it_children worker | sort)
other_port=$(it_free_port)

# Restart-only keys: refused, named, nothing replaced, still serving.
for kv in "PORT=$other_port" "GUARDIAN_BIND_ADDR=127.0.0.2" \
    "PID_FILE=$IT_TMP/other.pid" "RUN_AS_USER=root" \
    "CHROOT_DIR=$IT_TMP/other" "LISTEN_SOCKET=$IT_TMP/g.sock"; do
	key=${kv%%=*}
	cp "$IT_CONF" "$IT_TMP/good.conf"
	it_config "$kv"
	hup
	since | grep '"msg":"Error reloading config"' | grep -q "$key changed" ||
		it_fail "$key: no clear refusal: $(since)"
	[ "$(it_children worker | sort)" = "$workers" ] ||
		it_fail "$key: workers replaced"
	set -- $(it_curl /status)
	[ "$1" = 200 ] || it_fail "$key: old configuration not serving: $1"
	cp "$IT_TMP/good.conf" "$IT_CONF"
done
curl -s -m 2 "http://127.0.0.1:$other_port/status" >/dev/null 2>&1 &&
	it_fail "the refused PORT answers"

# Tunables: learner and oracle-proxy apply them in place.
it_config "SPAM_THRESHOLD=7" "SPAM_WEIGHT=3" "HAM_WEIGHT=5" \
    "LOCAL_RETENTION_DAYS=20"
hup
for role in learner oracle-proxy; do
	i=0
	until since | grep "\"role\":\"$role\"" |
	    grep '"msg":"Configuration reloaded"' | grep '"spam_weight":"3"' |
	    grep '"ham_weight":"5"' | grep '"spam_threshold":"7"' |
	    grep -q '"local_retention_days":"20"'; do
		i=$((i + 1))
		[ $i -gt 50 ] && it_fail "$role did not apply the tunables: $(since)"
		sleep 0.1
	done
done
[ "$(it_children learner)" = "$learner" ] || it_fail "learner restarted"
[ "$(it_children oracle-proxy)" = "$oracle" ] || it_fail "oracle-proxy restarted"

# HTTP keys reach the new workers: a 1500-byte body passes, then 413.
head -c 1500 /dev/zero >"$IT_TMP/body1500"
set -- $(it_curl /status --data-binary @"$IT_TMP/body1500")
[ "$1" = 200 ] || it_fail "1500-byte body before MAX_BODY_SIZE: $1"
it_config "MAX_BODY_SIZE=1024" "API_TOKEN=reload-token-0123456789"
hup
it_wait_status 401 50 || it_fail "API_TOKEN not in force after reload"
set -- $(it_curl /status -H 'X-Guardian-Token: reload-token-0123456789' \
    --data-binary @"$IT_TMP/body1500")
[ "$1" = 413 ] || it_fail "MAX_BODY_SIZE not in force after reload: $1"
set -- $(it_curl /status -H 'X-Guardian-Token: reload-token-0123456789')
[ "$1" = 200 ] || it_fail "token not accepted: $1"
cp "$IT_CONF" "$IT_TMP/good.conf"
grep -v '^API_TOKEN=' "$IT_TMP/good.conf" >"$IT_CONF"

# LOG_LEVEL reaches every process, the master included.
it_config "LOG_LEVEL=DEBUG"
hup
it_wait_status 200 50 || it_fail "API_TOKEN removal not in force"
i=0
until since | grep -q '"level":"DEBUG","role":"worker"'; do
	i=$((i + 1))
	[ $i -gt 50 ] && it_fail "no debug line from a worker after LOG_LEVEL=DEBUG"
	sleep 0.1
done
since | grep -q '"level":"DEBUG","role":"master"' ||
	it_fail "no debug line from the master after LOG_LEVEL=DEBUG"

# REDIS_DB restarts the learner (the workers stay), which sets up the
# node in the new database.
workers=$(it_children worker | sort)
it_config "REDIS_DB=3"
hup
i=0
while [ "$(it_children learner)" = "$learner" ] || [ -z "$(it_children learner)" ]; do
	i=$((i + 1))
	[ $i -gt 50 ] && it_fail "learner not restarted on REDIS_DB"
	sleep 0.1
done
it_wait_status 200 50 || it_fail "status after REDIS_DB reload"
[ -n "$(redis-cli -p "$REDIS_PORT" -n 3 GET mi_meta:id)" ] ||
	it_fail "no node identity in database 3"
[ "$(it_children oracle-proxy)" = "$oracle" ] ||
	it_fail "oracle-proxy restarted on REDIS_DB"

# ORACLE_TIMEOUT restarts the oracle-proxy only.
learner=$(it_children learner)
it_config "ORACLE_TIMEOUT=3"
hup
i=0
while [ "$(it_children oracle-proxy)" = "$oracle" ] || [ -z "$(it_children oracle-proxy)" ]; do
	i=$((i + 1))
	[ $i -gt 50 ] && it_fail "oracle-proxy not restarted on ORACLE_TIMEOUT"
	sleep 0.1
done
[ "$(it_children learner)" = "$learner" ] || it_fail "learner restarted on ORACLE_TIMEOUT"
set -- $(it_curl /status)
[ "$1" = 200 ] || it_fail "status after ORACLE_TIMEOUT reload: $1"
it_check_log 'Error reloading config'
echo ok
