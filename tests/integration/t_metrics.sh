#!/bin/sh
# GET /metrics: upstream's metric names, request counters summed over the
# workers, histograms that are well formed, restarts and sandbox kills
# counted by the master, and counters that never go down.
. tests/integration/lib.sh
it_setup
it_config "MAX_BODY_SIZE=1048576"
it_redis_start
it_guardian_start

# scrape FILE: the /metrics body into FILE, checking status and type.
scrape() {
	ct=$(curl -s -m 5 -o "$1" -w '%{http_code} %{content_type}' \
	    "http://127.0.0.1:$GUARDIAN_PORT/metrics")
	[ "$ct" = "200 text/plain; version=0.0.4; charset=utf-8" ] ||
	    it_fail "/metrics answered '$ct'"
}

# value FILE SERIES: the sample of one series, or "missing".
value() {
	awk -v s="$2" '$1 == s { v = $2 } END { print (v == "" ? "missing" : v) }' "$1"
}

# check_histograms FILE: per endpoint, buckets never decrease and
# _count equals the +Inf bucket.
check_histograms() {
	awk '
	/^guardian_http_request_duration_seconds_bucket/ {
		ep = $1; sub(/.*endpoint="/, "", ep); sub(/".*/, "", ep)
		if (ep in last && $2 + 0 < last[ep] + 0) {
			print "bucket decreases for " ep; bad = 1
		}
		last[ep] = $2
		if ($1 ~ /le="\+Inf"/) inf[ep] = $2
	}
	/^guardian_http_request_duration_seconds_count/ {
		ep = $1; sub(/.*endpoint="/, "", ep); sub(/".*/, "", ep)
		count[ep] = $2
	}
	END {
		n = 0
		for (ep in inf) {
			n++
			if (count[ep] != inf[ep]) {
				print "count != +Inf for " ep; bad = 1
			}
		}
		if (n != 5) { print "expected 5 endpoints, got " n; bad = 1 }
		exit bad
	}' "$1" || it_fail "malformed histogram"
}

m=$IT_TMP/m
scrape "$m.1"
for name in mailuminati_guardian_scanned_total \
    mailuminati_guardian_local_match_total \
    mailuminati_guardian_oracle_match_total \
    mailuminati_guardian_cache_hits_total \
    guardian_redis_errors_total guardian_worker_restarts_total \
    guardian_sandbox_kills_total guardian_reports_total \
    guardian_http_requests_total; do
	grep -qx "# TYPE $name counter" "$m.1" || it_fail "no counter $name"
done
grep -qx '# TYPE guardian_http_request_duration_seconds histogram' "$m.1" ||
    it_fail "no latency histogram"
for s in 'mailuminati_guardian_oracle_match_total{type="complete"}' \
    'mailuminati_guardian_oracle_match_total{type="partial"}' \
    'mailuminati_guardian_cache_hits_total{result="positive"}' \
    'mailuminati_guardian_cache_hits_total{result="negative"}' \
    mailuminati_guardian_scanned_total; do
	[ "$(value "$m.1" "$s")" != missing ] || it_fail "no series $s"
done
check_histograms "$m.1"

st='guardian_http_requests_total{endpoint="status",code="200"}'
nf='guardian_http_requests_total{endpoint="other",code="404"}'
before=$(value "$m.1" "$st")
[ "$before" != missing ] || it_fail "startup /status requests not counted"
# New connections each time, so the kernel spreads them over both workers:
# the exact total shows every scrape sums every worker's slot.
i=0
while [ $i -lt 40 ]; do
	curl -s -m 5 -o /dev/null "http://127.0.0.1:$GUARDIAN_PORT/status"
	i=$((i + 1))
done
curl -s -m 5 -o /dev/null "http://127.0.0.1:$GUARDIAN_PORT/nowhere"
curl -s -m 5 -o /dev/null "http://127.0.0.1:$GUARDIAN_PORT/nowhere"
for k in 2 3 4 5; do
	scrape "$m.$k"
	[ "$(value "$m.$k" "$st")" = $((before + 40)) ] ||
	    it_fail "scrape $k: $(value "$m.$k" "$st") status requests, want $((before + 40))"
	[ "$(value "$m.$k" "$nf")" = 2 ] || it_fail "404s not counted"
	check_histograms "$m.$k"
done
sc='guardian_http_request_duration_seconds_count{endpoint="status"}'
[ "$(value "$m.5" "$sc")" -ge $((before + 40)) ] ||
    it_fail "status latencies not counted"

# The master publishes every process's resident memory.
sleep 2.5
scrape "$m.6"
for role in master learner oracle-proxy worker; do
	v=$(awk -v r="role=\"$role\"" 'index($1, "guardian_process_resident_memory_bytes{") == 1 && index($1, r) { print $2; exit }' "$m.6")
	[ -n "$v" ] && [ "$v" -gt 100000 ] || it_fail "no resident memory for $role: '$v'"
done

# A worker killed by SIGKILL is a restart; one killed by SIGSYS (what a
# seccomp kill looks like to the master) is also a sandbox kill.
restarts=$(value "$m.6" guardian_worker_restarts_total)
kills=$(value "$m.6" guardian_sandbox_kills_total)
for sig in KILL SYS; do
	w=$(it_children worker | head -n 1)
	[ "$sig" = SYS ] && sigsys_pid=$w
	kill -"$sig" "$w"
	i=0
	while it_children worker | grep -qx "$w" ||
	    [ "$(it_children worker | wc -l)" -ne 2 ]; do
		i=$((i + 1)); [ $i -gt 50 ] && it_fail "worker not respawned"
		sleep 0.1
	done
	it_wait_status 200 50 || it_fail "no 200 after the worker restart"
done
scrape "$m.7"
[ "$(value "$m.7" guardian_worker_restarts_total)" = $((restarts + 2)) ] ||
    it_fail "restarts: $(value "$m.7" guardian_worker_restarts_total), want $((restarts + 2))"
[ "$(value "$m.7" guardian_sandbox_kills_total)" = $((kills + 1)) ] ||
    it_fail "sandbox kills: $(value "$m.7" guardian_sandbox_kills_total)"
# What the dead workers counted is still there: counters are monotonic.
for s in "$st" "$nf" "$sc"; do
	[ "$(value "$m.7" "$s")" -ge "$(value "$m.5" "$s")" ] ||
	    it_fail "$s went down after a restart"
done

# /analyze: upstream's scan counter, and refusals counted per endpoint.
scanned=$(value "$m.7" mailuminati_guardian_scanned_total)
for i in 1 2 3; do
	code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' \
	    --data-binary @tests/data/digest/messages/010 \
	    "http://127.0.0.1:$GUARDIAN_PORT/analyze")
	[ "$code" = 200 ] || it_fail "/analyze answered $code"
done
curl -s -m 5 -o /dev/null "http://127.0.0.1:$GUARDIAN_PORT/analyze"
head -c 2000000 /dev/zero | curl -s -m 10 -o /dev/null --data-binary @- \
    "http://127.0.0.1:$GUARDIAN_PORT/analyze"
sleep 0.5	# a refused connection is closed (and counted) once written
scrape "$m.9"
[ "$(value "$m.9" mailuminati_guardian_scanned_total)" -ge $((scanned + 3)) ] ||
    it_fail "scans not counted"
a='guardian_http_requests_total{endpoint="analyze",code='
[ "$(value "$m.9" "${a}\"200\"}")" = 3 ] || it_fail "analyze 200s not counted"
[ "$(value "$m.9" "${a}\"405\"}")" = 1 ] || it_fail "analyze 405 not counted"
[ "$(value "$m.9" "${a}\"413\"}")" = 1 ] || it_fail "analyze 413 not counted"
[ "$(value "$m.9" 'guardian_http_request_duration_seconds_count{endpoint="analyze"}')" = 5 ] ||
    it_fail "analyze latencies not counted"
check_histograms "$m.9"

# Refused before the body: counted, and the connection is closed rather
# than kept by the worker (descriptors stay few).
i=0
while [ $i -lt 20 ]; do
	curl -s -m 5 -o /dev/null -X POST -H 'Content-Length: 5000000' \
	    "http://127.0.0.1:$GUARDIAN_PORT/analyze"
	i=$((i + 1))
done
sleep 0.5
scrape "$m.10"
[ "$(value "$m.10" "${a}\"413\"}")" = 21 ] ||
    it_fail "413s: $(value "$m.10" "${a}\"413\"}"), want 21"
for w in $(it_children worker); do
	n=$(ls "/proc/$w/fd" 2>/dev/null | wc -l)
	[ "$n" -lt 16 ] || it_fail "worker $w holds $n descriptors after 413s"
done

# A learner that does not answer: the worker gives up after 5 s (503)
# and counts it.
to=$(value "$m.9" guardian_lookup_timeouts_total)
l=$(it_children learner)
kill -STOP "$l"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' \
    "http://127.0.0.1:$GUARDIAN_PORT/status")
kill -CONT "$l"
[ "$code" = 503 ] || it_fail "stopped learner: /status answered $code"
# Answered late, after a pause: counted with the status really sent.  A
# request is counted when the worker has written its reply and frees it,
# which a loaded machine can delay past the client's exit: wait for it.
s503='guardian_http_requests_total{endpoint="status",code="503"}'
i=0
while :; do
	scrape "$m.8"
	[ "$(value "$m.8" "$s503")" = 1 ] && break
	i=$((i + 1))
	[ $i -gt 50 ] && it_fail "the 503 after the timeout is not counted" \
	    "as 503: $(value "$m.8" "$s503")"
	sleep 0.1
done
[ "$(value "$m.8" guardian_lookup_timeouts_total)" = $((to + 1)) ] ||
    it_fail "lookup timeout not counted"
# The one SIGSYS death is ours, not a filter's: keep it out of the
# log check.
sed -i "/worker $sigsys_pid killed by signal 31/d" "$IT_TMP/guardian.log"
it_check_log
echo ok
