#!/bin/sh
# ORACLE_ENABLED=false runs fully local: no request of any kind reaches
# the Oracle (sync, stats, escalation, reports), the mi_f: mirror is not
# consulted, and a report is learned from and answered 200
# {"status":"skipped_oracle","reason":"oracle_disabled"} without being
# queued.
. tests/integration/lib.sh
. tests/integration/analyze_lib.sh
. tests/oracle/lib.sh
. tests/integration/oracle_flows_lib.sh
command -v python3 >/dev/null 2>&1 || it_skip "python3 not installed"
it_setup
trap 'oracle_stop; it_cleanup' EXIT
oracle_start "$IT_TMP" --quiet || it_fail "test Oracle did not start"
spam1=$(an_digests $AN_DATA/spam1.eml | head -n 1)
oracle_seed "{\"spam\":[\"$spam1\"]}" || it_fail "seed"
it_redis_start
it_config "ORACLE_URL=$ORACLE_URL" "ORACLE_ENABLED=false" \
    "ORACLE_SYNC_INTERVAL=1" "ORACLE_STATS_INTERVAL=1"
it_guardian_start
# A mirror left from an earlier life of the node: ignored.
for b in $(an_bands "$spam1"); do
	an_redis SET "mi_f:$b" 1 >/dev/null
done
an_analyze $AN_DATA/spam1.eml
an_expect 200 '^\{"action":"allow","proximity_match":false,' "no escalation"
an_report 'spam-one@lottery.example' ham
an_expect 200 '^\{"status":"skipped_oracle","reason":"oracle_disabled"\}$' \
    "report"
[ "$(an_redis EXISTS "mi:rpt:$(an_sha1 '<spam-one@lottery.example>'):ham")" = 1 ] ||
	it_fail "report not applied locally"
[ "$(an_redis LLEN mi:outbox:reports)" = 0 ] || it_fail "report queued"
sleep 2.5
for e in sync analyze report stats; do
	[ "$(oracle_state "len(d['requests']['$e'])")" = 0 ] ||
		it_fail "$e reached the Oracle"
done
[ "$(an_redis GET mi_meta:v)" = 0 ] || it_fail "mi_meta:v moved"
grep -q 'ORACLE_ENABLED=false' "$IT_TMP/guardian.log" ||
	it_fail "fully local mode not logged"
it_check_log
echo ok
