#!/bin/sh
# The durable report outbox against the test Oracle: reports made while
# the Oracle fails (5xx, 429, dropped connections) answer 202 queued, the
# depth shows in /metrics, and once the Oracle is back every report is
# delivered exactly once, in order; the same across a stop and restart
# of the whole daemon.  A definitive 4xx is relayed and not retried; a
# full outbox refuses a report before learning from it.
. tests/integration/lib.sh
. tests/integration/analyze_lib.sh
. tests/oracle/lib.sh
. tests/integration/oracle_flows_lib.sh
command -v python3 >/dev/null 2>&1 || it_skip "python3 not installed"
it_setup
trap 'oracle_stop; it_cleanup' EXIT
oracle_start "$IT_TMP" --quiet || it_fail "test Oracle did not start"
it_redis_start
it_config "ORACLE_URL=$ORACLE_URL" "REPORT_OUTBOX_MAX=6" \
    "ORACLE_SYNC_INTERVAL=3600" "ORACLE_STATS_INTERVAL=3600"
it_guardian_start
node=$(of_node)

# report N: scans variant N and reports it as ham (always forwarded).
report() {
	an_analyze "$(of_variant "$1")"
	[ "$CODE" = 200 ] || it_fail "analyze $1: $CODE"
	an_report "ham-$1@example.org" ham
}
delivered() {	# delivered N: times the Oracle applied variant N
	oracle_state "d['nodes'].get('$node',{}).get('signatures',{}).get('ham',{}).get('$(of_digest "$1")',0)"
}

# Reachable: the Oracle's answer is relayed, nothing stays queued.
report 1
an_expect 200 '"status": *"ok"' "relayed"
[ "$(an_redis LLEN mi:outbox:reports)" = 0 ] || it_fail "entry left"

# Down in three ways: every report is queued.
oracle_control '{"mode":"error","status":503,"endpoints":["report"]}'
report 2
an_expect 202 '^\{"status":"queued"\}$' "503"
oracle_control '{"mode":"ratelimit","endpoints":["report"]}'
report 3
an_expect 202 '^\{"status":"queued"\}$' "429"
oracle_control '{"mode":"drop","endpoints":["report"]}'
report 4
an_expect 202 '^\{"status":"queued"\}$' "dropped"
[ "$(an_redis LLEN mi:outbox:reports)" = 3 ] || it_fail "depth"
[ "$(an_metric guardian_report_outbox_depth)" = 3 ] ||
	it_fail "gauge $(an_metric guardian_report_outbox_depth)"
set -- $(it_curl /status)
[ "$1" = 200 ] || it_fail "status while down: $1"

# Back: all delivered once, oldest first.
oracle_control '{"mode":"normal"}'
of_wait 150 '[ "$(an_redis LLEN mi:outbox:reports)" = 0 ]' ||
	it_fail "outbox not drained: $(an_redis LLEN mi:outbox:reports)"
for i in 1 2 3 4; do
	[ "$(delivered $i)" = 1 ] || it_fail "report $i delivered $(delivered $i) times"
done
order=$(oracle_state "' '.join(r['request']['signatures'][0][-6:] for r in d['requests']['report'] if r['applied'])")
want=
for i in 1 2 3 4; do
	want="$want${want:+ }$(of_digest $i | cut -c67-72)"
done
[ "$order" = "$want" ] || it_fail "order: $order, want $want"
of_wait 30 '[ "$(an_metric guardian_report_outbox_depth)" = 0 ]' ||
	it_fail "gauge after drain"

# A definitive 4xx: relayed, not retried.
oracle_control '{"mode":"error","status":400,"endpoints":["report"],"count":1}'
report 5
an_expect 400 '"error"' "4xx relayed"
[ "$(an_redis LLEN mi:outbox:reports)" = 0 ] || it_fail "4xx kept"

# Across a restart of the daemon: queued while the Oracle fails, the
# daemon stopped and started again, then the Oracle comes back.
oracle_control '{"mode":"error","status":502,"endpoints":["report"]}'
for i in 6 7 8; do
	report $i
	an_expect 202 queued "queued $i"
done
kill -TERM "$IT_GPID"
wait "$IT_GPID" 2>/dev/null
[ "$(an_redis LLEN mi:outbox:reports)" = 3 ] || it_fail "lost at stop"
it_guardian_start
[ "$(an_redis LLEN mi:outbox:reports)" = 3 ] || it_fail "lost at start"
oracle_control '{"mode":"normal"}'
of_wait 150 '[ "$(an_redis LLEN mi:outbox:reports)" = 0 ]' ||
	it_fail "not drained after restart"
for i in 6 7 8; do
	[ "$(delivered $i)" = 1 ] || it_fail "report $i delivered $(delivered $i) times"
done

# Full (REPORT_OUTBOX_MAX=6): refused before learning, so a retry works.
# Accepted in all: 1-4, 6-8, 11-17 (the 400 applied nothing).
oracle_control '{"mode":"error","status":503,"endpoints":["report"]}'
for i in 11 12 13 14 15 16; do
	report $i
	an_expect 202 queued "queued $i"
done
report 17
an_expect 503 '^\{"error":"report outbox full"\}$' "full"
[ "$(an_redis EXISTS "mi:rpt:$(an_sha1 '<ham-17@example.org>'):ham")" = 0 ] ||
	it_fail "a refused report was applied"
oracle_control '{"mode":"normal"}'
of_wait 150 '[ "$(an_redis LLEN mi:outbox:reports)" = 0 ]' ||
	it_fail "not drained"
an_report "ham-17@example.org" ham
an_expect 200 '"status": *"ok"' "retry after full"
[ "$(oracle_state "d['nodes']['$node']['reports_accepted']")" = 14 ] ||
	it_fail "accepted $(oracle_state "d['nodes']['$node']['reports_accepted']")"
it_check_log
echo ok
