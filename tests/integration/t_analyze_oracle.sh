#!/bin/sh
# Escalation to the Oracle: >= 4 mi_f: bands and no cached verdict make
# the worker ask the (test) Oracle; its spam verdict is the answer and is
# cached as upstream does (mi:oracle_cache: for 1 h, the digest in oc_f:
# for 1 h), so the next scan is an exact cache hit without a request and a
# near-duplicate is an oracle_cache_match.  A ham report is forwarded and
# the Oracle's status and body relayed.  Redis going away makes /analyze
# fail open with "degraded":true and counts a Redis error.
. tests/integration/lib.sh
. tests/integration/analyze_lib.sh
. tests/oracle/lib.sh
command -v python3 >/dev/null 2>&1 || it_skip "python3 not installed"
it_setup
trap 'oracle_stop; it_cleanup' EXIT
oracle_start "$IT_TMP" --quiet || it_fail "test Oracle did not start"
it_redis_start
it_config "ORACLE_URL=$ORACLE_URL"
it_guardian_start

spam1_n=$(an_digests $AN_DATA/spam1.eml | head -n 1)
oracle_seed "{\"spam\":[\"$spam1_n\"]}" || it_fail "seed"
for b in $(an_bands "$spam1_n"); do
	an_redis SET "mi_f:$b" 1 >/dev/null
done
an_analyze $AN_DATA/spam1.eml
an_expect 200 '^\{"action":"spam","label":"oracle_spam","proximity_match":true,"distance":0,"hashes":' \
    "Oracle verdict"
echo "$BODY" | grep -q "\"match\":{\"source\":\"oracle\",\"digest\":\"$spam1_n\",\"matched\":\"$spam1_n\",\"distance\":0}" ||
	it_fail "oracle match: $BODY"
[ "$(oracle_state 'len(d["requests"]["analyze"])')" = 1 ] ||
	it_fail "Oracle requests: $(oracle_state 'len(d["requests"]["analyze"])')"
v=$(an_redis GET "mi:oracle_cache:$spam1_n")
[ "$v" = '{"action":"spam","label":"oracle_spam","proximity_match":true}' ] ||
	it_fail "cached verdict: $v"
t=$(an_redis TTL "mi:oracle_cache:$spam1_n")
[ "$t" -gt 3500 ] && [ "$t" -le 3600 ] || it_fail "cache TTL $t"
for b in $(an_bands "$spam1_n"); do
	[ "$(an_redis SISMEMBER "oc_f:$b" "$spam1_n")" = 1 ] ||
		it_fail "oc_f:$b"
	t=$(an_redis TTL "oc_f:$b")
	[ "$t" -gt 3500 ] && [ "$t" -le 3600 ] || it_fail "oc_f TTL $t"
done
[ "$(an_metric 'mailuminati_guardian_oracle_match_total{type="complete"}')" = 1 ] ||
	it_fail "complete not counted"

an_analyze $AN_DATA/spam1.eml
an_expect 200 '^\{"action":"spam","label":"oracle_spam",' "cache hit"
echo "$BODY" | grep -q '"source":"oracle_cache"' || it_fail "source: $BODY"
[ "$(oracle_state 'len(d["requests"]["analyze"])')" = 1 ] ||
	it_fail "the Oracle was asked again"
an_analyze $AN_DATA/spam2.eml
an_expect 200 '^\{"action":"spam","label":"oracle_cache_match",' "oc_f"

an_report 'spam-one@lottery.example' ham
an_expect 200 '"status": *"ok"' "ham relayed"
grep -qi '^content-type: application/json' "$IT_TMP/headers" ||
	it_fail "relay content type"
[ "$(oracle_state 'len(d["requests"]["report"])')" = 1 ] ||
	it_fail "report not forwarded"

it_redis_stop
an_analyze $AN_DATA/spam1.eml
an_expect 200 '^\{"action":"allow","proximity_match":false,.*"degraded":true\}$' \
    "Redis down"
[ "$(an_metric guardian_redis_errors_total)" -ge 1 ] ||
	it_fail "Redis error not counted"
it_check_log
echo ok
