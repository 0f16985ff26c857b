#!/bin/sh
# A draining worker (SIGQUIT, as on reload or graceful stop) answers the
# connections it has accepted, even one whose request had not arrived yet
# (that race failed a request now and then during reloads), and does not
# wait for idle keep-alive connections.
. tests/integration/lib.sh
command -v python3 >/dev/null 2>&1 || it_skip "python3 not installed"
it_setup
it_redis_start
it_config "WORKERS=1"
it_guardian_start

# drain PID MODE: connect to the worker, SIGQUIT it, then act.
drain() {
	python3 -I -S - "$GUARDIAN_PORT" "$@" <<'EOF'
import os, signal, socket, sys, time

port, pid, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
req = b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n"

def answer(s):
    s.settimeout(5)
    data = b""
    try:
        while not data.rstrip().endswith(b"}"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    return data.split(b" ")[1].decode() if data.startswith(b"HTTP/") else "none"

s = socket.create_connection(("127.0.0.1", port), timeout=5)
if mode == "late":
    # Accepted, request not sent yet when the worker starts draining.
    time.sleep(0.3)
    os.kill(pid, signal.SIGQUIT)
    time.sleep(0.5)
    s.sendall(req)
    print(answer(s))
else:
    # Served once, then idle: the drain must not wait for it.
    s.sendall(req)
    first = answer(s)
    start = time.monotonic()
    os.kill(pid, signal.SIGQUIT)
    s.settimeout(10)
    try:
        while s.recv(4096):
            pass
    except (socket.timeout, ConnectionResetError):
        pass
    print(first, "%.1f" % (time.monotonic() - start))
EOF
}

w=$(it_children worker)
set -- $(drain "$w" late)
[ "$1" = 200 ] || it_fail "request on a connection accepted before the drain: $1"
it_wait_children worker 1 || it_fail "worker not replaced"
i=0
while [ "$(it_children worker)" = "$w" ] && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
w=$(it_children worker)
[ -n "$w" ] || it_fail "no worker after the drain"
it_wait_status 200 50 || it_fail "not serving after the drain"

w=$(it_children worker)
set -- $(drain "$w" idle)
[ "$1" = 200 ] || it_fail "first request: $1"
awk -v t="$2" 'BEGIN { exit !(t < 3) }' ||
	it_fail "idle keep-alive connection held the drain for $2 s"
it_check_log
echo ok
