#!/bin/sh
# Sync with the test Oracle: the first sync fills the mi_f: mirror and
# mi_meta:v, a delta adds and removes bands, an escalation through the
# synced mirror gets the Oracle's verdict; RESET_DB keeps the old mirror
# until the full set is in (a failed reset leaves it whole) and then
# removes only what the new set lacks; every sync misbehaviour (bands a
# client must refuse, unknown action, 304, a non-2xx with a delta, 5xx,
# malformed JSON, wrong types, oversized, dropped connection) leaves the
# mirror and mi_meta:v untouched and the daemon serving.
. tests/integration/lib.sh
. tests/integration/analyze_lib.sh
. tests/oracle/lib.sh
. tests/integration/oracle_flows_lib.sh
command -v python3 >/dev/null 2>&1 || it_skip "python3 not installed"
it_setup
trap 'oracle_stop; it_cleanup' EXIT
oracle_start "$IT_TMP" --quiet || it_fail "test Oracle did not start"
spam1=$(an_digests $AN_DATA/spam1.eml | head -n 1)
oracle_seed "{\"spam\":[\"$spam1\"],\"bands\":[\"3:ABC123\"]}" ||
	it_fail "seed"
it_redis_start
it_config "ORACLE_URL=$ORACLE_URL" "ORACLE_SYNC_INTERVAL=1" \
    "ORACLE_STATS_INTERVAL=3600"
it_guardian_start

# First sync: the whole set, and the Oracle's sequence number.
seq=$(oracle_state 'd["seq"]')
of_wait 50 '[ "$(an_redis GET mi_meta:v)" = "$seq" ]' ||
	it_fail "mi_meta:v $(an_redis GET mi_meta:v), Oracle at $seq"
[ "$(of_mirror)" = "$(of_oracle_bands)" ] || it_fail "first sync mirror"
[ "$(of_mirror | wc -l)" = 21 ] || it_fail "mirror size $(of_mirror | wc -l)"
req=$(oracle_state 'd["requests"]["sync"][0]["request"]')
echo "$req" | grep -q "'current_seq': 0" || it_fail "first request: $req"
echo "$req" | grep -q "'version': '0.7.6'" || it_fail "first request: $req"

# The synced mirror drives an escalation; the verdict is cached.
an_analyze $AN_DATA/spam1.eml
an_expect 200 '^\{"action":"spam","label":"oracle_spam",' "escalated"
an_analyze $AN_DATA/spam1.eml
an_expect 200 '"source":"oracle_cache"' "cached"
[ "$(oracle_state 'len(d["requests"]["analyze"])')" = 1 ] ||
	it_fail "the cache did not answer"

# A delta: one band in, one out.
oracle_seed '{"bands":["20:FEDCBA"],"del_bands":["3:ABC123"]}' || it_fail "delta"
seq=$(oracle_state 'd["seq"]')
of_wait 50 '[ "$(an_redis GET mi_meta:v)" = "$seq" ]' || it_fail "delta seq"
[ "$(an_redis EXISTS mi_f:20:FEDCBA)" = 1 ] || it_fail "delta add"
[ "$(an_redis EXISTS mi_f:3:ABC123)" = 0 ] || it_fail "delta del"
[ "$(of_mirror)" = "$(of_oracle_bands)" ] || it_fail "mirror after delta"

# Misbehaviours: nothing applied, the next normal sync is.
n=0
for sw in '"mode":"bad_bands"' '"mode":"unknown_action"' \
    '"mode":"not_modified"' '"mode":"bad_status_verdict","status":500' \
    '"mode":"error","status":503' '"mode":"malformed"' \
    '"mode":"wrong_shape"' '"mode":"oversized","size":5000000' \
    '"mode":"drop"'; do
	n=$((n + 1))
	oracle_seed "{\"bands\":[\"5:00000$n\"]}" || it_fail "seed $n"
	oracle_control "{$sw,\"endpoints\":[\"sync\"],\"count\":1}" ||
		it_fail "control $sw"
	of_wait 50 '[ "$(oracle_state "d[\"switch\"][\"mode\"]")" = normal ]' ||
		it_fail "$sw: no sync"
	set -- $(it_curl /status)
	[ "$1" = 200 ] || it_fail "$sw: status $1"
	seq=$(oracle_state 'd["seq"]')
	of_wait 80 '[ "$(an_redis GET mi_meta:v)" = "$seq" ]' ||
		it_fail "$sw: no recovery"
	# Nothing of the misbehaving answer reached Redis.
	[ "$(of_mirror)" = "$(of_oracle_bands)" ] || it_fail "$sw: mirror"
done
grep -q '"msg":"Sync failed"' "$IT_TMP/guardian.log" || it_fail "no warning"
grep -q '"msg":"Sync action ignored","action":"NOTHING_TO_DO"' \
    "$IT_TMP/guardian.log" || it_fail "unknown action not logged"

# RESET_DB answered twice: the full set cannot be had, the mirror stays.
an_redis SET mi_f:7:0DD0DD 1 >/dev/null
mirror=$(of_mirror)
seq=$(an_redis GET mi_meta:v)
oracle_control '{"mode":"reset","count":2}' || it_fail "reset switch"
of_wait 50 '[ "$(oracle_state "d[\"switch\"][\"mode\"]")" = normal ]' ||
	it_fail "no reset"
[ "$(of_mirror)" = "$mirror" ] || it_fail "mirror changed by a failed reset"
[ "$(an_redis GET mi_meta:v)" = "$seq" ] || it_fail "seq after failed reset"
an_analyze $AN_DATA/spam2.eml
an_expect 200 '"action":"spam"' "served during the reset"
# Then the full set comes: the stray band goes, the others never left.
of_wait 100 '[ "$(an_redis EXISTS mi_f:7:0DD0DD)" = 0 ]' ||
	it_fail "stale band kept"
[ "$(of_mirror)" = "$(of_oracle_bands)" ] || it_fail "mirror after reset"
[ "$(an_redis GET mi_meta:v)" = "$(oracle_state 'd["seq"]')" ] ||
	it_fail "seq after reset"
grep -q '"msg":"Mirror replaced"' "$IT_TMP/guardian.log" ||
	it_fail "no replacement logged"

# A reset that works at once: sampled all along, every band of the set
# stays in the mirror.
oracle_control '{"mode":"reset","count":1}' || it_fail "reset switch"
want=$(of_oracle_bands)
i=0
while [ $i -lt 20 ]; do
	missing=$(echo "$want" | while read -r b; do
		[ "$(an_redis EXISTS "mi_f:$b")" = 1 ] || echo "$b"; done)
	[ -z "$missing" ] || it_fail "band(s) missing during a reset: $missing"
	i=$((i + 1))
done
[ "$(of_mirror)" = "$want" ] || it_fail "mirror after the second reset"
it_check_log
echo ok
