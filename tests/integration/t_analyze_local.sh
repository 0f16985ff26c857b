#!/bin/sh
# Learn from a spam report, then detect a near-duplicate (four words
# changed) as local_spam within distance 70, with the match explained and
# the same request id in the header, the body and the audit line.  An
# exact match reports "distance":0.  A clean message is allowed.
. tests/integration/lib.sh
. tests/integration/analyze_lib.sh
an_start

an_analyze $AN_DATA/spam1.eml
an_expect 200 '^\{"action":"allow","proximity_match":false,"hashes":\["T1[0-9A-F]{70}","T1[0-9A-F]{70}"\],"request_id":"[0-9a-f]{16}"\}$' \
    "first sight of spam1"
rid=$(an_field request_id)
grep -qi "^x-request-id: $rid" "$IT_TMP/headers" || it_fail "X-Request-Id"
grep -q "\"request_id\":\"$rid\".*\"action\":\"allow\"" "$IT_TMP/guardian.log" ||
	it_fail "no audit line for $rid"
spam1_norm=$(echo "$BODY" | sed 's/.*"hashes":\["\([^"]*\)".*/\1/')

# The report finds the scan record stored before the answer.
an_report '<spam-one@lottery.example>' spam
[ "$CODE" = 200 ] || [ "$CODE" = 503 ] || it_fail "report: $CODE $BODY"

an_analyze $AN_DATA/spam2.eml
an_expect 200 '^\{"action":"spam","label":"local_spam","proximity_match":true,"distance":[0-9]+,"hashes":\[' \
    "near-duplicate"
d=$(an_field distance)
[ "$d" -le 70 ] || it_fail "distance $d > 70"
echo "$BODY" | grep -q "\"match\":{\"source\":\"local\",\"digest\":\"T1[0-9A-F]*\",\"matched\":\"$spam1_norm\",\"distance\":$d,\"score\":[1-9][0-9]*,\"bands\":[0-9]*}" ||
	it_fail "match object: $BODY"
rid=$(an_field request_id)
grep "\"request_id\":\"$rid\"" "$IT_TMP/guardian.log" |
	grep -q '"msg":"Local spam detected".*"label":"local_spam".*"source":"local"' ||
	it_fail "audit line of $rid"
# No message content in the log.
grep -q 'lottery\|Your claim' "$IT_TMP/guardian.log" && it_fail "content logged"

# The reported message itself: exact match, distance 0 kept.
an_analyze $AN_DATA/spam1.eml
an_expect 200 '^\{"action":"spam","label":"local_spam","proximity_match":true,"distance":0,' \
    "exact match"
echo "$BODY" | grep -q "\"matched\":\"$spam1_norm\",\"distance\":0," ||
	it_fail "exact match object: $BODY"

an_analyze $AN_DATA/ham1.eml
an_expect 200 '^\{"action":"allow","proximity_match":false,"hashes":' "ham"
echo "$BODY" | grep -q '"match"' && it_fail "ham has a match: $BODY"

# Upstream counts every call, GET included; local matches counted.
set -- $(it_curl /analyze)
[ "$1" = 405 ] || it_fail "GET /analyze: $1"
[ "$(an_metric mailuminati_guardian_scanned_total)" = 5 ] ||
	it_fail "scanned_total $(an_metric mailuminati_guardian_scanned_total)"
[ "$(an_metric mailuminati_guardian_local_match_total)" = 2 ] ||
	it_fail "local_match_total"
it_check_log
echo ok
