#!/bin/sh
# /analyze under concurrent load, with 100,000 learned digests in Redis.
#
#   sh bench/analyze-bench.sh      (from the checkout root, after make)
#
# Starts a private redis-server and the daemon (WORKERS=2) on loopback,
# seeds LEARNED random learned-spam digests in upstream's schema (lg_f:
# band sets and lg_s: scores, with TTLs) plus near copies of some corpus
# digests so that lookups really find band hits, then posts with
# build/bench/loadgen: (a) a ~21 KB message, (b) a ~2.7 KB message, (c)
# the whole corpus mix, CONNS connections for SECONDS each.  Prints
# messages/s, latency percentiles and the resident memory of every
# process.  Never gates anything: it skips when a tool is missing.
#
# Environment: SECONDS_EACH (20), CONNS (16), LEARNED (100000),
# WORKERS (2), CORPUS (../shared/corpus/spamassassin), CASES ("a b c d":
# which runs to make), PERF_DIR (when set, a system-wide `perf record -g`
# of each run is written there as <case>.data), REDIS_STATS (when set to
# 1, the Redis commands of each run: calls per request and microseconds
# per call, from INFO commandstats), ROUNDS (1: how many times the runs
# are made), COMPARE (another daemon binary: each round runs the cases
# against BIN, then against it, on the same seeded Redis, so that two
# builds are measured side by side on the same machine state), EXTRA_CONF
# (lines added to the daemon's configuration).
cd "$(dirname "$0")/.." || exit 1
BIN=build/mailuminati-guardian
CTL=build/guardianctl
LOADGEN=build/bench/loadgen
SECONDS_EACH=${SECONDS_EACH:-20}
CONNS=${CONNS:-16}
LEARNED=${LEARNED:-100000}
WORKERS=${WORKERS:-2}
CORPUS=${CORPUS:-../shared/corpus/spamassassin}
CASES=${CASES:-a b c d}
PERF_DIR=${PERF_DIR:-}
REDIS_STATS=${REDIS_STATS:-0}
ROUNDS=${ROUNDS:-1}
COMPARE=${COMPARE:-}

skip() {
	echo "analyze-bench: skipped: $*"
	exit 0
}
for t in redis-server redis-cli curl awk; do
	command -v "$t" >/dev/null 2>&1 || skip "$t not installed"
done
[ -x "$BIN" ] && [ -x "$CTL" ] || skip "build the daemon first (make)"
mkdir -p build/bench
if [ ! -x "$LOADGEN" ] || [ bench/loadgen.c -nt "$LOADGEN" ]; then
	${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -o "$LOADGEN" \
	    bench/loadgen.c $(pkg-config --cflags --libs libevent) ||
	    skip "cannot build loadgen"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/guardian-bench.XXXXXX") || exit 1
RPID=
GPID=
cleanup() {
	[ -n "$GPID" ] && kill -TERM "$GPID" 2>/dev/null && wait "$GPID"
	[ -n "$RPID" ] && kill -TERM "$RPID" 2>/dev/null && wait "$RPID"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

free_port() {
	while :; do
		p=$(( ($(od -An -N2 -tu2 /dev/urandom) % 12000) + 20000 ))
		ss -Htln "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
	done
}
RPORT=$(free_port)
GPORT=$(free_port)

# The benchmark messages: real ones closest to 21 KB and 2.7 KB, or
# synthesized ones when the corpus is absent.
mkdir -p "$TMP/msg"
if [ -d "$CORPUS" ]; then
	find "$CORPUS" -type f -name '*.txt' >"$TMP/all"
	pick() {
		xargs stat -c '%s %n' <"$TMP/all" | awk -v want="$1" '
		    { d = $1 - want; if (d < 0) d = -d
		      if (best == "" || d < bd) { bd = d; best = $2 } }
		    END { print best }'
	}
	BIG=$(pick 21000)
	SMALL=$(pick 2700)
else
	echo "analyze-bench: $CORPUS absent: synthesized messages, no corpus mix"
	synth() {
		printf 'From: a@example.com\r\nTo: b@example.com\r\n'
		printf 'Subject: offer %s\r\nMessage-ID: <%s@bench>\r\n' "$2" "$2"
		printf 'Content-Type: text/plain\r\n\r\n'
		awk -v n="$1" 'BEGIN { srand(7); while (t < n) {
		    w = ""; k = 3 + int(rand() * 7)
		    for (i = 0; i < k; i++) w = w sprintf("%c", 97 + int(rand() * 26))
		    printf "%s%s", w, (++c % 12) ? " " : "\r\n"; t += k + 1 } }'
	}
	synth 21000 big >"$TMP/msg/big.eml"
	synth 2700 small >"$TMP/msg/small.eml"
	BIG=$TMP/msg/big.eml
	SMALL=$TMP/msg/small.eml
	printf '%s\n%s\n' "$BIG" "$SMALL" >"$TMP/all"
fi
echo "messages: a) $BIG ($(stat -c %s "$BIG") bytes)"
echo "          b) $SMALL ($(stat -c %s "$SMALL") bytes)"

redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$TMP" --daemonize no >"$TMP/redis.log" 2>&1 &
RPID=$!
i=0
until redis-cli -p "$RPORT" ping >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -gt 50 ] && { echo "redis-server did not start"; exit 1; }
	sleep 0.1
done

# Upstream's learned-spam schema: each digest is a member of its 20 band
# sets lg_f:<i>:<6 hex> and has a score lg_s:<digest>, every key with the
# retention TTL (15 days).  Scores are at the default SPAM_THRESHOLD (1).
# Near copies: the digest of every 8th corpus message (and of both
# benchmark messages) with its last body digit changed, a digit no band
# covers, so all 20 bands hit and the TLSH distance is small but not 0.
TTL=1296000
"$CTL" digests "$BIG" "$SMALL" >"$TMP/near.tsv" 2>/dev/null
awk 'NR % 8 == 0' "$TMP/all" | head -n 800 | xargs "$CTL" digests \
    >>"$TMP/near.tsv" 2>/dev/null
start=$(date +%s.%N)
awk -v n="$LEARNED" -v ttl="$TTL" -F '\t' '
function cmd(a, b, c, d) {
	if (d != "")
		printf "*4\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n",
		    length(a), a, length(b), b, length(c), c, length(d), d
	else
		printf "*3\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n",
		    length(a), a, length(b), b, length(c), c
}
function learn(dg,   core, i, key) {
	core = substr(dg, 9, 64)
	for (i = 1; i <= 20; i++) {
		key = "lg_f:" i ":" substr(core, 1 + 3 * (i - 1), 6)
		cmd("SADD", key, dg)
		cmd("EXPIRE", key, ttl)
	}
	cmd("SET", "lg_s:" dg, "1")
	cmd("EXPIRE", "lg_s:" dg, ttl)
}
BEGIN { srand(42); hex = "0123456789ABCDEF" }
{
	m = split($2, d, ",")
	for (k = 1; k <= m; k++) {
		if (length(d[k]) != 72)
			continue
		last = substr(d[k], 72, 1)
		repl = substr(hex, (index(hex, last) % 16) + 1, 1)
		learn(substr(d[k], 1, 71) repl)
		near++
	}
}
END {
	for (j = near; j < n; j++) {
		dg = "T1"
		for (i = 0; i < 70; i++)
			dg = dg substr(hex, 1 + int(rand() * 16), 1)
		learn(dg)
	}
}' "$TMP/near.tsv" | redis-cli -p "$RPORT" --pipe >"$TMP/pipe.log" 2>&1 ||
    { cat "$TMP/pipe.log"; exit 1; }
end=$(date +%s.%N)
scores=$(redis-cli -p "$RPORT" --scan --pattern 'lg_s:*' | wc -l)
bands=$(redis-cli -p "$RPORT" dbsize)
echo "seeded: $scores learned digests, $bands keys in $(echo "$end - $start" | bc 2>/dev/null || echo '?') s" \
    "($(wc -l <"$TMP/near.tsv") near copies of corpus messages)"
echo "redis memory: $(redis-cli -p "$RPORT" info memory | awk -F: '/^used_memory_human/ { print $2 }' | tr -d '\r')"

cat >"$TMP/guardian.conf" <<EOF
PORT=$GPORT
GUARDIAN_BIND_ADDR=127.0.0.1
REDIS_HOST=127.0.0.1
REDIS_PORT=$RPORT
PID_FILE=$TMP/guardian.pid
WORKERS=$WORKERS
LOG_FILE=$TMP/guardian.log
${EXTRA_CONF:-}
ORACLE_URL=http://127.0.0.1:9
EOF
[ "$(id -u)" = 0 ] && echo "RUN_AS_USER=nobody" >>"$TMP/guardian.conf" &&
    echo "CHROOT_DIR=$TMP/empty" >>"$TMP/guardian.conf"
start_daemon() {
	"$1" -d -config "$TMP/guardian.conf" >>"$TMP/guardian.out" 2>&1 &
	GPID=$!
	i=0
	until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$GPORT/status")" = 200 ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && { echo "daemon did not start"; tail "$TMP/guardian.out" "$TMP/guardian.log"; exit 1; }
		sleep 0.1
	done
	# The seeded set must really be found: a near copy of message (a).
	answer=$(curl -s --data-binary @"$BIG" "http://127.0.0.1:$GPORT/analyze")
	[ -n "$checked" ] ||
	    echo "lookup check, a) against its near copy: $answer"
	checked=1
	case "$answer" in
	*'"action"'*) ;;
	*) echo "analyze-bench: /analyze does not answer: measuring nothing"; exit 1 ;;
	esac
}
stop_daemon() {
	kill -TERM "$GPID" 2>/dev/null && wait "$GPID"
	GPID=
}
checked=

metric() {
	curl -s "http://127.0.0.1:$GPORT/metrics" | awk -v s="$1" '$1 == s { print $2 }'
}
# CPU ticks (user + system) of each daemon process and of Redis.
cpu() {
	for p in $(ps -o pid= --ppid "$GPID") $RPID; do
		printf '%s %s\n' "$(ps -o args= -p "$p" | sed 's/^mailuminati-guardian: //; s/ .*//')" \
		    "$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null)"
	done | awk '{ t[$1] += $2 } END { for (r in t) printf "%s %d\n", r, t[r] }' | sort
}
want() {
	case " $CASES " in *" $1 "*) return 0 ;; esac
	return 1
}
run() {
	label=$1
	shift
	before=$(metric mailuminati_guardian_local_match_total)
	cpu >"$TMP/cpu.0"
	head -n 1 /proc/stat >"$TMP/stat.0"
	[ "$REDIS_STATS" = 1 ] && redis-cli -p "$RPORT" config resetstat >/dev/null
	ppid=
	if [ -n "$PERF_DIR" ]; then
		# The middle of the run, without its ramp-up and tail.
		mkdir -p "$PERF_DIR"
		(sleep 1; exec perf record -a -g -q -o "$PERF_DIR/$(echo "${label%%)*}" | tr -c 'A-Za-z0-9\n' _).data" \
		    -- sleep $((SECONDS_EACH > 3 ? SECONDS_EACH - 2 : 1))) \
		    >/dev/null 2>&1 &
		ppid=$!
	fi
	out=$("$LOADGEN" -p "$GPORT" -c "$CONNS" -d "$SECONDS_EACH" "$@")
	[ -n "$ppid" ] && wait "$ppid"
	cpu >"$TMP/cpu.1"
	head -n 1 /proc/stat >"$TMP/stat.1"
	after=$(metric mailuminati_guardian_local_match_total)
	echo "$label: $out local_matches=$((after - before))"
	n=$(echo "$out" | sed -n 's/.*requests=\([0-9]*\).*/\1/p')
	# Share of a CPU each kind of process used during the run, and its
	# CPU time per request: the figure least moved by the machine's
	# other tenants (steal lowers throughput more than it raises this).
	join "$TMP/cpu.0" "$TMP/cpu.1" | awk -v s="$SECONDS_EACH" \
	    -v hz="$(getconf CLK_TCK)" -v n="${n:-0}" '{
	    printf "%s%s %.0f%%", sep, $1, 100 * ($3 - $2) / hz / s
	    if (n > 0)
		printf " (%.0f us/req)", 1e6 * ($3 - $2) / hz / n
	    sep = ", " } END { print "" }' |
	    sed 's/^/    cpu: /'
	# Idle and stolen time of the machine: runs with much of either
	# measured a machine that was not all theirs.
	cat "$TMP/stat.0" "$TMP/stat.1" | awk '{ for (i = 2; i <= NF; i++) {
	    if (NR == 1) a[i] = $i; else { d[i] = $i - a[i]; t += d[i] } } }
	    END { if (t > 0) printf "    machine: idle %.0f%%, iowait %.0f%%, steal %.0f%%\n",
	    100 * d[5] / t, 100 * d[6] / t, 100 * d[9] / t }'
	[ "$REDIS_STATS" = 1 ] || return 0
	redis-cli -p "$RPORT" info commandstats | tr -d '\r' |
	    awk -F '[:=,]' -v n="${n:-0}" '/^cmdstat_/ && n > 0 {
		sub(/^cmdstat_/, "", $1)
		if ($1 == "config") next
		printf "%s%s %.2f/req %.2fus", sep, $1, $3 / n, $7; sep = ", " }
		END { print "" }' | sed 's/^/    redis: /'
}
echo "load: $CONNS connections, ${SECONDS_EACH} s each, WORKERS=$WORKERS, $(nproc) CPUs"
round=0
while [ "$round" -lt "$ROUNDS" ]; do
	round=$((round + 1))
	for bin in "$BIN" $COMPARE; do
		[ -n "$GPID" ] && stop_daemon
		start_daemon "$bin"
		tag=
		[ -n "$COMPARE" ] && tag="[$bin] "
		want a && run "${tag}a) $(stat -c %s "$BIG") B" "$BIG"
		want b && run "${tag}b) $(stat -c %s "$SMALL") B" "$SMALL"
		if want c && [ "$(wc -l <"$TMP/all")" -gt 2 ]; then
			# shellcheck disable=SC2046
			run "${tag}c) corpus mix ($(wc -l <"$TMP/all") messages)" $(cat "$TMP/all")
		fi
		want d && run "${tag}d) GET /status"
	done
done

# Resident memory as the master publishes it (from /proc), then peak RSS.
sleep 2.5
curl -s "http://127.0.0.1:$GPORT/metrics" |
    awk '/^guardian_process_resident_memory_bytes\{/ {
	printf "rss %-40s %6.1f MiB\n", $1, $2 / 1048576 }'
for p in $GPID $(ps -o pid= --ppid "$GPID"); do
	printf 'peak %-28s %s\n' "$(ps -o args= -p "$p" | cut -c1-28)" \
	    "$(awk '/^VmHWM/ { print $2, $3 }' "/proc/$p/status" 2>/dev/null)"
done
if grep -q '"level":"ERROR"' "$TMP/guardian.log" 2>/dev/null; then
	echo "daemon ERROR lines:"
	grep '"level":"ERROR"' "$TMP/guardian.log" | sort | uniq -c | head -n 5
fi
