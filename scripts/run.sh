#!/bin/sh
# Builds the daemon and runs it in the foreground (-d).  When neither
# REDIS_HOST nor REDIS_SOCKET is configured (environment or the config
# file given as first argument), a private redis-server is started in a
# temporary directory on a free loopback port.  Ctrl-C stops both.
#
#   scripts/run.sh [CONFIG_FILE]
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh --runtime
[ -f config.mk ] || ./configure
make -j"$(nproc 2>/dev/null || echo 2)"
build/mailuminati-guardian -v

conf=${1:-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/guardian-run.XXXXXX")
redis_pid=
guardian_pid=
cleanup() {
	trap - EXIT INT TERM
	[ -n "$guardian_pid" ] && kill -TERM "$guardian_pid" 2>/dev/null &&
		wait "$guardian_pid" 2>/dev/null
	[ -n "$redis_pid" ] && kill -TERM "$redis_pid" 2>/dev/null &&
		wait "$redis_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

configured() {
	[ -n "$(printenv "$1" 2>/dev/null)" ] && return 0
	[ -n "$conf" ] && grep -Eq "^[[:space:]]*$1[[:space:]]*=[[:space:]]*[^[:space:]]" "$conf"
}

free_port() {
	while :; do
		p=$(( ($(od -An -N2 -tu2 /dev/urandom) % 12000) + 20000 ))
		ss -Htln "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
	done
}

if ! configured REDIS_HOST && ! configured REDIS_SOCKET; then
	command -v redis-server >/dev/null ||
		{ echo "redis-server not found and REDIS_HOST not set" >&2; exit 1; }
	port=$(free_port)
	redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
	    --dir "$tmp" >"$tmp/redis.log" 2>&1 &
	redis_pid=$!
	echo "private redis-server on 127.0.0.1:$port (pid $redis_pid, log $tmp/redis.log)"
	export REDIS_HOST=127.0.0.1 REDIS_PORT="$port"
fi
# A private PID file unless one is configured: no root needed.
configured PID_FILE || export PID_FILE="$tmp/guardian.pid"
if [ "$(id -u)" = 0 ] && ! configured RUN_AS_USER &&
    ! id mailuminati >/dev/null 2>&1; then
	export RUN_AS_USER=nobody
	echo "user 'mailuminati' does not exist: running the children as nobody"
fi
configured CHROOT_DIR || export CHROOT_DIR="$tmp/empty"

if [ -n "$conf" ]; then
	build/mailuminati-guardian -d -config "$conf" &
else
	build/mailuminati-guardian -d -config "$tmp/none.conf" &
fi
guardian_pid=$!
wait "$guardian_pid" || true
guardian_pid=
