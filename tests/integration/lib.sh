# Helpers for the integration tests (POSIX sh, sourced from the checkout
# root).  Each test gets a private temporary directory, a private
# redis-server on a free loopback port and the daemon started in the
# foreground; everything is stopped on exit, whatever happened.
#
#   . tests/integration/lib.sh
#   it_setup                 # temp dir, traps
#   it_redis_start           # REDIS_PORT
#   it_config KEY=VALUE ...  # appends to $IT_CONF
#   it_guardian_start        # waits until /status answers
#   it_curl PATH [curl args] # prints "CODE BODY"
#   it_check_log             # fails on unexpected ERROR lines

# BUILD selects the build directory (build/san for the sanitizer run).
IT_BIN=${IT_BIN:-${BUILD:-build}/mailuminati-guardian}
IT_TMP=
IT_GPID=
IT_RPID=

it_fail() {
	echo "FAIL: $*"
	if [ -n "$IT_TMP" ] && [ -f "$IT_TMP/guardian.log" ]; then
		echo "--- daemon log (last 30 lines)"
		tail -n 30 "$IT_TMP/guardian.log"
	fi
	exit 1
}

it_skip() {
	echo "$*"
	exit 77
}

it_cleanup() {
	kids=$(it_children_all)
	# A daemon started in the background is known by its PID file.
	if [ -n "$IT_TMP" ] && [ -s "$IT_TMP/guardian.pid" ]; then
		p=$(cat "$IT_TMP/guardian.pid")
		[ "$p" != "$IT_GPID" ] && [ -n "$p" ] && kill -TERM "$p" 2>/dev/null
	fi
	if [ -n "$IT_GPID" ] && kill -0 "$IT_GPID" 2>/dev/null; then
		kill -TERM "$IT_GPID" 2>/dev/null
		# A zombie still answers kill -0: look at its state instead.
		i=0
		while ps -o stat= -p "$IT_GPID" 2>/dev/null | grep -qv '^Z' &&
		    [ $i -lt 50 ]; do
			sleep 0.1; i=$((i + 1))
		done
		kill -KILL "$IT_GPID" 2>/dev/null
	fi
	it_redis_stop
	# Children of a killed master notice the closed channel and exit;
	# anything left of ours is killed by PID, never by name.
	for p in $kids; do
		case "$(ps -o args= -p "$p" 2>/dev/null)" in
		mailuminati-guardian:*) kill -KILL "$p" 2>/dev/null ;;
		esac
	done
	[ -n "$IT_TMP" ] && rm -rf "$IT_TMP"
	return 0
}

it_setup() {
	command -v curl >/dev/null 2>&1 || it_skip "curl not installed"
	command -v redis-server >/dev/null 2>&1 || it_skip "redis-server not installed"
	command -v redis-cli >/dev/null 2>&1 || it_skip "redis-cli not installed"
	[ -x "$IT_BIN" ] || it_fail "$IT_BIN not built"
	IT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/guardian-it.XXXXXX") || exit 1
	chmod 0755 "$IT_TMP"
	trap it_cleanup EXIT
	trap 'exit 1' INT TERM
	IT_CONF=$IT_TMP/guardian.conf
	: >"$IT_CONF"
	GUARDIAN_PORT=$(it_free_port)
	REDIS_PORT=$(it_free_port)
	while [ "$REDIS_PORT" = "$GUARDIAN_PORT" ]; do
		REDIS_PORT=$(it_free_port)
	done
	it_config "PORT=$GUARDIAN_PORT" "GUARDIAN_BIND_ADDR=127.0.0.1" \
	    "REDIS_HOST=127.0.0.1" "REDIS_PORT=$REDIS_PORT" \
	    "PID_FILE=$IT_TMP/guardian.pid" "WORKERS=2" "SANDBOX=kill" \
	    "CHROOT_DIR=$IT_TMP/empty" "LOG_LEVEL=INFO"
	if [ "$(id -u)" = 0 ]; then
		it_config "RUN_AS_USER=nobody"
	fi
}

# A free loopback TCP port: a random one nobody listens on, below the
# kernel's ephemeral range (32768 and up) so that no outgoing connection of
# the test itself can already hold it.
it_free_port() {
	while :; do
		p=$(( ($(od -An -N2 -tu2 /dev/urandom) % 12000) + 20000 ))
		if ! ss -Htln "sport = :$p" 2>/dev/null | grep -q .; then
			echo "$p"
			return
		fi
	done
}

it_config() {
	for kv in "$@"; do
		echo "$kv" >>"$IT_CONF"
	done
}

it_redis_start() {
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' \
	    --appendonly no --dir "$IT_TMP" --daemonize no \
	    >"$IT_TMP/redis.log" 2>&1 &
	IT_RPID=$!
	i=0
	until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 50 ] && it_fail "redis-server did not start"
		sleep 0.1
	done
}

it_redis_stop() {
	if [ -n "$IT_RPID" ]; then
		kill -TERM "$IT_RPID" 2>/dev/null
		wait "$IT_RPID" 2>/dev/null
		IT_RPID=
	fi
}

# it_guardian_start [expected status, default 200]
it_guardian_start() {
	want=${1:-200}
	"$IT_BIN" -d -config "$IT_CONF" >>"$IT_TMP/guardian.log" 2>&1 &
	IT_GPID=$!
	it_wait_status "$want" 100 || it_fail "daemon did not answer $want"
}

# it_wait_status CODE [tenths of a second]
it_wait_status() {
	i=0
	while [ $i -lt "${2:-100}" ]; do
		set -- "$1" "${2:-100}" $(it_curl /status)
		[ "$3" = "$1" ] && return 0
		kill -0 "$IT_GPID" 2>/dev/null || it_fail "daemon exited"
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# Prints "CODE BODY" (body on one line).
it_curl() {
	path=$1
	shift
	rm -f "$IT_TMP/body"
	out=$(curl -s -m 5 -o "$IT_TMP/body" -w '%{http_code}' "$@" \
	    "http://127.0.0.1:$GUARDIAN_PORT$path" 2>/dev/null)
	echo "$out $(tr -d '\n' 2>/dev/null <"$IT_TMP/body")"
}

# PIDs of the master's children, optionally of one role.
it_children() {
	for p in $(ps -o pid= --ppid "$IT_GPID" 2>/dev/null); do
		args=$(ps -o args= -p "$p" 2>/dev/null)
		case "$args" in
		"mailuminati-guardian: ${1:-}"*) echo "$p" ;;
		esac
	done
}

it_children_all() {
	[ -n "$IT_GPID" ] || return 0
	ps -o pid= --ppid "$IT_GPID" 2>/dev/null
}

# it_wait_children ROLE COUNT: waits until exactly COUNT such children run.
it_wait_children() {
	i=0
	while [ $i -lt 100 ]; do
		[ "$(it_children "$1" | wc -l)" -eq "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# ERROR lines other than those a test expects (grep -E pattern in $1).
it_check_log() {
	allowed=${1:-'^$'}
	bad=$(grep '"level":"ERROR"' "$IT_TMP/guardian.log" | grep -Ev "$allowed")
	if [ -n "$bad" ]; then
		echo "$bad"
		it_fail "unexpected ERROR lines in the daemon log"
	fi
	if grep -q 'AddressSanitizer\|runtime error:' "$IT_TMP/guardian.log"; then
		it_fail "sanitizer report in the daemon log"
	fi
	# SIGSYS: a child made a call its seccomp filter forbids.
	if grep -q 'killed by signal 31\([^0-9]\|$\)' "$IT_TMP/guardian.log"; then
		it_fail "a child was killed by its seccomp filter"
	fi
}
