# Helpers to drive the test Oracle from integration tests (POSIX sh,
# sourced from the checkout root; needs python3 and curl).
#
#   . tests/oracle/lib.sh
#   oracle_start DIR [oracle.py flags]  # ORACLE_PID, ORACLE_PORT, ORACLE_URL
#   oracle_control '{"mode":"error","status":503}'
#   oracle_seed '{"spam":["T1..."]}'
#   oracle_reset                        # or oracle_reset '{"scope":"log"}'
#   oracle_state 'len(d["requests"]["report"])'  # Python expression on /_state
#   oracle_stop
#
# oracle_start refuses to run twice; oracle_stop is safe to call always,
# so it belongs in the test's EXIT trap:  trap 'oracle_stop; it_cleanup' EXIT

ORACLE_PID=
ORACLE_PORT=
ORACLE_URL=
ORACLE_DIR=

oracle_start() {
	if [ -n "$ORACLE_PID" ]; then
		echo "oracle_start: already running" >&2
		return 1
	fi
	ORACLE_DIR=$1
	shift
	rm -f "$ORACLE_DIR/oracle.out"
	python3 tests/oracle/oracle.py --port 0 "$@" \
	    >"$ORACLE_DIR/oracle.out" 2>>"$ORACLE_DIR/oracle.log" &
	ORACLE_PID=$!
	_oracle_i=0
	until grep -q '^listening on .*:[1-9]' "$ORACLE_DIR/oracle.out" \
	    2>/dev/null; do
		_oracle_i=$((_oracle_i + 1))
		if [ $_oracle_i -gt 100 ] || ! kill -0 "$ORACLE_PID" 2>/dev/null
		then
			echo "oracle_start: the oracle did not start" >&2
			cat "$ORACLE_DIR/oracle.log" >&2
			oracle_stop
			return 1
		fi
		sleep 0.1
	done
	ORACLE_PORT=$(sed -n 's/^listening on .*://p' "$ORACLE_DIR/oracle.out")
	ORACLE_URL=http://127.0.0.1:$ORACLE_PORT
}

oracle_stop() {
	[ -n "$ORACLE_PID" ] || return 0
	kill -TERM "$ORACLE_PID" 2>/dev/null
	wait "$ORACLE_PID" 2>/dev/null
	ORACLE_PID=
}

# _oracle_post PATH JSON: prints the body, fails unless the status is 200.
_oracle_post() {
	_oracle_code=$(curl -s -m 5 -o "$ORACLE_DIR/oracle.body" \
	    -w '%{http_code}' -H 'Content-Type: application/json' -d "$2" \
	    "$ORACLE_URL$1")
	cat "$ORACLE_DIR/oracle.body" 2>/dev/null
	[ "$_oracle_code" = 200 ]
}

oracle_control() {
	_oracle_post /_control "$1" >/dev/null
}

oracle_seed() {
	_oracle_post /_seed "$1" >/dev/null
}

oracle_reset() {
	[ $# -gt 0 ] || set -- '{}'
	_oracle_post /_reset "$1" >/dev/null
}

# oracle_state EXPR: prints a Python expression evaluated on the /_state
# document, bound to "d" (e.g. 'd["seq"]').
oracle_state() {
	curl -s -m 5 -o "$ORACLE_DIR/oracle.state" "$ORACLE_URL/_state" ||
	    return 1
	python3 -I -S -c 'import json, sys
d = json.load(open(sys.argv[2]))
print(eval(sys.argv[1]))' "$1" "$ORACLE_DIR/oracle.state"
}
