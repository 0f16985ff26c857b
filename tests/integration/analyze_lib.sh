# Helpers for the analyze, report, learn and schema tests (sourced after
# lib.sh).  Messages are in tests/data/analyze: spam2 is spam1 with four
# words changed (its digests are within 70 of spam1's), ham1 is unrelated.

AN_DATA=tests/data/analyze

# A daemon whose Oracle cannot be reached (connection refused at once).
an_start() {
	it_setup
	it_redis_start
	it_config "ORACLE_URL=http://127.0.0.1:9" "ORACLE_TIMEOUT=2" "$@"
	it_guardian_start
}

an_redis() {
	redis-cli -p "$REDIS_PORT" "$@"
}

# an_analyze FILE [curl args]: sets CODE and BODY.
an_analyze() {
	an_file=$1
	shift
	set -- $(it_curl /analyze --data-binary "@$an_file" \
	    -D "$IT_TMP/headers" "$@")
	CODE=$1
	shift
	BODY="$*"
}

# an_report MESSAGE-ID TYPE [curl args]: sets CODE and BODY.
an_report() {
	an_json="{\"message-id\":\"$1\",\"report_type\":\"$2\"}"
	shift 2
	set -- $(it_curl /report -D "$IT_TMP/headers" -d "$an_json" "$@")
	CODE=$1
	shift
	BODY="$*"
}

# an_expect CODE PATTERN WHAT: the last answer's code and a grep -E
# pattern its body must match.
an_expect() {
	[ "$CODE" = "$1" ] || it_fail "$3: status $CODE, body $BODY"
	echo "$BODY" | grep -Eq -- "$2" || it_fail "$3: body $BODY"
}

# an_field NAME: a number or string field of the last body (its last
# occurrence).
an_field() {
	echo "$BODY" | sed -n "s/.*\"$1\":\"\{0,1\}\([^,\"}]*\).*/\1/p"
}

# SHA-1 hex of a string, as the daemon names mi:msgid: keys.
an_sha1() {
	printf '%s' "$1" | sha1sum | cut -d' ' -f1
}

# an_metric SERIES: one sample of /metrics (0 when absent).
an_metric() {
	curl -s -m 5 "http://127.0.0.1:$GUARDIAN_PORT/metrics" |
	    awk -v s="$1" '$1 == s { v = $2 } END { print (v == "" ? 0 : v) }'
}

# an_bands DIGEST: its 20 upstream bands ("1:ABCDEF" ...), one a line.
an_bands() {
	i=1
	while [ $i -le 20 ]; do
		p=$((9 + 3 * (i - 1)))
		echo "$i:$(echo "$1" | cut -c$p-$((p + 5)))"
		i=$((i + 1))
	done
}

# an_digests FILE: the digests of a message, one a line (guardianctl).
an_digests() {
	build/guardianctl digests "$1" | cut -f2 | tr ',' '\n'
}
