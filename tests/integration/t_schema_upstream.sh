#!/bin/sh
# Upstream's Redis schema both ways.  Keys written exactly as upstream
# writes them (values, TTLs) are read: lg_f:+lg_s: give local_spam, a
# cached Oracle spam verdict gives an exact cache hit with the Oracle's
# label, an oc_f: set gives oracle_cache_match, mi_f: bands with the
# Oracle unreachable give allow + proximity (a partial match, not
# cached), a cached allow is a negative cache hit.  Keys this daemon
# writes have upstream's formats and TTLs.
. tests/integration/lib.sh
. tests/integration/analyze_lib.sh
an_start

spam1_n=$(an_digests $AN_DATA/spam1.eml | head -n 1)
spam1_r=$(an_digests $AN_DATA/spam1.eml | tail -n 1)
ham1_n=$(an_digests $AN_DATA/ham1.eml | head -n 1)
[ -n "$spam1_n" ] && [ -n "$ham1_n" ] || it_fail "guardianctl digests"
flush() {
	for k in $(an_redis --scan); do
		case "$k" in mi_meta:*) ;; *) an_redis DEL "$k" >/dev/null ;; esac
	done
}

# reportHandler: SADD + EXPIRE per band, INCRBY + EXPIRE of the score.
for b in $(an_bands "$ham1_n"); do
	an_redis SADD "lg_f:$b" "$ham1_n" >/dev/null
	an_redis EXPIRE "lg_f:$b" 1296000 >/dev/null
done
an_redis INCRBY "lg_s:$ham1_n" 1 >/dev/null
an_redis EXPIRE "lg_s:$ham1_n" 1296000 >/dev/null
an_analyze $AN_DATA/ham1.eml
an_expect 200 '^\{"action":"spam","label":"local_spam","proximity_match":true,"distance":0,' \
    "upstream lg_f/lg_s"
echo "$BODY" | grep -q '"match":{"source":"local",.*"score":1,"bands":20}' ||
	it_fail "local match: $BODY"
flush

# callOracleDecision's cache, Go's encoding (distance omitted when 0).
an_redis SET "mi:oracle_cache:$spam1_n" \
    '{"action":"spam","label":"oracle_spam","proximity_match":true}' EX 3600 >/dev/null
an_analyze $AN_DATA/spam1.eml
an_expect 200 '^\{"action":"spam","label":"oracle_spam","proximity_match":true,"hashes":' \
    "exact cache hit"
echo "$BODY" | grep -q "\"match\":{\"source\":\"oracle_cache\",\"digest\":\"$spam1_n\",\"matched\":\"$spam1_n\",\"distance\":0}" ||
	it_fail "cache match: $BODY"
an_redis SET "mi:oracle_cache:$spam1_n" \
    '{"action":"spam","label":"oracle_spam","proximity_match":true,"distance":12}' EX 3600 >/dev/null
an_analyze $AN_DATA/spam1.eml
an_expect 200 '^\{"action":"spam","label":"oracle_spam","proximity_match":true,"distance":12,' \
    "exact cache hit with distance"
flush

# oc_f: the bands of an Oracle-confirmed digest (spam1's raw body).
for b in $(an_bands "$spam1_r"); do
	an_redis SADD "oc_f:$b" "$spam1_r" >/dev/null
	an_redis EXPIRE "oc_f:$b" 3600 >/dev/null
done
an_analyze $AN_DATA/spam2.eml
an_expect 200 '^\{"action":"spam","label":"oracle_cache_match","proximity_match":true,"distance":[0-9]+,' \
    "oc_f proximity"
echo "$BODY" | grep -q "\"source\":\"oracle_cache_proximity\",.*\"matched\":\"$spam1_r\"" ||
	it_fail "oc_f match: $BODY"
[ "$(an_field distance)" -le 70 ] || it_fail "oc_f distance"
flush

# mi_f: (doSync) with the Oracle unreachable: partial, nothing cached.
for b in $(an_bands "$ham1_n"); do
	an_redis SET "mi_f:$b" 1 >/dev/null
done
an_analyze $AN_DATA/ham1.eml
an_expect 200 '^\{"action":"allow","proximity_match":true,"hashes":' \
    "mirror, Oracle down"
[ "$(an_redis EXISTS "mi:oracle_cache:$ham1_n")" = 0 ] ||
	it_fail "an unreachable Oracle was cached"
[ "$(an_metric 'mailuminati_guardian_oracle_match_total{type="partial"}')" = 1 ] ||
	it_fail "partial not counted"
an_redis SET "mi:oracle_cache:$ham1_n" \
    '{"action":"allow","proximity_match":false}' EX 300 >/dev/null
an_analyze $AN_DATA/ham1.eml
an_expect 200 '^\{"action":"allow","proximity_match":true,"hashes":' \
    "mirror, cached allow"
[ "$(an_metric 'mailuminati_guardian_cache_hits_total{result="negative"}')" = 1 ] ||
	it_fail "negative cache hit not counted"
grep -q 'oracle: analyze' "$IT_TMP/guardian.log" ||
	grep -q '"role":"oracle-proxy".*analyze' "$IT_TMP/guardian.log" ||
	it_fail "the Oracle was not asked"
flush

# What we write: the scan record, the score, the bands, the dedup key.
an_analyze $AN_DATA/spam1.eml
h=$(an_sha1 '<spam-one@lottery.example>')
v=$(an_redis GET "mi:msgid:$h")
echo "$v" | grep -Eq "^\{\"hashes\":\[\"$spam1_n\",\"$spam1_r\"\],\"timestamp\":[0-9]{10}\}$" ||
	it_fail "scan record: $v"
t=$(an_redis TTL "mi:msgid:$h")
[ "$t" -gt 604700 ] && [ "$t" -le 604800 ] || it_fail "scan TTL $t"
an_analyze $AN_DATA/tiny.eml
v=$(an_redis GET "mi:msgid:$(an_sha1 '<tiny@x>')")
echo "$v" | grep -Eq '^\{"hashes":null,"timestamp":[0-9]{10}\}$' ||
	it_fail "empty scan record: $v"
an_report 'spam-one@lottery.example' spam
[ "$(an_redis GET "lg_s:$spam1_n")" = 2 ] || it_fail "lg_s value"
[ "$(an_redis TYPE "lg_s:$spam1_n")" = string ] || it_fail "lg_s type"
for b in $(an_bands "$spam1_n"); do
	[ "$(an_redis SMEMBERS "lg_f:$b")" = "$spam1_n" ] ||
		it_fail "lg_f:$b members"
	t=$(an_redis TTL "lg_f:$b")
	[ "$t" -gt 1295900 ] && [ "$t" -le 1296000 ] || it_fail "lg_f TTL $t"
done
t=$(an_redis TTL "lg_s:$spam1_n")
[ "$t" -gt 1295900 ] && [ "$t" -le 1296000 ] || it_fail "lg_s TTL $t"
[ "$(an_redis GET "mi:rpt:$h:spam")" = 1 ] || it_fail "dedup value"
t=$(an_redis TTL "mi:rpt:$h:spam")
[ "$t" -gt 86300 ] && [ "$t" -le 86400 ] || it_fail "dedup TTL $t"
it_check_log
echo ok
