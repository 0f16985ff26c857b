#!/bin/sh
# Every misbehaviour of the test Oracle during escalation and reporting
# leaves the daemon serving and correct: a slow, failing, rate-limiting,
# malformed, wrongly shaped, oversized, dropped or non-2xx-with-a-spam-
# verdict answer to /analyze makes the digest a partial match (allow,
# proximity, within ORACLE_TIMEOUT) and caches nothing; the same answers
# to /report are relayed (a 2xx, even malformed), or 502 for an answer
# too large to relay, or queued (5xx, 429, dropped) and delivered once
# the Oracle behaves.  The Oracle's own spam verdict then works again.
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
it_config "ORACLE_URL=$ORACLE_URL" "ORACLE_TIMEOUT=1" \
    "ORACLE_SYNC_INTERVAL=1" "ORACLE_STATS_INTERVAL=3600"
it_guardian_start
node=$(of_node)
of_wait 50 '[ "$(an_redis EXISTS "mi_f:$(an_bands "$spam1" | head -n 1)")" = 1 ]' ||
	it_fail "mirror not synced"

# misbehave SWITCH ENDPOINT: ENDPOINT gets SWITCH until normal again.
misbehave() {
	oracle_control "{$1,\"endpoints\":[\"$2\"]}" || it_fail "control $1"
}
# asked MODE ENDPOINT: a request of ENDPOINT met MODE (each mode is
# used once per endpoint).
asked() {
	[ "$(oracle_state "any(r['mode'] == '$1' for r in d['requests']['$2'])")" = True ]
}

# A normal sync resets the proxy's count of consecutive failures (5
# open its circuit); every case fails at most two requests, so once
# every second case is enough.
n_settle=0
settle() {
	n_settle=$((n_settle + 1))
	[ $((n_settle % 2)) = 0 ] || return 0
	_s=$(oracle_state 'len(d["requests"]["sync"])')
	of_wait 50 "[ \"\$(oracle_state 'len(d[\"requests\"][\"sync\"])')\" -gt $_s ]" ||
		it_fail "no sync"
}

for sw in '"mode":"slow","delay":3' '"mode":"error","status":500' \
    '"mode":"ratelimit"' '"mode":"malformed"' '"mode":"wrong_shape"' \
    '"mode":"oversized","size":300000' '"mode":"drop"' \
    '"mode":"bad_status_verdict","status":500'; do
	# spam1 has two digests, both in the mirror: both are asked.
	misbehave "$sw" analyze
	start=$(date +%s)
	an_analyze $AN_DATA/spam1.eml
	oracle_control '{"mode":"normal"}' || it_fail "normal"
	an_expect 200 '^\{"action":"allow","proximity_match":true,' "$sw"
	[ $(( $(date +%s) - start )) -le 4 ] || it_fail "$sw: too slow"
	mode=$(echo "$sw" | sed 's/^"mode":"\([a-z_]*\)".*/\1/')
	# A slow answer is logged once it is sent, after the timeout.
	of_wait 40 'asked $mode analyze' || it_fail "$sw: the Oracle was not asked"
	[ -z "$(an_redis --scan --pattern 'mi:oracle_cache:*')" ] ||
		it_fail "$sw: a verdict was cached"
	set -- $(it_curl /status)
	[ "$1" = 200 ] || it_fail "$sw: status $1"
	settle
done
[ "$(an_metric 'mailuminati_guardian_oracle_match_total{type="partial"}')" -ge 16 ] ||
	it_fail "partial matches not counted"

# Reports: variant i gets switch i.
i=0
for sw in '"mode":"malformed"' '"mode":"wrong_shape"' \
    '"mode":"oversized","size":300000' '"mode":"error","status":500' \
    '"mode":"ratelimit"' '"mode":"drop"' \
    '"mode":"bad_status_verdict","status":503'; do
	i=$((i + 1))
	an_analyze "$(of_variant $i)"
	misbehave "$sw" report
	an_report "ham-$i@example.org" ham
	oracle_control '{"mode":"normal"}' || it_fail "normal"
	case "$sw" in
	*malformed*|*wrong_shape*) an_expect 200 . "$sw" ;;
	*oversized*) an_expect 502 '^\{"error":"Invalid Oracle answer"\}$' "$sw" ;;
	*) an_expect 202 '^\{"status":"queued"\}$' "$sw" ;;
	esac
	settle
done
of_wait 150 '[ "$(an_redis LLEN mi:outbox:reports)" = 0 ]' ||
	it_fail "outbox not drained"
j=1
while [ $j -le $i ]; do
	got=$(oracle_state "d['nodes']['$node']['signatures']['ham'].get('$(of_digest $j)',0)")
	[ "$got" = 1 ] || it_fail "report $j delivered $got times"
	j=$((j + 1))
done

# Behaving again: the Oracle's verdict is taken and cached.
an_analyze $AN_DATA/spam1.eml
an_expect 200 '^\{"action":"spam","label":"oracle_spam",' "recovered"
[ "$(an_redis EXISTS "mi:oracle_cache:$spam1")" = 1 ] || it_fail "not cached"
it_check_log
echo ok
