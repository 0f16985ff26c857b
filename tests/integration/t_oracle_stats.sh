#!/bin/sh
# /stats against the test Oracle (ORACLE_STATS_INTERVAL=1): upstream's
# counters are posted as counts since the last accepted post, nothing is
# posted while they are all zero, and counts of posts the Oracle refused
# are sent with the next one (summed at the Oracle: nothing lost, nothing
# counted twice).
. tests/integration/lib.sh
. tests/integration/analyze_lib.sh
. tests/oracle/lib.sh
. tests/integration/oracle_flows_lib.sh
command -v python3 >/dev/null 2>&1 || it_skip "python3 not installed"
it_setup
trap 'oracle_stop; it_cleanup' EXIT
oracle_start "$IT_TMP" --quiet || it_fail "test Oracle did not start"
it_redis_start
it_config "ORACLE_URL=$ORACLE_URL" "ORACLE_SYNC_INTERVAL=3600" \
    "ORACLE_STATS_INTERVAL=1"
it_guardian_start
node=$(of_node)
stat() {	# stat FIELD: the Oracle's sum for this node
	oracle_state "d['nodes'].get('$node',{}).get('stats',{}).get('$1',0)"
}
posts() {
	oracle_state "d['nodes'].get('$node',{}).get('stats_posts',0)"
}

# Idle: all zero, nothing posted.
sleep 1.5
[ "$(oracle_state 'len(d["requests"]["stats"])')" = 0 ] ||
	it_fail "posted while idle"

# Three scans and a local spam: spam1 reported, spam2 near it.
an_analyze $AN_DATA/ham1.eml
an_analyze $AN_DATA/spam1.eml
an_report 'spam-one@lottery.example' spam
an_analyze $AN_DATA/spam2.eml
an_expect 200 '"label":"local_spam"' "local spam"
of_wait 50 '[ "$(stat scanned_count)" = 3 ]' ||
	it_fail "scanned_count $(stat scanned_count)"
[ "$(stat local_spam_count)" = 1 ] || it_fail "local_spam_count"
[ "$(stat partial_match_count)" = 0 ] || it_fail "partial_match_count"
req=$(oracle_state 'd["requests"]["stats"][-1]["request"]')
for f in node_id scanned_count partial_match_count spam_confirmed_count \
    cached_positive_count cached_negative_count local_spam_count; do
	echo "$req" | grep -q "'$f'" || it_fail "$f missing: $req"
done
n=$(posts)
sleep 1.5
[ "$(posts)" = "$n" ] || it_fail "posted again without news"

# Refused posts (500, then 429): the counts wait for the next success.
oracle_control '{"mode":"error","status":500,"endpoints":["stats"],"count":2}'
an_analyze $AN_DATA/ham1.eml
an_analyze $AN_DATA/ham1.eml
of_wait 80 '[ "$(oracle_state "d[\"switch\"][\"mode\"]")" = normal ]' ||
	it_fail "switch not used"
[ "$(stat scanned_count)" = 3 ] || it_fail "counted while refused"
of_wait 50 '[ "$(stat scanned_count)" = 5 ]' ||
	it_fail "scanned_count after recovery: $(stat scanned_count)"
sleep 1.5
[ "$(stat scanned_count)" = 5 ] || it_fail "counted twice"
[ "$(stat local_spam_count)" = 1 ] || it_fail "local spam counted twice"
grep -q '"msg":"Stats report failed"' "$IT_TMP/guardian.log" ||
	it_fail "failure not logged"
it_check_log
echo ok
