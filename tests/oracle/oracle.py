#!/usr/bin/env python3
"""A test Oracle for Guardian: the four endpoints of the Oracle protocol
(/sync, /analyze, /report, /stats) with real state, switches to misbehave,
and inspection endpoints for the tests.  Standard library only.

    python3 tests/oracle/oracle.py --port 0 [--state-file F]
        [--bands-seed FILE] [--rate-limit N/60s] [--mode MODE ...]

prints "listening on 127.0.0.1:PORT" once it accepts connections.
docs/test-oracle.md describes the protocol, the switches and the state.
"""

import argparse
import copy
import json
import os
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Nothing is written into the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tlsh  # noqa: E402

# Requests are small JSON documents; anything larger is refused unread.
MAX_REQUEST = 1 << 20
MAX_SIGNATURES = 1000
MAX_NODE_ID = 128
# Each request log keeps its most recent entries only.
LOG_LIMIT = 10000
ENDPOINTS = ("sync", "analyze", "report", "stats")
STATS_FIELDS = ("scanned_count", "partial_match_count",
    "spam_confirmed_count", "cached_positive_count",
    "cached_negative_count", "local_spam_count")
RATE_LIMIT_MESSAGE = "Too many reports from this node_id"

# Misbehaviour modes.  Those answering 2xx still apply the request (a
# report is counted, a verdict computed); the others leave state alone.
MODES = ("normal", "slow", "error", "ratelimit", "malformed", "wrong_shape",
    "bad_bands", "unknown_action", "oversized", "drop", "bad_status_verdict",
    "reset", "not_modified")
SYNC_ONLY_MODES = ("bad_bands", "unknown_action", "reset", "not_modified")
APPLYING_MODES = ("normal", "slow", "malformed", "wrong_shape", "bad_bands",
    "unknown_action", "oversized", "reset", "not_modified")
DEFAULT_DELAY = 6.0
DEFAULT_SIZE = 50 << 20
CHUNK = 64 << 10


class RequestError(Exception):
    """A request the Oracle refuses: HTTP status and JSON error body."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and \
        value >= 0


def check_node_id(request):
    node = request.get("node_id")
    if not isinstance(node, str) or not 0 < len(node) <= MAX_NODE_ID:
        raise RequestError(400, "invalid node_id")
    return node


def band_order(band):
    index, _, value = band.partition(":")
    return int(index), value


def parse_rate_limit(text):
    """"N/Ss" -> (N, S); None or "" or "off" -> None."""
    if text in (None, "", "off"):
        return None
    match = re.fullmatch(r"(\d{1,9})/(\d{1,6})s", str(text))
    if not match or int(match.group(2)) == 0:
        raise ValueError("rate limit must look like N/60s")
    return int(match.group(1)), int(match.group(2))


class Medoid:
    """A cluster of reported digests, represented by its first digest."""

    def __init__(self, digest, spam=0, ham=0):
        self.digest = digest
        self.spam = spam
        self.ham = ham


class Switch:
    """The current misbehaviour; count limits it to the next N requests."""

    def __init__(self, mode="normal", endpoints=None, delay=DEFAULT_DELAY,
            status=None, size=DEFAULT_SIZE, count=None):
        if mode not in MODES:
            raise ValueError("unknown mode %r" % (mode,))
        if endpoints is None:
            endpoints = ENDPOINTS
        if isinstance(endpoints, str) or not all(e in ENDPOINTS
                for e in endpoints):
            raise ValueError("endpoints must be a list of %s" %
                ", ".join(ENDPOINTS))
        if not isinstance(delay, (int, float)) or isinstance(delay, bool) \
                or not 0 <= delay <= 3600:
            raise ValueError("delay must be 0..3600 seconds")
        if status is None:
            status = {"error": 503, "bad_status_verdict": 500}.get(mode)
        if status is not None and (not is_count(status) or
                not 300 <= status <= 599 or status == 304):
            raise ValueError("status must be a non-2xx code other than 304")
        if not is_count(size) or size > (4 << 30):
            raise ValueError("size must be 0..4 GiB")
        if count is None and mode == "reset":
            count = 1
        if count is not None and (not is_count(count) or count == 0):
            raise ValueError("count must be a positive integer")
        if mode in SYNC_ONLY_MODES:
            endpoints = [e for e in endpoints if e == "sync"]
            if not endpoints:
                raise ValueError("mode %s only applies to sync" % mode)
        self.mode = mode
        self.endpoints = list(endpoints)
        self.delay = float(delay)
        self.status = status
        self.size = size
        self.count = count

    def describe(self):
        return {"mode": self.mode, "endpoints": self.endpoints,
            "delay": self.delay, "status": self.status, "size": self.size,
            "count": self.count}


class OracleState:
    """Everything the Oracle knows, behind one lock."""

    def __init__(self, args):
        self.lock = threading.Lock()
        self.threshold = args.spam_threshold
        self.ham_weight = args.ham_weight
        self.cluster_distance = args.cluster_distance
        self.proximity_distance = args.proximity_distance
        self.rate_limit = parse_rate_limit(args.rate_limit)
        self.state_file = args.state_file
        self.start_switch = Switch(args.mode, args.endpoints, args.delay,
            args.status, args.size, args.count)
        self.clear_all()
        if self.state_file and os.path.exists(self.state_file):
            self.load()

    # --- band model ---------------------------------------------------

    def clear_all(self):
        self.medoids = []
        self.raw_bands = set()
        self.seq = 0
        self.oplog = []
        self.switch = copy.copy(self.start_switch)
        self.clear_log()

    def clear_log(self):
        self.requests = {e: [] for e in ENDPOINTS}
        self.counts = {e: {} for e in ENDPOINTS}
        self.nodes = {}

    def confirmed(self, medoid):
        return medoid.spam - self.ham_weight * medoid.ham >= self.threshold

    def band_set(self):
        bands = set(self.raw_bands)
        for medoid in self.medoids:
            if self.confirmed(medoid):
                bands.update(tlsh.bands(medoid.digest))
        return bands

    def commit(self, before):
        """Records the change of the band set since before as one seq."""
        after = self.band_set()
        added, removed = after - before, before - after
        if added or removed:
            self.seq += 1
            self.oplog.append({"seq": self.seq,
                "add": sorted(added, key=band_order),
                "del": sorted(removed, key=band_order)})
        self.save()

    def delta(self, since):
        """Compacted ops bringing a client at seq since to the latest."""
        now = self.band_set()
        if since == 0:
            if not now:
                return []
            return [{"action": "add", "bands": sorted(now, key=band_order)}]
        touched = set()
        for entry in self.oplog:
            if entry["seq"] > since:
                touched.update(entry["add"], entry["del"])
        ops = []
        for action, bands in (("add", touched & now), ("del", touched - now)):
            if bands:
                ops.append({"action": action,
                    "bands": sorted(bands, key=band_order)})
        return ops

    def nearest(self, digest, only_confirmed):
        best = None
        for medoid in self.medoids:
            if only_confirmed and not self.confirmed(medoid):
                continue
            d = tlsh.distance(digest, medoid.digest)
            if best is None or d < best[0]:
                best = (d, medoid)
        return best

    def seed(self, spam, bands, del_bands):
        before = self.band_set()
        for digest in spam:
            found = [m for m in self.medoids if m.digest.text == digest.text]
            medoid = found[0] if found else Medoid(digest)
            if not found:
                self.medoids.append(medoid)
            while not self.confirmed(medoid):
                medoid.spam += 1
        self.raw_bands.update(bands)
        self.raw_bands.difference_update(del_bands)
        self.commit(before)

    def learn(self, digests, report_type):
        """Clusters reported digests onto medoids (distance <= 70)."""
        before = self.band_set()
        for digest in digests:
            near = self.nearest(digest, False)
            if near is not None and near[0] <= self.cluster_distance:
                medoid = near[1]
            elif report_type == "spam":
                medoid = Medoid(digest)
                self.medoids.append(medoid)
            else:
                # Ham about a digest nobody reported as spam: nothing
                # to lower, so no cluster is created for it.
                continue
            if report_type == "spam":
                medoid.spam += 1
            else:
                medoid.ham += 1
        self.commit(before)

    # --- persistence ----------------------------------------------------

    def save(self):
        if not self.state_file:
            return
        doc = {"format": 1, "seq": self.seq, "raw_bands":
            sorted(self.raw_bands), "oplog": self.oplog, "medoids":
            [{"digest": m.digest.text, "spam": m.spam, "ham": m.ham}
            for m in self.medoids]}
        tmp = self.state_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump(doc, f)
        os.replace(tmp, self.state_file)

    def load(self):
        with open(self.state_file) as f:
            doc = json.load(f)
        self.seq = int(doc["seq"])
        self.raw_bands = set(b for b in doc["raw_bands"] if tlsh.is_band(b))
        self.oplog = doc["oplog"]
        for m in doc["medoids"]:
            digest = tlsh.parse(m["digest"])
            if digest is not None:
                self.medoids.append(Medoid(digest, int(m["spam"]),
                    int(m["ham"])))

    # --- request log ----------------------------------------------------

    def node(self, node_id):
        if node_id not in self.nodes:
            self.nodes[node_id] = {"reports_accepted": 0,
                "reports_refused": 0, "report_times": [],
                "signatures": {"spam": {}, "ham": {}}, "stats_posts": 0,
                "stats": {f: 0 for f in STATS_FIELDS}}
        return self.nodes[node_id]

    def record(self, endpoint, request, status, mode, applied, answer=None):
        entry = {"time": round(time.time(), 3), "request": request,
            "status": status, "mode": mode, "applied": applied}
        if answer is not None:
            entry["answer"] = answer
        log = self.requests[endpoint]
        log.append(entry)
        if len(log) > LOG_LIMIT:
            del log[:len(log) - LOG_LIMIT]
        key = str(status)
        self.counts[endpoint][key] = self.counts[endpoint].get(key, 0) + 1

    def take_switch(self, endpoint):
        """The switch that applies to this request (one use of count)."""
        switch = self.switch
        if switch.mode == "normal" or endpoint not in switch.endpoints:
            return Switch()
        if switch.count is not None:
            switch.count -= 1
            if switch.count == 0:
                self.switch = Switch()
        return switch

    def snapshot(self):
        nodes = {}
        for node_id, info in self.nodes.items():
            nodes[node_id] = {k: v for k, v in info.items()
                if k != "report_times"}
        return {"seq": self.seq,
            "bands": sorted(self.band_set(), key=band_order),
            "raw_bands": sorted(self.raw_bands, key=band_order),
            "oplog": self.oplog,
            "medoids": [{"digest": m.digest.text, "spam": m.spam,
            "ham": m.ham, "confirmed": self.confirmed(m)}
            for m in self.medoids],
            "switch": self.switch.describe(),
            "config": {"spam_threshold": self.threshold,
            "ham_weight": self.ham_weight,
            "cluster_distance": self.cluster_distance,
            "proximity_distance": self.proximity_distance,
            "rate_limit": None if self.rate_limit is None else
            "%d/%ds" % self.rate_limit},
            "counts": self.counts, "nodes": nodes,
            "requests": self.requests}

    # --- the protocol ---------------------------------------------------

    def do_sync(self, request, switch):
        check_node_id(request)
        current = request.get("current_seq")
        if not is_count(current):
            raise RequestError(400, "invalid current_seq")
        if switch.mode == "reset" or current > self.seq:
            # The client knows a future we never had (we restarted
            # without our state): it must start over.
            return {"new_seq": self.seq, "action": "RESET_DB", "ops": []}
        return {"new_seq": self.seq, "action": "UPDATE_DELTA",
            "ops": self.delta(current)}

    def do_analyze(self, request, switch):
        check_node_id(request)
        digest = tlsh.parse(request.get("email_body_hash"))
        if digest is None:
            raise RequestError(400, "invalid email_body_hash")
        spam = self.nearest(digest, True)
        if spam is not None and spam[0] <= self.cluster_distance:
            return {"result": {"action": "spam", "label": "oracle_spam",
                "proximity_match": True, "distance": spam[0]}}
        near = self.nearest(digest, False)
        if near is not None and near[0] <= self.proximity_distance:
            return {"result": {"action": "allow", "proximity_match": True,
                "distance": near[0]}}
        return {"result": {"action": "allow", "proximity_match": False}}

    def do_report(self, request, switch):
        node_id = check_node_id(request)
        report_type = request.get("report_type")
        if report_type not in ("spam", "ham"):
            raise RequestError(400, "invalid report_type")
        signatures = request.get("signatures")
        if not isinstance(signatures, list) or \
                not 0 < len(signatures) <= MAX_SIGNATURES:
            raise RequestError(400, "invalid signatures")
        digests = [tlsh.parse(s) for s in signatures]
        if None in digests:
            raise RequestError(400, "invalid signature")
        node = self.node(node_id)
        if self.rate_limit is not None:
            limit, window = self.rate_limit
            now = time.monotonic()
            node["report_times"] = [t for t in node["report_times"]
                if now - t < window]
            if len(node["report_times"]) >= limit:
                node["reports_refused"] += 1
                raise RequestError(429, RATE_LIMIT_MESSAGE)
            node["report_times"].append(now)
        node["reports_accepted"] += 1
        counts = node["signatures"][report_type]
        for digest in digests:
            counts[digest.text] = counts.get(digest.text, 0) + 1
        self.learn(digests, report_type)
        return {"status": "ok", "accepted": len(digests)}

    def do_stats(self, request, switch):
        node = self.node(check_node_id(request))
        for field in STATS_FIELDS:
            if not is_count(request.get(field)):
                raise RequestError(400, "invalid %s" % field)
        for field in STATS_FIELDS:
            node["stats"][field] += request[field]
        node["stats_posts"] += 1
        return {"status": "ok"}


# Answers of the misbehaviour modes that do not depend on state.
WRONG_SHAPE = {
    "sync": {"new_seq": "many", "action": ["UPDATE_DELTA"],
        "ops": {"action": "add"}},
    "analyze": {"result": "spam"},
    "report": ["ok"],
    "stats": "ok",
}
NON_2XX_BODY = {
    "sync": None,
    "analyze": {"result": {"action": "spam", "label": "oracle_spam",
        "proximity_match": True, "distance": 0}},
    "report": {"status": "ok"},
    "stats": {"status": "ok"},
}
# Band strings a client must refuse to store: wrong index, case, length,
# separators and protocol characters aimed at the Redis wire format.
HOSTILE_BANDS = ["0:ABCDEF", "21:ABCDEF", "1:abcdef", "1:ABCDE",
    "1:ABCDEFAB", "1:ABC\r\nFLUSHALL\r\n", "*:*", "", "1:" + "A" * 4096,
    "../1:ABCDEF", 12, None, {"band": "1:ABCDEF"}]


class OracleHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "TestOracle/1"
    # An idle keep-alive connection is closed after this many seconds.
    timeout = 60

    def log_message(self, fmt, *args):
        if not self.server.quiet:
            sys.stderr.write("oracle: %s %s\n" % (self.address_string(),
                fmt % args))

    # --- I/O ------------------------------------------------------------

    def handle_expect_100(self):
        # Refuse an oversized body before the client sends it.
        length = self.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > MAX_REQUEST:
            self.close_connection = True
            self.send_json(413, {"error": "request too large"})
            return False
        return super().handle_expect_100()

    def read_body(self):
        """The request body, at most MAX_REQUEST bytes."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self.read_chunked()
        length = self.headers.get("Content-Length")
        if length is None:
            raise RequestError(411, "Content-Length required")
        if not length.isdigit() or len(length) > 12:
            raise RequestError(400, "invalid Content-Length")
        if int(length) > MAX_REQUEST:
            raise RequestError(413, "request too large")
        return self.rfile.read(int(length))

    def read_chunked(self):
        body = b""
        while True:
            line = self.rfile.readline(64).split(b";")[0].strip()
            try:
                size = int(line, 16)
            except ValueError:
                raise RequestError(400, "invalid chunk")
            if size < 0 or len(body) + size > MAX_REQUEST:
                raise RequestError(413, "request too large")
            if size == 0:
                while self.rfile.readline(1024).strip():
                    pass
                return body
            body += self.rfile.read(size)
            self.rfile.readline(8)

    def send_bytes(self, status, body, content_type="application/json"):
        self.send_response(status)
        if status == 304:
            self.end_headers()
            return
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, status, doc):
        self.send_bytes(status, json.dumps(doc).encode())

    def send_oversized(self, size):
        """Streams a 200 of size bytes that starts like a spam verdict."""
        head = b'{"result":{"action":"spam","label":"oracle_spam",' \
            b'"proximity_match":true,"distance":0},"padding":"'
        tail = b'"}'
        fill = max(0, size - len(head) - len(tail))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(head) + fill + len(tail)))
        self.end_headers()
        block = b"x" * CHUNK
        try:
            self.wfile.write(head)
            while fill > 0:
                n = min(fill, CHUNK)
                self.wfile.write(block[:n])
                fill -= n
            self.wfile.write(tail)
        except OSError:
            # The client gave up reading, as it should.
            self.close_connection = True

    def drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # --- dispatch -------------------------------------------------------

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        state = self.server.state
        if path == "/_state":
            with state.lock:
                doc = state.snapshot()
            self.send_json(200, doc)
        elif path.lstrip("/") in ENDPOINTS or path in ("/_control",
                "/_seed", "/_reset"):
            self.send_json(405, {"error": "POST required"})
        else:
            self.send_json(404, {"error": "not found"})

    def do_POST(self):
        path = self.path.split("?", 1)[0]
        try:
            body = self.read_body()
        except RequestError as e:
            self.close_connection = True
            self.send_json(e.status, {"error": e.message})
            return
        if path.lstrip("/") in ENDPOINTS:
            self.protocol(path.lstrip("/"), body)
        elif path in ("/_control", "/_seed", "/_reset"):
            self.control(path, body)
        else:
            self.send_json(404, {"error": "not found"})

    def control(self, path, body):
        state = self.server.state
        try:
            doc = json.loads(body or b"{}")
            if not isinstance(doc, dict):
                raise ValueError("a JSON object is required")
            with state.lock:
                answer = self.control_locked(state, path, doc)
        except (ValueError, TypeError, RecursionError) as e:
            self.send_json(400, {"error": str(e)})
            return
        self.send_json(200, answer)

    def control_locked(self, state, path, doc):
        if path == "/_reset":
            if doc.get("scope", "all") == "log":
                state.clear_log()
            else:
                state.clear_all()
                state.save()
            return {"status": "ok"}
        if path == "/_seed":
            spam = doc.get("spam", [])
            bands = doc.get("bands", [])
            del_bands = doc.get("del_bands", [])
            for name, value in (("spam", spam), ("bands", bands),
                    ("del_bands", del_bands)):
                if not isinstance(value, list):
                    raise ValueError("%s must be a list" % name)
            digests = [tlsh.parse(s) for s in spam]
            if None in digests:
                raise ValueError("spam holds something that is not a "
                    "TLSH digest")
            if not all(tlsh.is_band(b) for b in bands + del_bands):
                raise ValueError("bands must look like 1:ABCDEF")
            state.seed(digests, bands, del_bands)
            return {"status": "ok", "seq": state.seq}
        if "rate_limit" in doc:
            state.rate_limit = parse_rate_limit(doc["rate_limit"])
        if "spam_threshold" in doc:
            if not is_count(doc["spam_threshold"]) or \
                    doc["spam_threshold"] < 1:
                raise ValueError("spam_threshold must be >= 1")
            before = state.band_set()
            state.threshold = doc["spam_threshold"]
            state.commit(before)
        if "mode" in doc:
            state.switch = Switch(doc["mode"], doc.get("endpoints"),
                doc.get("delay", DEFAULT_DELAY), doc.get("status"),
                doc.get("size", DEFAULT_SIZE), doc.get("count"))
        return state.snapshot()["switch"]

    def protocol(self, endpoint, body):
        state = self.server.state
        try:
            request = json.loads(body)
        except (ValueError, RecursionError):
            request = None
        with state.lock:
            switch = state.take_switch(endpoint)
        if switch.mode == "drop":
            with state.lock:
                state.record(endpoint, request, "dropped", "drop", False)
            self.drop()
            return
        if switch.mode == "slow":
            time.sleep(switch.delay)
        if switch.mode in APPLYING_MODES:
            status, doc = self.apply(endpoint, request, switch)
        else:
            status, doc = self.refuse(endpoint, request, switch)
        self.answer(endpoint, switch, status, doc)

    def apply(self, endpoint, request, switch):
        state = self.server.state
        handler = getattr(state, "do_" + endpoint)
        with state.lock:
            try:
                if not isinstance(request, dict):
                    raise RequestError(400, "invalid JSON")
                doc = handler(request, switch)
                status = 200
            except RequestError as e:
                status, doc = e.status, {"error": e.message}
            if switch.mode == "not_modified" and status == 200:
                status = 304
            state.record(endpoint, request, status, switch.mode,
                status == 200, doc if endpoint != "report" else None)
            if switch.mode == "bad_bands" and status == 200:
                doc = {"new_seq": state.seq, "action": "UPDATE_DELTA",
                    "ops": [{"action": "add", "bands": HOSTILE_BANDS},
                    {"action": "flush", "bands": ["1:ABCDEF"]},
                    {"action": "del", "bands": "1:ABCDEF"}]}
            elif switch.mode == "unknown_action" and status == 200:
                # Upstream ignores an action it does not know: no band
                # is applied and the sequence does not move.
                doc = {"new_seq": state.seq + 1000,
                    "action": "NOTHING_TO_DO", "ops": [{"action": "add",
                    "bands": ["1:BADBAD"]}]}
        return status, doc

    def refuse(self, endpoint, request, switch):
        state = self.server.state
        with state.lock:
            if switch.mode == "ratelimit":
                status = 429
                doc = {"error": RATE_LIMIT_MESSAGE}
            elif switch.mode == "bad_status_verdict":
                status = switch.status
                doc = NON_2XX_BODY[endpoint]
                if doc is None:
                    doc = {"new_seq": state.seq + 1000,
                        "action": "UPDATE_DELTA", "ops": [{"action": "add",
                        "bands": ["1:BADBAD"]}]}
            else:
                status = switch.status
                doc = {"error": "oracle failure (test switch)"}
            state.record(endpoint, request, status, switch.mode, False)
        return status, doc

    def answer(self, endpoint, switch, status, doc):
        mode = switch.mode if status == 200 else "normal"
        if mode == "oversized":
            self.send_oversized(switch.size)
        elif mode == "malformed":
            text = json.dumps(doc).encode()
            self.send_bytes(200, text[:max(1, len(text) // 2)])
        elif mode == "wrong_shape":
            self.send_json(200, WRONG_SHAPE[endpoint])
        else:
            self.send_json(status, doc)


class OracleServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A client that hung up (timeouts, dropped switches) is expected.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def read_bands_seed(state, path):
    """One digest (confirmed as spam) or one band per line; # comments."""
    spam, bands = [], []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            digest = tlsh.parse(line)
            if digest is not None:
                spam.append(digest)
            elif tlsh.is_band(line):
                bands.append(line)
            else:
                raise ValueError("%s:%d: neither a digest nor a band" %
                    (path, number))
    state.seed(spam, bands, [])


def main():
    parser = argparse.ArgumentParser(description="Test Oracle for Guardian")
    parser.add_argument("--port", type=int, required=True,
        help="TCP port, 0 picks a free one")
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--state-file",
        help="keep bands, medoids and sequence numbers across restarts")
    parser.add_argument("--bands-seed",
        help="file of digests (confirmed spam) and bands to start with")
    parser.add_argument("--rate-limit", default=None,
        help="reports accepted per node, e.g. 10/60s (default: none)")
    parser.add_argument("--spam-threshold", type=int, default=1)
    parser.add_argument("--ham-weight", type=int, default=1)
    parser.add_argument("--cluster-distance", type=int, default=70)
    parser.add_argument("--proximity-distance", type=int, default=100)
    parser.add_argument("--mode", default="normal", choices=MODES,
        help="misbehaviour from the start (see docs/test-oracle.md)")
    parser.add_argument("--endpoints", default=",".join(ENDPOINTS),
        help="comma-separated endpoints the mode applies to")
    parser.add_argument("--delay", type=float, default=DEFAULT_DELAY)
    parser.add_argument("--status", type=int, default=None)
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE)
    parser.add_argument("--count", type=int, default=None)
    parser.add_argument("--quiet", action="store_true",
        help="do not log requests to stderr")
    args = parser.parse_args()
    args.endpoints = [e for e in args.endpoints.split(",") if e]
    if args.spam_threshold < 1:
        parser.error("--spam-threshold must be >= 1")
    try:
        state = OracleState(args)
        if args.bands_seed:
            read_bands_seed(state, args.bands_seed)
    except (ValueError, OSError, KeyError, TypeError) as e:
        parser.error(str(e))
    server = OracleServer((args.bind, args.port), OracleHandler)
    server.state = state
    server.quiet = args.quiet
    host, port = server.server_address[:2]
    print("listening on %s:%d" % (host, port), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    server.server_close()


if __name__ == "__main__":
    main()
