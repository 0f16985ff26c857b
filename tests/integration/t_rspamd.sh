#!/bin/sh
# The Rspamd plugin (conf/rspamd) in a real rspamd, installed the way an
# operator does it (lua/mailuminati.lua loaded by dofile from
# rspamd.local.lua, options in local.d/mailuminati.conf).  rspamadm
# configtest accepts it and rejects a bad option.  spam1 gets no verdict
# before a report, its near-duplicate spam2 gets MAILUMINATI_SPAM (score
# 10, label, source and request_id as options) after it, ham1 nothing.
# With the daemon down a scan still succeeds, quickly, without symbol.
# With API_TOKEN the right token works, a wrong one gives no symbol and an
# error in rspamd's log.  After a ham report spam2 is only
# MAILUMINATI_SUSPICIOUS (score 4).  Three rspamd instances start in
# parallel: "plain" (shipped options), "good" (right token in local.d) and
# "bad" (right token in local.d, a wrong one in a mailuminati section of
# rspamd.conf.local, which must win).
. tests/integration/lib.sh
. tests/integration/analyze_lib.sh

for p in rspamd rspamc rspamadm; do
	command -v $p >/dev/null 2>&1 || it_skip "$p not installed"
done

RS_TOKEN=rspamd-it-token-0123456789
RS_NAMES="plain good bad"
RS_USED=

# rs_pick_port: a free port no other server of this test uses.
rs_pick_port() {
	while :; do
		p=$(it_free_port)
		case " $GUARDIAN_PORT $REDIS_PORT $RS_USED " in
		*" $p "*) ;;
		*) RS_USED="$RS_USED $p"; echo "$p"; return ;;
		esac
	done
}

# rs_stop NAME: TERM to rspamd's main process, which stops its workers;
# KILL to all of them, by PID, if it takes too long.
rs_stop() {
	f=$IT_TMP/rs-$1/pid
	[ -s "$f" ] || return 0
	p=$(cat "$f")
	kids=$(ps -o pid= --ppid "$p" 2>/dev/null)
	kill -TERM "$p" 2>/dev/null
	i=0
	while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	if kill -0 "$p" 2>/dev/null; then
		kill -KILL "$p" $kids 2>/dev/null
	fi
	wait "$p" 2>/dev/null
	rm -f "$f"
}

rs_cleanup() {
	for n in $RS_NAMES; do
		rs_stop "$n"
	done
}

# rs_prepare NAME: the instance's directories and configuration.
rs_prepare() {
	d=$IT_TMP/rs-$1
	mkdir -p "$d/local/lua" "$d/local/local.d" "$d/local/override.d" \
	    "$d/db" "$d/run" "$d/log"
	cp conf/rspamd/mailuminati.lua "$d/local/lua/"
	echo "dofile(\"$d/local/lua/mailuminati.lua\")" >"$d/local/rspamd.local.lua"
	sed "s|^endpoint = .*|endpoint = \"http://127.0.0.1:$GUARDIAN_PORT/analyze\";|" \
	    conf/rspamd/mailuminati.conf >"$d/local/local.d/mailuminati.conf"
	grep -q "^endpoint = \"http://127.0.0.1:$GUARDIAN_PORT/" \
	    "$d/local/local.d/mailuminati.conf" || it_fail "endpoint not set"
	rs_pick_port >"$d/port"
	# A tiny public suffix list: compiling the full one takes ~15 s.
	printf 'com\norg\nnet\nexample\n' >"$d/tld.dat"
	# Only the normal worker and the stock Lua rules (which run
	# rspamd.local.lua); no C filters, no modules.d, DNS to a closed
	# loopback port: nothing leaves the machine.
	cat >"$d/rspamd.conf" <<EOF
lua = "\$RULESDIR/rspamd.lua";
options {
	pidfile = "\$RUNDIR/rspamd.pid";
	filters = "";
	url_tld = "$d/tld.dat";
	cache_file = "\$DBDIR/symbols.cache";
	hs_cache_dir = "\$DBDIR/";
	control_socket = "\$RUNDIR/rspamd.sock mode=0600";
	tempdir = "$d/run";
	task_timeout = 8s;
	dns { nameserver = ["127.0.0.1:9"]; timeout = 1s; retransmits = 1; }
}
actions { reject = 15; add_header = 6; greylist = 4; }
logging {
	type = "file";
	filename = "\$LOGDIR/rspamd.log";
	level = "info";
	log_severity = true;
}
worker "normal" {
	bind_socket = "127.0.0.1:$(cat "$d/port")";
	count = 1;
	mime = true;
}
.include(try=true) "\$LOCAL_CONFDIR/rspamd.conf.local"
EOF
	if [ "$(id -u)" = 0 ]; then
		chown -R nobody:"$(id -gn nobody)" "$d/db" "$d/run" "$d/log"
	fi
}

rs_vars() {
	d=$IT_TMP/rs-$1
	echo "--var=LOCAL_CONFDIR=$d/local --var=DBDIR=$d/db" \
	    "--var=RUNDIR=$d/run --var=LOGDIR=$d/log"
}

rs_start() {
	d=$IT_TMP/rs-$1
	user=
	if [ "$(id -u)" = 0 ]; then
		user="-u nobody -g $(id -gn nobody)"
	fi
	# shellcheck disable=SC2046
	rspamd -f $user $(rs_vars "$1") -c "$d/rspamd.conf" \
	    >"$d/stderr" 2>&1 &
	echo $! >"$d/pid"
}

rs_wait() {
	d=$IT_TMP/rs-$1
	i=0
	until curl -s -m 2 "http://127.0.0.1:$(cat "$d/port")/ping" |
	    grep -q '^pong'; do
		kill -0 "$(cat "$d/pid")" 2>/dev/null || {
			tail -n 20 "$d/stderr" "$d/log/rspamd.log"
			it_fail "rspamd $1 exited"
		}
		i=$((i + 1))
		if [ $i -gt 300 ]; then
			tail -n 20 "$d/stderr" "$d/log/rspamd.log"
			it_fail "rspamd $1 not ready after 30 s"
		fi
		sleep 0.1
	done
}

# rs_scan NAME FILE: sets SCAN (rspamc's report) and SCAN_MS.
rs_scan() {
	d=$IT_TMP/rs-$1
	t0=$(date +%s%N)
	rspamc -h "127.0.0.1:$(cat "$d/port")" -t 10 "$2" >"$IT_TMP/scan" 2>&1 ||
		it_fail "rspamc $1 $2: $(cat "$IT_TMP/scan")"
	SCAN_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
	SCAN=$(cat "$IT_TMP/scan")
	echo "$SCAN" | grep -q '^Action: ' || it_fail "rspamc $1 $2: $SCAN"
}

# rs_symbol NAME: its line of the last scan ("Symbol: NAME (score)[opts]").
rs_symbol() {
	echo "$SCAN" | grep "^Symbol: $1 "
}

rs_no_mailuminati() {
	echo "$SCAN" | grep -q '^Symbol: MAILUMINATI_' &&
		it_fail "$1: unexpected symbol: $SCAN"
	return 0
}

# rs_errors NAME: the plugin's error-level lines in rspamd's log.
rs_errors() {
	grep '\[error\]' "$IT_TMP/rs-$1/log/rspamd.log" | grep 'mailuminati'
}

an_start
trap 'rs_cleanup; it_cleanup' EXIT

for n in $RS_NAMES; do
	rs_prepare "$n"
done
echo "token = \"$RS_TOKEN\";" >>"$IT_TMP/rs-good/local/local.d/mailuminati.conf"
echo "token = \"$RS_TOKEN\";" >>"$IT_TMP/rs-bad/local/local.d/mailuminati.conf"
echo 'mailuminati { token = "not-the-token-0123456789"; }' \
    >"$IT_TMP/rs-bad/local/rspamd.conf.local"

# configtest -s (strict) of the stock configuration with the plugin
# installed in a private LOCAL_CONFDIR (fuzzy_check off: its servers need
# DNS at load); a bad option must make it fail, which also proves it ran
# the plugin.
stock=$IT_TMP/stock
mkdir -p "$stock/local.d" "$stock/override.d" "$stock/db"
cp "$IT_TMP/rs-plain/local/rspamd.local.lua" "$stock/"
cp "$IT_TMP/rs-plain/local/local.d/mailuminati.conf" "$stock/local.d/"
echo 'enabled = false;' >"$stock/override.d/fuzzy_check.conf"
stock_test() {
	rspamadm --var="LOCAL_CONFDIR=$stock" --var="DBDIR=$stock/db" \
	    configtest -s 2>&1
}
out=$(stock_test) || it_fail "configtest -s: $out"
echo "$out" | grep -q '^syntax OK' || it_fail "configtest -s: $out"
echo 'timeout = "soon";' >>"$stock/local.d/mailuminati.conf"
out=$(stock_test) && it_fail "configtest -s accepted a bad timeout: $out"
echo "$out" | grep -q 'mailuminati: invalid timeout "soon", using 5' ||
	it_fail "bad timeout not reported: $out"

for n in $RS_NAMES; do
	rs_start "$n"
done
for n in $RS_NAMES; do
	rs_wait "$n"
done

# Before any report: no verdict for spam1 (but the scan reached the
# daemon: the report below finds its scan record).
rs_scan plain $AN_DATA/spam1.eml
rs_no_mailuminati "spam1 before the report"
an_report '<spam-one@lottery.example>' spam
case "$CODE" in
200|202) ;;
*) it_fail "report of spam1: $CODE $BODY" ;;
esac

rs_scan plain $AN_DATA/spam2.eml
line=$(rs_symbol MAILUMINATI_SPAM) || it_fail "spam2: no MAILUMINATI_SPAM: $SCAN"
echo "$line" | grep -Eq '^Symbol: MAILUMINATI_SPAM \(10\.00\)\[local_spam, source=local, distance=[0-9]+, request_id=[0-9a-f]{16}\]$' ||
	it_fail "spam2: $line"
rid=$(echo "$line" | sed 's/.*request_id=\([0-9a-f]*\).*/\1/')
grep -q "\"request_id\":\"$rid\".*local_spam" "$IT_TMP/guardian.log" ||
	it_fail "request_id $rid not in the daemon's log"
grep "MAILUMINATI_SPAM(10.00){local_spam;source=local;" \
    "$IT_TMP/rs-plain/log/rspamd.log" | grep -q "request_id=$rid" ||
	it_fail "verdict not in rspamd's task log"

rs_scan plain $AN_DATA/ham1.eml
rs_no_mailuminati ham1
[ -z "$(rs_errors plain)" ] ||
	it_fail "errors logged for good answers: $(rs_errors plain)"

# Daemon down: the scan succeeds, without symbol, in well under the
# 5 s timeout, and the reason is logged.
kill -TERM "$IT_GPID"; wait "$IT_GPID"
rs_scan plain $AN_DATA/spam2.eml
rs_no_mailuminati "daemon down"
[ "$SCAN_MS" -lt 2000 ] || it_fail "daemon down: scan took $SCAN_MS ms"
rs_errors plain | grep -q "request to http://127.0.0.1:$GUARDIAN_PORT/analyze failed" ||
	it_fail "daemon down: no error logged"

# API_TOKEN: the right token gets the verdict, a wrong one nothing.
it_config "API_TOKEN=$RS_TOKEN"
it_guardian_start 401
rs_scan good $AN_DATA/spam2.eml
rs_symbol MAILUMINATI_SPAM | grep -q 'local_spam, source=local' ||
	it_fail "right token: $SCAN"
rs_scan bad $AN_DATA/spam2.eml
rs_no_mailuminati "wrong token"
rs_errors bad | grep -q 'answered HTTP 401 (the token option does not match' ||
	it_fail "wrong token: no error logged"
[ -z "$(rs_errors good)" ] || it_fail "right token: $(rs_errors good)"

# A ham report of spam1 lowers the medoid's score under the threshold:
# spam2 is then only a proximity match, MAILUMINATI_SUSPICIOUS (4).
an_report '<spam-one@lottery.example>' ham \
    -H "Authorization: Bearer $RS_TOKEN"
case "$CODE" in
200|202) ;;
*) it_fail "ham report of spam1: $CODE $BODY" ;;
esac
rs_scan good $AN_DATA/spam2.eml
rs_symbol MAILUMINATI_SPAM && it_fail "spam2 after ham: $SCAN"
rs_symbol MAILUMINATI_SUSPICIOUS | grep -Eq '^Symbol: MAILUMINATI_SUSPICIOUS \(4\.00\)\[proximity, source=local, distance=[0-9]+, request_id=[0-9a-f]{16}\]$' ||
	it_fail "spam2 after ham: $SCAN"

# The token is never written to rspamd's log.
grep -q "$RS_TOKEN" "$IT_TMP"/rs-*/log/rspamd.log && it_fail "token logged"
it_check_log
echo ok
