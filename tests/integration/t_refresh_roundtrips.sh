#!/bin/sh
# The Redis side of a matching /analyze: two round trips whose first one
# already carries a SUNION of the lg_f: sets per digest, then no TTL
# refresh within the window; the per-set fallback (SMEMBERS) when a used
# SUNION fails on a key of another type or brings more members than a
# reply may hold, with the same verdict; and the oc_f: sets, read one
# SMEMBERS at a time only when a digest has >= 4 of them.
. tests/integration/lib.sh
. tests/integration/analyze_lib.sh
an_start

stat() {
	an_redis INFO commandstats | tr -d '\r' |
	    sed -n "s/^cmdstat_$1:calls=\([0-9]*\),.*/\1/p" | grep . || echo 0
}

an_analyze $AN_DATA/spam1.eml
norm=$(echo "$BODY" | sed 's/.*"hashes":\["\([^"]*\)".*/\1/')
an_report 'spam-one@lottery.example' spam
an_analyze $AN_DATA/spam1.eml
an_expect 200 '^\{"action":"spam","label":"local_spam",' "learned"
sleep 0.3

# Within the window: per digest GET, 3 EXISTS and 1 SUNION, one GET of
# the medoid's score, the scan record SET, and nothing else.
an_redis CONFIG RESETSTAT >/dev/null
an_analyze $AN_DATA/spam1.eml
an_expect 200 '"local_spam"' "repeated"
sleep 0.3
nd=$(echo "$BODY" | sed 's/.*"hashes":\[\([^]]*\)\].*/\1/' | tr ',' '\n' | grep -c T1)
[ "$(stat sunion)" = "$nd" ] || it_fail "SUNION calls: $(stat sunion) for $nd digests"
[ "$(stat exists)" = $((3 * nd)) ] || it_fail "EXISTS calls: $(stat exists)"
[ "$(stat expire)" = 0 ] || it_fail "EXPIRE within the window: $(stat expire)"
[ "$(stat smembers)" = 0 ] || it_fail "SMEMBERS without a reason: $(stat smembers)"
[ "$(an_field degraded)" != true ] || it_fail "degraded: $BODY"

# A band key of another type: its SUNION fails, the sets are read one by
# one, the other bands still find the medoid.
band=
for k in $(an_redis --scan --pattern 'lg_f:*'); do
	if an_redis SISMEMBER "$k" "$norm" | grep -q 1; then
		band=$k
		break
	fi
done
[ -n "$band" ] || it_fail "no band of the medoid"
an_redis RENAME "$band" "keep:$band" >/dev/null
an_redis SET "$band" not-a-set >/dev/null
an_redis CONFIG RESETSTAT >/dev/null
an_analyze $AN_DATA/spam1.eml
an_expect 200 '"local_spam"' "wrong type"
echo "$BODY" | grep -q "\"matched\":\"$norm\"" || it_fail "wrong type: $BODY"
[ "$(stat smembers)" -ge 20 ] || it_fail "no fallback: $(stat smembers) SMEMBERS"
an_redis DEL "$band" >/dev/null
an_redis RENAME "keep:$band" "$band" >/dev/null

# More members than a reply holds (16,384): the same.
an_redis EVAL "for i = 1, 16400 do redis.call('SADD', KEYS[1], 'x' .. i) end" \
    1 "$band" >/dev/null
[ "$(an_redis SCARD "$band")" -gt 16384 ] || it_fail "big set"
an_redis CONFIG RESETSTAT >/dev/null
an_analyze $AN_DATA/spam1.eml
an_expect 200 '"local_spam"' "big set"
echo "$BODY" | grep -q "\"matched\":\"$norm\"" || it_fail "big set: $BODY"
[ "$(stat smembers)" -ge 20 ] || it_fail "no fallback: $(stat smembers) SMEMBERS"
an_redis DEL "$band" >/dev/null
an_redis RENAME "keep:$band" "$band" >/dev/null 2>&1

# Three oc_f: bands of the first digest exist: counted, not read.  With a
# fourth, its 20 sets are read and the Oracle-confirmed member decides.
i=0
for b in $(an_bands "$norm"); do
	i=$((i + 1))
	[ $i -le 4 ] || break
	[ $i -le 3 ] && an_redis SADD "oc_f:$b" "$norm" >/dev/null
	last=$b
done
an_redis CONFIG RESETSTAT >/dev/null
an_analyze $AN_DATA/spam1.eml
an_expect 200 '"local_spam"' "three oc_f bands"
[ "$(stat smembers)" = 0 ] || it_fail "oc_f read for 3 bands: $(stat smembers)"
an_redis SADD "oc_f:$last" "$norm" >/dev/null
an_redis CONFIG RESETSTAT >/dev/null
an_analyze $AN_DATA/spam1.eml
an_expect 200 '"oracle_cache_match"' "four oc_f bands"
[ "$(stat smembers)" = 20 ] || it_fail "oc_f sets read: $(stat smembers)"
[ "$(stat sunion)" = "$nd" ] || it_fail "SUNION calls with oc_f: $(stat sunion)"
it_check_log
echo ok
