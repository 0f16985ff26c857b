#!/bin/sh
# SPAM_THRESHOLD, SPAM_WEIGHT, HAM_WEIGHT and LOCAL_RETENTION_DAYS: a
# threshold that one report does not reach and a second report (another
# Message-ID, a near-identical mail) does; weights changed by a reload;
# band and score TTLs follow the retention, a hit on a medoid refreshes
# its bands and score together, at most once per window (retention/1000)
# until a reload, and expired keys end the verdict.
. tests/integration/lib.sh
. tests/integration/analyze_lib.sh
an_start "SPAM_THRESHOLD=3" "LOCAL_RETENTION_DAYS=2"

# SIGHUP, then wait until the learner applied it.
reload() {
	before=$(grep -c '"role":"learner".*"msg":"Configuration reloaded"' "$IT_TMP/guardian.log")
	kill -HUP "$IT_GPID"
	i=0
	until [ "$(grep -c '"role":"learner".*"msg":"Configuration reloaded"' "$IT_TMP/guardian.log")" -gt "$before" ]; do
		i=$((i + 1)); [ $i -gt 50 ] && it_fail "no reload"; sleep 0.1
	done
	sleep 0.5
}
expires() {
	an_redis INFO commandstats | tr -d '\r' |
	    sed -n 's/^cmdstat_expire:calls=\([0-9]*\),.*/\1/p' | grep . || echo 0
}
shorten() {
	an_redis EXPIRE "lg_s:$norm" 100 >/dev/null
	for k in $(an_redis --scan --pattern 'lg_f:*'); do
		an_redis EXPIRE "$k" 100 >/dev/null
	done
}

an_analyze $AN_DATA/spam1.eml
norm=$(echo "$BODY" | sed 's/.*"hashes":\["\([^"]*\)".*/\1/')
an_report 'spam-one@lottery.example' spam
# Both digests of spam1 cluster on one medoid, as upstream: 1 + 1.
[ "$(an_redis GET "lg_s:$norm")" = 2 ] ||
	it_fail "score after one report: $(an_redis GET "lg_s:$norm")"
an_analyze $AN_DATA/spam2.eml
an_expect 200 '^\{"action":"allow","proximity_match":true,' "below threshold"
echo "$BODY" | grep -q '"score":2,' || it_fail "score shown: $BODY"
an_report 'spam-two@lottery.example' spam
an_expect 200 '"skipped_oracle"' "second report"
[ "$(an_redis GET "lg_s:$norm")" = 4 ] ||
	it_fail "score after two reports: $(an_redis GET "lg_s:$norm")"
an_analyze $AN_DATA/spam2.eml
an_expect 200 '^\{"action":"spam","label":"local_spam",' "threshold reached"

# Retention: 2 days on the score and the bands.
band=$(an_redis --scan --pattern 'lg_f:1:*' | head -n 1)
for k in "lg_s:$norm" "$band"; do
	t=$(an_redis TTL "$k")
	[ "$t" -gt 172000 ] && [ "$t" -le 172800 ] || it_fail "TTL of $k: $t"
done
# A hit on the medoid refreshes its score and bands together (after a
# reload: the analyze above refreshed them less than a window ago).
shorten
reload
an_analyze $AN_DATA/spam2.eml
an_expect 200 '"local_spam"' "hit before refresh"
sleep 0.3
[ "$(an_redis TTL "lg_s:$norm")" -gt 172000 ] || it_fail "score not refreshed"
for k in $(an_redis --scan --pattern 'lg_f:*'); do
	if an_redis SISMEMBER "$k" "$norm" | grep -q 1; then
		[ "$(an_redis TTL "$k")" -gt 172000 ] ||
			it_fail "band $k of the medoid not refreshed"
	fi
done

# Within the window (172 s for 2 days) the same hit sends no EXPIRE at
# all, even for keys shortened behind the daemon's back...
shorten
e0=$(expires)
an_analyze $AN_DATA/spam2.eml
an_expect 200 '"local_spam"' "hit within the window"
sleep 0.3
[ "$(expires)" = "$e0" ] || it_fail "EXPIRE sent within the window: $e0 -> $(expires)"
t=$(an_redis TTL "lg_s:$norm")
[ "$t" -le 100 ] && [ "$t" -gt 0 ] || it_fail "score refreshed within the window: $t"
# ...and after a reload it refreshes them again, score and bands.
reload
an_analyze $AN_DATA/spam2.eml
an_expect 200 '"local_spam"' "hit after a reload"
sleep 0.3
[ "$(expires)" -gt "$e0" ] || it_fail "no EXPIRE after a reload"
[ "$(an_redis TTL "lg_s:$norm")" -gt 172000 ] ||
	it_fail "score not refreshed after a reload"
for k in $(an_redis --scan --pattern 'lg_f:*'); do
	if an_redis SISMEMBER "$k" "$norm" | grep -q 1; then
		[ "$(an_redis TTL "$k")" -gt 172000 ] ||
			it_fail "band $k not refreshed after a reload"
	fi
done

# Weights follow a reload.
sed -i '/^SPAM_THRESHOLD=/d' "$IT_CONF"
it_config "SPAM_WEIGHT=5" "HAM_WEIGHT=1"
reload
an_analyze $AN_DATA/ham1.eml
hnorm=$(echo "$BODY" | sed 's/.*"hashes":\["\([^"]*\)".*/\1/')
an_report 'ham-one@example.org' spam
[ "$(an_redis GET "lg_s:$hnorm")" = 5 ] ||
	it_fail "SPAM_WEIGHT 5: $(an_redis GET "lg_s:$hnorm")"
an_report 'ham-one@example.org' ham
[ "$(an_redis GET "lg_s:$hnorm")" = 4 ] ||
	it_fail "HAM_WEIGHT 1: $(an_redis GET "lg_s:$hnorm")"

# Expiry: without its score the medoid is only a near-miss, without its
# bands nothing is left.
an_redis DEL "lg_s:$norm" >/dev/null
an_analyze $AN_DATA/spam2.eml
an_expect 200 '^\{"action":"allow","proximity_match":true,' "score expired"
for k in $(an_redis --scan --pattern 'lg_f:*'); do
	an_redis PEXPIRE "$k" 1 >/dev/null
done
sleep 0.1
an_analyze $AN_DATA/spam2.eml
an_expect 200 '^\{"action":"allow","proximity_match":false,' "bands expired"
it_check_log
echo ok
