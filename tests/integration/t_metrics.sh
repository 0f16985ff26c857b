#!/bin/sh
# GET /metrics: upstream's metric names, request counters summed over the
# workers, histograms that are well formed, restarts and sandbox kills
# counted by the master, and counters that never go down.
. tests/integration/lib.sh
it_setup
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

# A learner that does not answer: the worker gives up after 5 s (503)
# and counts it.
to=$(value "$m.7" guardian_lookup_timeouts_total)
l=$(it_children learner)
kill -STOP "$l"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' \
    "http://127.0.0.1:$GUARDIAN_PORT/status")
kill -CONT "$l"
[ "$code" = 503 ] || it_fail "stopped learner: /status answered $code"
scrape "$m.8"
[ "$(value "$m.8" guardian_lookup_timeouts_total)" = $((to + 1)) ] ||
    it_fail "lookup timeout not counted"
it_check_log
echo ok
