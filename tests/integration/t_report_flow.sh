#!/bin/sh
# /report answers: validation (400, 413), unknown Message-ID (404) that
# does not consume the de-duplication slot, duplicates (409 with a JSON
# content type), a message without digests (400), spam known locally
# (skipped_oracle), the Oracle unreachable (202, queued), and a ham
# report that lowers the medoid's score so the near-duplicate is only a
# proximity match.  Concurrent identical reports are applied once.
. tests/integration/lib.sh
. tests/integration/analyze_lib.sh
an_start

set -- $(it_curl /report -X GET)
[ "$1" = 405 ] || it_fail "GET /report: $1"
set -- $(it_curl /report -d '{invalid json')
[ "$*" = '400 {"error":"Invalid JSON body"}' ] || it_fail "bad JSON: $*"
set -- $(it_curl /report -d '["x"]')
[ "$1" = 400 ] || it_fail "array body: $*"
set -- $(it_curl /report -d '{"report_type":"spam"}')
[ "$*" = '400 {"error":"Missing message-id"}' ] || it_fail "no id: $*"
set -- $(it_curl /report -d '{"message-id":"","report_type":"spam"}')
[ "$1" = 400 ] || it_fail "empty id: $*"
set -- $(it_curl /report -d '{"message-id":"a@b","report_type":"phish"}')
[ "$1" = 400 ] || it_fail "bad type: $*"
set -- $(it_curl /report -d '{"message-id":"a@b","message-id":"c@d","report_type":"spam"}')
[ "$1" = 400 ] || it_fail "duplicate keys: $*"
head -c 70000 /dev/zero | tr '\0' ' ' >"$IT_TMP/big"
set -- $(it_curl /report --data-binary "@$IT_TMP/big")
[ "$1" = 413 ] || it_fail "big body: $*"

# Unknown Message-ID: 404, and the slot stays free for a later report.
an_report 'spam-one@lottery.example' spam
an_expect 404 '^\{"error":"No scan data found"\}$' "unknown id"
[ "$(an_redis --scan --pattern 'mi:rpt:*')" = "" ] ||
	it_fail "a 404 consumed the dedup slot"
an_analyze $AN_DATA/spam1.eml
an_report 'spam-one@lottery.example' spam
an_expect 200 '^\{"status":"skipped_oracle","reason":"known_locally"\}$' \
    "spam known locally"
an_report '<spam-one@lottery.example>' spam
an_expect 409 '^\{"status":"duplicate","message":"Already reported"\}$' \
    "duplicate"
grep -qi '^content-type: application/json' "$IT_TMP/headers" ||
	it_fail "409 content type"

# Ham is always forwarded; the Oracle cannot be reached: queued.
an_report 'spam-one@lottery.example' ham
an_expect 202 '^\{"status":"queued"\}$' "ham forwarded"
# Both digests cluster on one medoid: score 1 + 1 (spam), then each
# digest of the ham report takes HAM_WEIGHT 2 off: -2.
an_analyze $AN_DATA/spam2.eml
an_expect 200 '^\{"action":"allow","proximity_match":true,"hashes":' \
    "after ham"
echo "$BODY" | grep -q '"match":{"source":"local",.*"score":-2,' ||
	it_fail "near-miss explained: $BODY"

# A message without digests: scan stored (hashes null), nothing to report.
an_analyze $AN_DATA/tiny.eml
an_expect 200 '^\{"action":"allow","proximity_match":false,"request_id"' "tiny"
an_report 'tiny@x' spam
an_expect 400 '^\{"error":"No hashes to report"\}$' "no hashes"

# Concurrent identical reports: one applied, the others duplicates.
an_analyze $AN_DATA/ham1.eml
pids=
for i in 1 2 3 4; do
	curl -s -m 5 -o "$IT_TMP/c$i" -w '%{http_code}\n' \
	    -d '{"message-id":"<ham-one@example.org>","report_type":"spam"}' \
	    "http://127.0.0.1:$GUARDIAN_PORT/report" >"$IT_TMP/code$i" &
	pids="$pids $!"
done
wait $pids
n409=$(cat "$IT_TMP"/code? | grep -c 409)
[ "$n409" = 3 ] || it_fail "concurrent reports: $(cat "$IT_TMP"/code?)"
ham_norm=$(echo "$BODY" | sed 's/.*"hashes":\["\([^"]*\)".*/\1/')
# ham1's two digests share fewer than 4 bands: one medoid each, score 1;
# a second application would have made it 2.
[ "$(an_redis GET "lg_s:$ham_norm")" = 1 ] ||
	it_fail "score after concurrent reports: $(an_redis GET "lg_s:$ham_norm")"
it_check_log
echo ok
