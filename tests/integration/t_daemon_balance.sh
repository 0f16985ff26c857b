#!/bin/sh
# Workers share the listeners, yet connections that stay open (a filter's
# connection pool) spread over them: a worker holding two more than the
# least loaded other one stops accepting for a while, and the open
# connections of each worker show on /metrics.
. tests/integration/lib.sh
command -v python3 >/dev/null 2>&1 || it_skip "python3 not installed"
it_setup
it_redis_start
it_guardian_start
# Both workers accepting (each publishes its count once it listens).
i=0
until [ "$(curl -s "http://127.0.0.1:$GUARDIAN_PORT/metrics" |
    grep -c '^guardian_http_connections{')" = 2 ]; do
	i=$((i + 1)); [ $i -gt 100 ] && it_fail "workers not accepting"
	sleep 0.1
done

# 12 connections opened at once (the first worker awake would take them
# all), one request each, kept open; then /metrics on a 13th.
python3 - "$GUARDIAN_PORT" >"$IT_TMP/balance" <<'PY' || it_fail "client failed"
import re, socket, sys
port = int(sys.argv[1])
def request(s, path):
    s.sendall(("GET %s HTTP/1.1\r\nHost: t\r\n\r\n" % path).encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    n = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
    while len(body) < n:
        body += s.recv(65536)
    return body.decode()
conns = []
for _ in range(12):
    s = socket.socket()
    s.settimeout(10)
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", port))
    conns.append(s)
for s in conns:
    s.setblocking(True)
    s.settimeout(10)
    request(s, "/status")
m = socket.create_connection(("127.0.0.1", port), timeout=10)
for line in request(m, "/metrics").splitlines():
    if line.startswith("guardian_http_connections{"):
        print(line.split()[-1])
PY
n=$(wc -l <"$IT_TMP/balance")
[ "$n" = 2 ] || it_fail "expected 2 workers on /metrics, got $n: $(tr '\n' ' ' <"$IT_TMP/balance")"
set -- $(sort -n "$IT_TMP/balance")
[ $(($1 + $2)) = 13 ] || it_fail "connections $1 + $2, expected 13"
[ $(($2 - $1)) -le 2 ] || it_fail "unbalanced: $1 and $2 connections"
echo "connections per worker: $1 $2"
it_check_log
