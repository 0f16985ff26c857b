#!/bin/sh
# The test Oracle (tests/oracle/oracle.py) alone, driven with curl: every
# endpoint, the state model and every misbehaviour switch, so that the
# daemon's Oracle tests can trust it.  Exits 77 without python3 or curl.
set -u
cd "$(dirname "$0")/../.." || exit 1
command -v python3 >/dev/null 2>&1 || { echo "python3 not installed"; exit 77; }
command -v curl >/dev/null 2>&1 || { echo "curl not installed"; exit 77; }
. tests/oracle/lib.sh
tmp=$(mktemp -d "${TMPDIR:-/tmp}/oracle-it.XXXXXX") || exit 1
cleanup() {
	oracle_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail=0

expect() {	# expect WHAT GOT WANT
	if [ "$2" = "$3" ]; then
		echo "ok: $1"
	else
		echo "FAIL: $1"
		echo "  got:  $2"
		echo "  want: $3"
		fail=1
	fi
}

# start_oracle [flags]: sets U to its base URL.
start_oracle() {
	oracle_start "$tmp" --quiet "$@" || { echo "FAIL: start"; exit 1; }
	U=$ORACLE_URL
	expect "listening line" "$(cat "$tmp/oracle.out")" \
	    "listening on 127.0.0.1:$ORACLE_PORT"
}

stop_oracle() {
	oracle_stop
}

# post PATH JSON [curl args]: prints the status; the body is in $tmp/body.
post() {
	p=$1 d=$2
	shift 2
	rm -f "$tmp/body"
	curl -s -m 5 -o "$tmp/body" -w '%{http_code}' \
	    -H 'Content-Type: application/json' -d "$d" "$@" "$U$p"
}

# js EXPR: evaluates a Python expression on the JSON body ("d").
js() {
	python3 -I -S -c 'import json, sys
d = json.load(open(sys.argv[2]))
print(eval(sys.argv[1]))' "$1" "$tmp/body" 2>&1
}

state() {
	oracle_state "$1" 2>&1
}

sync() {	# sync SEQ [node]
	post /sync "{\"node_id\":\"${2:-n1}\",\"current_seq\":$1,\"version\":\"0.7.6\"}"
}

analyze() {
	post /analyze "{\"node_id\":\"n1\",\"email_body_hash\":\"$1\"}"
}

report() {	# report TYPE NODE DIGEST...
	t=$1 n=$2
	shift 2
	sigs=$(printf '"%s",' "$@")
	post /report "{\"node_id\":\"$n\",\"signatures\":[${sigs%,}],\"report_type\":\"$t\"}"
}

control() {
	post /_control "$1"
}

# A spam digest, one 44 away (same cluster), one 80 away (near, not the
# same cluster) and an unrelated one (1606 away).
A=T1A5823993054FB7B6C93EBB5E3D27E96120213CF13D766AE279C3295A62C94B1110038B
M=T1A5823993054FB7B6C93EBB5E3D27E96120213CF13D7600000000005A62C94B1110038B
P=T1A5823993054FB7B6C93EBB5E3D27E96120213C00000000000000005A62C94B1110038B
B=T1B5490EBDB9FC11EEC1CEB780C6EAA33B4764EAEDD3EAE58688A153B8B0C305B9ACBA74
BANDS_A="['1:93054F', '2:54FB7B', '3:B7B6C9', '4:6C93EB', '5:3EBB5E', \
'6:B5E3D2', '7:3D27E9', '8:7E9612', '9:612021', '10:0213CF', '11:3CF13D', \
'12:13D766', '13:766AE2', '14:AE279C', '15:79C329', '16:3295A6', \
'17:5A62C9', '18:2C94B1', '19:4B1110', '20:110038']"

python3 tests/oracle/test_tlsh.py 2>"$tmp/unit" ||
    { cat "$tmp/unit"; echo "FAIL: tlsh.py self-test"; fail=1; }

start_oracle

# --- protocol and state --------------------------------------------------
expect "empty sync" "$(sync 0) $(js 'd')" \
    "200 {'new_seq': 0, 'action': 'UPDATE_DELTA', 'ops': []}"
expect "unknown digest" "$(analyze $A) $(js 'd')" \
    "200 {'result': {'action': 'allow', 'proximity_match': False}}"
expect "spam report" "$(report spam n1 $A) $(js 'd')" \
    "200 {'status': 'ok', 'accepted': 1}"
expect "first sync fills" "$(sync 0) $(js 'd["new_seq"], d["ops"]')" \
    "200 (1, [{'action': 'add', 'bands': $BANDS_A}])"
expect "near report joins the cluster" \
    "$(report spam n1 $M) $(state '[(m["spam"], m["ham"]) for m in d["medoids"]], d["seq"]')" \
    "200 ([(2, 0)], 1)"
expect "verdict by distance" "$(analyze $M) $(js 'd')" \
    "200 {'result': {'action': 'spam', 'label': 'oracle_spam', 'proximity_match': True, 'distance': 44}}"
expect "near miss" "$(analyze $P) $(js 'd')" \
    "200 {'result': {'action': 'allow', 'proximity_match': True, 'distance': 80}}"
expect "far digest" "$(analyze $B) $(js 'd["result"]')" \
    "200 {'action': 'allow', 'proximity_match': False}"
expect "ham reports" "$(report ham n1 $A) $(report ham n2 $M)" "200 200"
expect "delta removes" "$(sync 1) $(js 'd["new_seq"], d["ops"]')" \
    "200 (2, [{'action': 'del', 'bands': $BANDS_A}])"
expect "up to date" "$(sync 2) $(js 'd')" \
    "200 {'new_seq': 2, 'action': 'UPDATE_DELTA', 'ops': []}"
expect "client ahead" "$(sync 99) $(js 'd["action"], d["ops"]')" \
    "200 ('RESET_DB', [])"
expect "unconfirmed cluster" "$(analyze $A) $(js 'd["result"]["action"]')" \
    "200 allow"
expect "seed" "$(post /_seed "{\"spam\":[\"$B\"],\"bands\":[\"1:ABCDEF\"]}") $(js 'd')" \
    "200 {'status': 'ok', 'seq': 3}"
expect "seeded delta" "$(sync 2) $(js 'len(d["ops"][0]["bands"]), d["ops"][0]["bands"][:2]')" \
    "200 (21, ['1:ABCDEF', '1:BDB9FC'])"
expect "seed removal" "$(oracle_seed '{"del_bands":["1:ABCDEF"]}' && echo 200) $(sync 3) $(js 'd["ops"]')" \
    "200 200 [{'action': 'del', 'bands': ['1:ABCDEF']}]"
expect "compacted delta" "$(sync 1) $(js '[(o["action"], len(o["bands"])) for o in d["ops"]]')" \
    "200 [('add', 20), ('del', 21)]"
expect "stats" "$(post /stats '{"node_id":"n1","scanned_count":5,"partial_match_count":1,"spam_confirmed_count":1,"cached_positive_count":0,"cached_negative_count":2,"local_spam_count":3}') $(js 'd')" \
    "200 {'status': 'ok'}"
expect "stats kept" "$(state 'd["nodes"]["n1"]["stats_posts"], d["nodes"]["n1"]["stats"]["cached_negative_count"]')" \
    "(1, 2)"
expect "reports kept" "$(state 'd["nodes"]["n1"]["reports_accepted"], d["nodes"]["n1"]["signatures"]["spam"], d["nodes"]["n2"]["signatures"]["ham"]')" \
    "(3, {'$A': 1, '$M': 1}, {'$M': 1})"
expect "request log" "$(state 'len(d["requests"]["sync"]), d["requests"]["sync"][-1]["request"]["current_seq"], d["counts"]["report"]')" \
    "(8, 1, {'200': 4})"

# --- refused requests ----------------------------------------------------
expect "bad digest" "$(analyze T1XYZ) $(js 'd')" \
    "400 {'error': 'invalid email_body_hash'}"
expect "bad report type" "$(report phish n1 $A)" 400
expect "bad signature" "$(report spam n1 $A TNULL)" 400
expect "not JSON" "$(post /report 'spam please') $(js 'd')" \
    "400 {'error': 'invalid JSON'}"
expect "bad stats" "$(post /stats '{"node_id":"n1","scanned_count":-1}')" 400
expect "bad seq" "$(sync '"7"')" 400
expect "GET" "$(curl -s -o /dev/null -w '%{http_code}' "$U/sync")" 405
expect "unknown path" "$(post /nothing '{}')" 404
head -c 1100000 /dev/zero | tr '\0' ' ' >"$tmp/big"
python3 -c 'print("[" * 100000)' >"$tmp/deep"
expect "deep JSON" "$(post /analyze @"$tmp/deep") $(post /_control @"$tmp/deep")" \
    "400 400"
expect "chunked request" \
    "$(post /analyze "{\"node_id\":\"n1\",\"email_body_hash\":\"$B\"}" -H 'Transfer-Encoding: chunked') $(js 'd["result"]["action"]')" \
    "200 spam"
expect "request too large" "$(post /report @"$tmp/big")" 413
expect "bad switch" "$(control '{"mode":"sometimes"}')" 400
oracle_control '{"mode":"sometimes"}'
expect "helper sees the refusal" "$?" 1
expect "sync-only switch" "$(control '{"mode":"reset","endpoints":["report"]}')" 400
expect "nothing applied" "$(state 'd["nodes"]["n1"]["reports_accepted"]')" 3

# --- rate limit ----------------------------------------------------------
oracle_control '{"rate_limit":"2/60s"}' || fail=1
expect "rate limit" "$(report spam n3 $B) $(report spam n3 $B) $(report spam n3 $B) $(js 'd')" \
    "200 200 429 {'error': 'Too many reports from this node_id'}"
expect "per node" "$(report spam n4 $B)" 200
expect "refusal counted" "$(state 'd["nodes"]["n3"]["reports_accepted"], d["nodes"]["n3"]["reports_refused"]')" \
    "(2, 1)"
control '{"rate_limit":"off"}' >/dev/null

# --- misbehaviour switches -----------------------------------------------
control '{"mode":"slow","delay":1,"endpoints":["analyze"]}' >/dev/null
t0=$(date +%s%N)
code=$(analyze $B)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect "slow answer" "$code $([ $ms -ge 900 ] && echo slow || echo "fast ${ms}ms")" \
    "200 slow"
expect "slow times out" \
    "$(post /analyze "{\"node_id\":\"n1\",\"email_body_hash\":\"$B\"}" -m 0.3)" 000
expect "other endpoints" \
    "$(post /sync '{"node_id":"n1","current_seq":0,"version":"0.7.6"}' -m 0.5)" 200

control '{"mode":"error"}' >/dev/null
expect "503" "$(report spam n5 $A) $(js 'd')" \
    "503 {'error': 'oracle failure (test switch)'}"
control '{"mode":"error","status":500}' >/dev/null
expect "500" "$(sync 0)" 500
control '{"mode":"error","status":502,"count":2}' >/dev/null
expect "502 twice" "$(report spam n5 $A) $(analyze $A) $(analyze $A)" \
    "502 502 200"
expect "error not applied" "$(state '"n5" in d["nodes"], d["requests"]["report"][-1]["status"], d["requests"]["report"][-1]["applied"]')" \
    "(False, 502, False)"

control '{"mode":"ratelimit","endpoints":["report"]}' >/dev/null
expect "429 switch" "$(report spam n5 $A) $(js 'd')" \
    "429 {'error': 'Too many reports from this node_id'}"

control '{"mode":"malformed"}' >/dev/null
expect "malformed" "$(analyze $B) $(js 'd' | tail -n 1 | cut -d: -f1)" \
    "200 json.decoder.JSONDecodeError"
expect "malformed report applied" "$(report spam n6 $B) $(state 'd["nodes"]["n6"]["reports_accepted"]')" \
    "200 1"

control '{"mode":"wrong_shape"}' >/dev/null
expect "wrong shape" "$(analyze $B) $(js 'd')" "200 {'result': 'spam'}"
expect "wrong shape sync" "$(sync 0) $(js 'd["new_seq"]')" "200 many"

control '{"mode":"bad_bands"}' >/dev/null
expect "hostile bands" "$(sync 0) $(js '"FLUSHALL" in d["ops"][0]["bands"][5]')" \
    "200 True"

control '{"mode":"unknown_action"}' >/dev/null
expect "unknown action" "$(sync 0) $(js 'd["action"], d["ops"]')" \
    "200 ('NOTHING_TO_DO', [{'action': 'add', 'bands': ['1:BADBAD']}])"

control '{"mode":"oversized","endpoints":["analyze"]}' >/dev/null
expect "oversized" "$(curl -s -m 10 -o /dev/null -w '%{http_code} %{size_download}' \
    -d "{\"node_id\":\"n1\",\"email_body_hash\":\"$B\"}" "$U/analyze")" \
    "200 52428800"
curl -s -m 5 -o /dev/null --max-filesize 1000000 \
    -d "{\"node_id\":\"n1\",\"email_body_hash\":\"$B\"}" "$U/analyze"
expect "oversized refused by the client" "$?" 63
control '{"mode":"oversized","size":1000}' >/dev/null
expect "oversized size" "$(analyze $B) $(wc -c <"$tmp/body" | tr -d ' ')" \
    "200 1000"

control '{"mode":"drop"}' >/dev/null
post /report "{\"node_id\":\"n7\",\"signatures\":[\"$A\"],\"report_type\":\"spam\"}" >/dev/null
expect "dropped" "$?" 52
expect "dropped not applied" "$(state '"n7" in d["nodes"], d["requests"]["report"][-1]["status"]')" \
    "(False, 'dropped')"

control '{"mode":"bad_status_verdict","endpoints":["analyze","sync"]}' >/dev/null
expect "non-2xx verdict" "$(analyze $B) $(js 'd')" \
    "500 {'result': {'action': 'spam', 'label': 'oracle_spam', 'proximity_match': True, 'distance': 0}}"
expect "non-2xx delta" "$(sync 0) $(js 'd["action"], d["ops"]')" \
    "500 ('UPDATE_DELTA', [{'action': 'add', 'bands': ['1:BADBAD']}])"

control '{"mode":"reset"}' >/dev/null
expect "reset once" "$(sync 3) $(js 'd["action"]') $(sync 3) $(js 'd["action"]')" \
    "200 RESET_DB 200 UPDATE_DELTA"

control '{"mode":"not_modified"}' >/dev/null
expect "304" "$(sync 3) $(cat "$tmp/body" 2>/dev/null | wc -c | tr -d ' ')" \
    "304 0"
expect "switch shown" "$(state 'd["switch"]["mode"], d["switch"]["endpoints"]')" \
    "('not_modified', ['sync'])"
control '{"mode":"normal"}' >/dev/null
expect "normal again" "$(sync 3) $(analyze $B) $(js 'd["result"]["action"]')" \
    "200 200 spam"
expect "control endpoints never misbehave" \
    "$(control '{"mode":"error"}') $(state 'd["switch"]["status"]') $(control '{"mode":"normal"}')" \
    "200 503 200"

# --- reset -------------------------------------------------------------
expect "reset log" "$(oracle_reset '{"scope":"log"}' && echo 200) $(state 'd["seq"], d["nodes"], d["counts"]["sync"]')" \
    "200 (4, {}, {})"
expect "reset all" "$(oracle_reset && echo 200) $(state 'd["seq"], d["bands"], d["medoids"]')" \
    "200 (0, [], [])"
stop_oracle

# --- start flags, seed file and state file --------------------------------
printf '# seed\n%s\n7:00FF00\n' "$B" >"$tmp/seed"
start_oracle --state-file "$tmp/state.json" --bands-seed "$tmp/seed" \
    --mode error --status 502 --endpoints analyze --rate-limit 1/60s
expect "seeded at start" "$(sync 0) $(js 'd["new_seq"], len(d["ops"][0]["bands"])')" \
    "200 (1, 21)"
expect "mode flag" "$(analyze $B)" 502
expect "rate limit flag" "$(report spam n1 $A) $(report spam n1 $A)" "200 429"
stop_oracle
start_oracle --state-file "$tmp/state.json"
expect "state kept" "$(sync 2) $(js 'd["action"], d["new_seq"]') $(analyze $A) $(js 'd["result"]["action"]')" \
    "200 ('UPDATE_DELTA', 2) 200 spam"
stop_oracle
python3 tests/oracle/oracle.py --port 0 --rate-limit often \
    >/dev/null 2>&1
expect "bad flag" "$?" 2

exit $fail
