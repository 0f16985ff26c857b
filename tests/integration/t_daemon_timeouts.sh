#!/bin/sh
# HTTP connection limits upstream lacks: a keep-alive connection left idle
# is closed after HTTP_IDLE_TIMEOUT, a client that trickles its headers
# (slowloris) is cut once HTTP_READ_TIMEOUT has passed since the request
# began, even though bytes keep coming, and MAX_CONNECTIONS per worker
# holds while the worker keeps serving once room is back.
. tests/integration/lib.sh
command -v python3 >/dev/null 2>&1 || it_skip "python3 not installed"
it_setup
it_redis_start
it_config "WORKERS=1" "HTTP_IDLE_TIMEOUT=2" "HTTP_READ_TIMEOUT=4" \
    "HTTP_WRITE_TIMEOUT=4" "MAX_CONNECTIONS=4"
it_guardian_start

# Runs a client scenario; prints what it measured.
client() {
	python3 -I -S - "$GUARDIAN_PORT" "$@" <<'EOF'
import socket, sys, time

port = int(sys.argv[1])
what = sys.argv[2]

def conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=15)
    return s

def closed_after(s, start):
    """Seconds until the server closes s, reading and dropping data."""
    try:
        while s.recv(4096):
            pass
    except (ConnectionResetError, socket.timeout):
        pass
    return time.monotonic() - start

req = b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n"
if what == "idle":
    # One request and its answer, then nothing: keep-alive then idle.
    s = conn()
    s.sendall(req)
    data = b""
    while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    start = time.monotonic()
    print(data.split(b" ")[1].decode(), "%.1f" % closed_after(s, start))
elif what == "slowloris":
    # A byte every 0.4 s, never finishing the headers.
    s = conn()
    start = time.monotonic()
    head = b"GET /status HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
    cut = None
    for b in head:
        try:
            s.sendall(bytes([b]))
        except (BrokenPipeError, ConnectionResetError):
            cut = time.monotonic() - start
            break
        s.settimeout(0.4)
        try:
            if s.recv(4096) == b"":
                cut = time.monotonic() - start
                break
        except socket.timeout:
            pass
        except ConnectionResetError:
            cut = time.monotonic() - start
            break
        if time.monotonic() - start > 20:
            break
    print("cut %.1f" % cut if cut is not None else "never")
elif what == "cap":
    # Fill the worker's connection slots, check one more is refused
    # (closed without an answer), then free them and get served.
    n = int(sys.argv[3])
    held = [conn() for _ in range(n)]
    time.sleep(0.5)
    extra = conn()
    extra.settimeout(3)
    try:
        extra.sendall(req)
        answer = extra.recv(4096)
    except (ConnectionResetError, BrokenPipeError, socket.timeout):
        answer = b""
    refused = answer == b""
    # The held ones are still open and served.
    held[0].sendall(req)
    held[0].settimeout(5)
    served = held[0].recv(4096).split(b" ")[1].decode()
    for s in held:
        s.close()
    time.sleep(0.5)
    s = conn()
    s.sendall(req)
    after = s.recv(4096).split(b" ")[1].decode()
    print("refused" if refused else "accepted", served, after)
EOF
}

set -- $(client idle)
[ "$1" = 200 ] || it_fail "idle: first request got '$1'"
# Closed after the idle timeout (2 s), well before the read timeout (4 s).
awk -v t="$2" 'BEGIN { exit !(t >= 1.5 && t < 3.5) }' ||
	it_fail "idle keep-alive connection closed after $2 s, want about 2"

set -- $(client slowloris)
[ "$1" = cut ] || it_fail "slowloris client never cut"
awk -v t="$2" 'BEGIN { exit !(t >= 3.5 && t < 6.5) }' ||
	it_fail "slowloris cut after $2 s, want about 4"
set -- $(it_curl /status)
[ "$1" = 200 ] || it_fail "status after slowloris: $1"

set -- $(client cap 4)
[ "$1" = refused ] || it_fail "connection over MAX_CONNECTIONS was served"
[ "$2" = 200 ] || it_fail "held connection not served at the cap: $2"
[ "$3" = 200 ] || it_fail "not served once connections were freed: $3"
set -- $(it_curl /status)
[ "$1" = 200 ] || it_fail "status after the cap: $1"
[ "$(it_children worker | wc -l)" -eq 1 ] || it_fail "worker count changed"
it_check_log
echo ok
