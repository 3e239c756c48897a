"""Clients that hang up at random points, on raw sockets: part-way through the request head, the
body, before any answer, after the answer's head, after some stream events, after some body bytes,
or never. After a bounded, seeded run: every request that reached the gateway has a record, none is
a 500, nothing is left pending, `ledger verify` passes, the balance moved by exactly what the records
say to the nano, and the gateway still answers.

TOLLGATE_DISCONNECT_SEED=N replays (or varies) the run; the seed is printed and named on failure."""
import collections
import concurrent.futures
import json
import os
import random
import re
import socket
import struct
import time
import urllib.request

from test_crash import pending_open
from test_faults import assert_settled, cli, start_replica, stop
from test_replicas import post

SEED = int(os.environ.get("TOLLGATE_DISCONNECT_SEED", "20231"))
REQUESTS = 72
CONCURRENT = 8
SOCKET_TIMEOUT = 15  # seconds, on every socket operation
CLIENTS_DEADLINE = 40  # seconds for all the clients together, so that a gateway that hangs fails in bounded time

CONFIG = """\
admin_token: disconnect-admin
providers:
  - {{name: sim-deepseek, kind: openai, base_url: "{deepseek}"}}
  - {{name: sim-anthropic, kind: anthropic, base_url: "{anthropic}"}}
models:
  - name: deepseek-chat
    provider: sim-deepseek
    tokenizer: deepseek_v3
    price: {{currency: USD, input: 0.28, output: 0.42}}
  - name: claude-sonnet-4-5
    provider: sim-anthropic
    tokenizer: claude_legacy
    price: {{currency: USD, input: 3.00, output: 15.00}}
upstream: {{read_timeout_seconds: 3}}
"""

# Where a client hangs up (planned); what actually happened is recorded separately, since a stream
# can end before its k-th event or a short answer before its n-th byte.
POINTS = ["in the request head", "in the request body", "after the request", "after the response head",
          "after k events", "after n body bytes", "never"]
WORDS = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt".split()


def plan(rng, index, point, key):
    """One request as bytes, with where its client will hang up."""
    api = rng.choice(["openai", "anthropic"])
    # Mostly each format's own provider, sometimes translated to the other one.
    model = {"openai": "deepseek-chat", "anthropic": "claude-sonnet-4-5"}[api]
    if rng.random() < 0.25:
        model = "claude-sonnet-4-5" if model == "deepseek-chat" else "deepseek-chat"
    stream = point == "after k events" or rng.random() < 0.6
    # Slow answers, so that hanging up lands mid-stream or while the provider is still thinking;
    # now and then a provider that goes quiet mid-stream, where the gateway learns of the client
    # only when the provider times out.
    chance = rng.random()
    if stream and chance < 0.1:
        behavior = {"stall_after": rng.randint(0, 4)}
    elif stream and chance < 0.75:
        behavior = {"paced_ms": rng.randint(10, 50)}
    else:
        behavior = {"delay_first_byte_ms": rng.randint(0, 400)}
    tag = "fake:" + json.dumps(behavior, separators=(",", ":"))
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 300)))
    body = {"model": model, "max_tokens": 64, "messages": [{"role": "user", "content": f"{index}: {text}"}]}
    if stream:
        body["stream"] = True
    if api == "openai":
        body["user"] = tag
        if stream:
            body["stream_options"] = {"include_usage": True}
        path, auth = "/v1/chat/completions", f"Authorization: Bearer {key}\r\n"
    else:
        body["metadata"] = {"user_id": tag}
        path, auth = "/v1/messages", f"x-api-key: {key}\r\nanthropic-version: 2023-06-01\r\n"
    payload = json.dumps(body).encode()
    chunked = rng.random() < 0.25
    if chunked:
        pieces, rest = [], payload
        while rest:
            size = rng.randint(1, 400)
            pieces.append(b"%x\r\n" % len(rest[:size]) + rest[:size] + b"\r\n")
            rest = rest[size:]
        payload, framing = b"".join(pieces) + b"0\r\n\r\n", "Transfer-Encoding: chunked\r\n"
    else:
        framing = f"Content-Length: {len(payload)}\r\n"
    head = (f"POST {path} HTTP/1.1\r\nHost: tollgate\r\nConnection: close\r\n{auth}Content-Type: application/json\r\n"
            f"x-tollgate-tags: rd-{index}\r\n{framing}\r\n").encode()
    return {"index": index, "api": api, "model": model, "stream": stream, "chunked": chunked, "behavior": behavior,
            "point": point, "head": head, "body": payload, "head_cut": rng.randint(1, len(head) - 1),
            "body_cut": rng.randint(0, len(payload) - 1), "events": rng.randint(1, 20), "bytes": rng.randint(1, 600),
            "pause": rng.random() * 0.15, "reset": rng.random() < 0.4}


class Response:
    """An HTTP/1.1 response read from a raw socket a piece at a time."""

    def __init__(self, sock, deadline):
        self.sock, self.deadline, self.raw, self.head, self.body, self.ended = sock, deadline, b"", None, b"", False
        self.status, self.headers, self._chunks = None, {}, b""

    def _recv(self):
        self.sock.settimeout(max(0.1, min(SOCKET_TIMEOUT, self.deadline - time.monotonic())))
        data = self.sock.recv(65536)
        if not data:
            self.ended = True
        return data

    def read_head(self):
        while b"\r\n\r\n" not in self.raw:
            data = self._recv()
            if not data:
                return False
            self.raw += data
        head, _, rest = self.raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split(" ")[1])
        self.headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
        self.head, self._chunks = head, rest
        self._decode()
        return True

    def _decode(self):
        """Moves what has arrived of the body into `body` (de-chunked); True once the body is complete."""
        if "chunked" not in self.headers.get("transfer-encoding", ""):
            self.body, self._chunks = self.body + self._chunks, b""
            length = self.headers.get("content-length")
            return length is not None and len(self.body) >= int(length)
        while True:
            line, found, rest = self._chunks.partition(b"\r\n")
            if not found:
                return False
            size = int(line.split(b";")[0], 16)
            if size == 0:
                return True
            if len(rest) < size + 2:
                return False
            self.body += rest[:size]
            self._chunks = rest[size + 2:]

    def read_body_until(self, enough):
        """Reads until `enough(self)` holds or the body is complete; True when `enough` held."""
        while not enough(self):
            if self._decode():
                return False
            data = self._recv()
            if not data:
                return False
            self.raw += data
            self._chunks += data
        return True


def hang_up(sock, reset):
    if reset:  # an abortive close: RST instead of FIN
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def run(host, port, request, deadline):
    """Sends `request` and hangs up where it says (by `deadline` at the latest); what happened, as a dict."""
    outcome = {"index": request["index"], "point": None, "status": None, "cost": None, "request_id": None, "error": None,
               "stream_error": False}
    sock = socket.create_connection((host, port), timeout=SOCKET_TIMEOUT)
    try:
        point = request["point"]
        if point == "in the request head":
            sock.sendall(request["head"][:request["head_cut"]])
            time.sleep(request["pause"])
            outcome["point"] = point
            return outcome
        sock.sendall(request["head"])
        if point == "in the request body":
            sock.sendall(request["body"][:request["body_cut"]])
            time.sleep(request["pause"])
            outcome["point"] = point
            return outcome
        sock.sendall(request["body"])
        if point == "after the request":
            time.sleep(request["pause"])
            outcome["point"] = point
            return outcome
        response = Response(sock, deadline)
        if not response.read_head():
            outcome["point"], outcome["error"] = "closed by the gateway before its head", response.raw[:200]
            return outcome
        outcome["status"], outcome["request_id"] = response.status, response.headers.get("x-tollgate-request-id")
        if point == "after the response head":
            outcome["point"] = point
            return outcome
        if point == "after k events":
            enough = lambda r: r.body.count(b"\n\n") >= request["events"]
        elif point == "after n body bytes":
            enough = lambda r: len(r.raw) - len(r.head) - 4 >= request["bytes"]
        else:
            enough = lambda r: False
        if response.read_body_until(enough):
            outcome["point"] = point
            return outcome
        if not response._decode() and not response.ended:
            outcome["point"], outcome["error"] = "an incomplete body", response.body[-300:]
            return outcome
        outcome["point"] = "read to the end"
        outcome["cost"] = answered_cost(request, response)
        outcome["stream_error"] = request["stream"] and (b"event: error" in response.body or b'data: {"error"' in response.body)
        return outcome
    except OSError as error:  # a timeout is a finding; a reset by the gateway is reported as such
        outcome["point"], outcome["error"] = f"socket error ({type(error).__name__})", str(error)
        return outcome
    finally:
        hang_up(sock, request["reset"])


def answered_cost(request, response):
    """What the gateway told the client the request cost, in nanos (None when it did not say)."""
    if response.status != 200:
        return None
    if not request["stream"]:
        cost = response.headers.get("x-tollgate-cost")
        return int(cost.split()[0].replace(".", "")) if cost else None
    cost = None
    for line in response.body.decode().split("\n"):
        if line.startswith("data:") and line[5:].strip() not in ("", "[DONE]"):
            event = json.loads(line[5:])
            usage = event.get("usage") or (event.get("delta") or {}).get("usage") or {}
            if "cost" in usage:
                cost = round(usage["cost"] * 1e9)
    return cost


def records(url):
    request = urllib.request.Request(url + "/admin/requests?org=acme&limit=1000",
                                     headers={"authorization": "Bearer disconnect-admin"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def test_clients_hanging_up_at_random_points_are_charged_exactly_for_what_was_answered_and_leave_nothing_pending(demo, tmp_path):
    print(f"TOLLGATE_DISCONNECT_SEED={SEED}")
    database = f"sqlite:{tmp_path}/disconnects.db"
    config = tmp_path / "tollgate.yaml"
    config.write_text(CONFIG.format(deepseek=demo.providers["sim-deepseek"], anthropic=demo.providers["sim-anthropic"]))
    cli(database, "migrate")
    cli(database, "orgs", "create", "acme")
    cli(database, "credits", "add", "--org", "acme", "--amount", "10")
    key = cli(database, "keys", "create", "--org", "acme").strip()
    log = tmp_path / "serve.log"
    process, url = start_replica(str(config), database, log)
    host, port = re.match(r"http://([^:]+):(\d+)", url).groups()
    seed = f"(TOLLGATE_DISCONNECT_SEED={SEED})"
    try:
        rng = random.Random(SEED)
        points = [POINTS[index % len(POINTS)] for index in range(REQUESTS)]  # each about as often
        rng.shuffle(points)
        requests = [plan(rng, index, point, key) for index, point in enumerate(points)]
        began = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
            outcomes = list(pool.map(lambda request: run(host, int(port), request, began + CLIENTS_DEADLINE), requests))
        print(f"{REQUESTS} clients done in {time.monotonic() - began:.1f} s")
        spread = collections.Counter(outcome["point"] for outcome in outcomes)
        print("where the clients hung up:", dict(spread))
        assert process.poll() is None, (seed, "the gateway died under the clients", log.read_text()[-5000:])

        # Every request that got its head to the gateway is recorded, once: wait for the writer.
        expected = {f"rd-{o['index']}" for o in outcomes if o["point"] != "in the request head"}
        deadline = time.monotonic() + 30
        while True:
            found = [record for record in records(url) if set(record["tags"]) & expected]
            if len(found) >= len(expected) or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        time.sleep(0.5)  # a request recorded twice, or one cut in its head recorded after all
        every = records(url)
        by_tag = collections.defaultdict(list)
        for record in every:
            for tag in record["tags"]:
                by_tag[tag].append(record)
        for outcome in outcomes:  # shown when the test fails
            request, record = requests[outcome["index"]], (by_tag.get(f"rd-{outcome['index']}") or [{}])[0]
            print(outcome["index"], request["api"], request["model"], "stream" if request["stream"] else "plain",
                  "chunked" if request["chunked"] else "", request["behavior"], "RST" if request["reset"] else "FIN",
                  outcome["point"], outcome["cost"], "| record:", record.get("status"), record.get("usage"),
                  record.get("cost", {}).get("nanos"), record.get("reserved"), record.get("settlement"),
                  record.get("usage_source"), record.get("error"))

        # Every client hung up where it meant to, or read its answer to the end; none met an error.
        strange = [(requests[o["index"]]["point"], o) for o in outcomes if o["point"] not in POINTS + ["read to the end"]]
        assert not strange, (seed, strange)
        # The run really hung up everywhere, and did not degrade into answers read whole.
        for point in POINTS[:-1]:
            assert spread[point] >= 4, (seed, point, dict(spread))
        assert spread["read to the end"] >= 5, (seed, dict(spread))
        assert all(o["status"] in (None, 200) for o in outcomes), (seed, [o for o in outcomes if o["status"] not in (None, 200)])

        missing = sorted(expected - set(by_tag), key=lambda tag: int(tag[3:]))
        assert not missing, (seed, "requests without a record", [(tag, requests[int(tag[3:])]["point"]) for tag in missing])
        assert all(len(found) == 1 for found in by_tag.values()), (seed, {tag: len(found) for tag, found in by_tag.items()})
        assert len(every) == len(expected), (seed, len(every), len(expected))

        # A client that goes away is a 499, never a 500; answers read whole cost what the client was told.
        statuses = collections.Counter((o["point"], by_tag[f"rd-{o['index']}"][0]["status"]) for o in outcomes
                                       if o["point"] != "in the request head")
        print("recorded statuses by where the client hung up:", dict(statuses))
        assert all(record["status"] in (200, 499) for record in every), \
            (seed, [(record["tags"], record["status"], record.get("error")) for record in every if record["status"] not in (200, 499)])
        for outcome in outcomes:
            record = (by_tag.get(f"rd-{outcome['index']}") or [None])[0]
            cost = record and record.get("cost", {}).get("nanos", 0)
            if outcome["point"] == "in the request body":
                assert record["status"] == 499 and not cost and record.get("settlement") in (None, "voided"), (seed, outcome, record)
            if outcome["point"] == "read to the end":
                assert record["status"] == 200 and record["id"] == outcome["request_id"], (seed, outcome, record)
                if "stall_after" in requests[outcome["index"]]["behavior"]:
                    # The provider went quiet: the client's stream ends with an error event, and
                    # what was relayed before it is charged (the input at least).
                    assert outcome["stream_error"] and "timed out" in record["error"] and cost > 0, (seed, outcome, record)
                else:
                    assert not outcome["stream_error"] and outcome["cost"] is not None and cost == outcome["cost"], (seed, outcome, record)
        # Some clients were charged for an answer they hung up in the middle of.
        assert sum(1 for record in every if record["status"] == 499 and record["usage"]["output"] > 0) >= 2, \
            (seed, [(record["tags"], record["usage"]) for record in every if record["status"] == 499])

        # Once every request has ended, nothing is left pending: not left for a timeout to release
        # (the escrow's free slices go back 2 s after their last request).
        deadline = time.monotonic() + 10
        while pending_open(database) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert pending_open(database) == 0, seed
        charged = sum(record.get("cost", {}).get("nanos", 0) for record in every)
        assert_settled(database, charged)

        # The gateway is still up and answers as usual.
        assert process.poll() is None, seed
        status, body = post(url, key, {"model": "deepseek-chat", "max_tokens": 5, "user": 'fake:"normal"',
                                       "messages": [{"role": "user", "content": "still there?"}]})
        assert status == 200, (seed, body)
        deadline = time.monotonic() + 10
        while len(every := records(url)) == len(expected) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(every) == len(expected) + 1, seed
        assert every[0]["cost"]["nanos"] == round(body["usage"]["cost"] * 1e9), (seed, every[0], body)
        charged = sum(record.get("cost", {}).get("nanos", 0) for record in every)
        assert_settled(database, charged)
    finally:
        stop(process, log)  # and it stops cleanly on SIGTERM
    assert_settled(database, charged)
