"""A gateway killed (SIGKILL) in the middle of streams: after a restart its reservations are released,
nothing is charged for the lost requests, and the ledger verifies."""
import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.request

from test_replicas import BINARY, CONFIG, post, start_replica


def cli(database, *args):
    result = subprocess.run([BINARY, *args, "--database", database], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result
    return result.stdout


def pending_open(database):
    verified = subprocess.run([BINARY, "ledger", "verify", "--grace", "3600", "--database", database],
                              capture_output=True, text=True)
    assert verified.returncode == 0, verified
    return int(re.search(r"(\d+) pending open", verified.stdout).group(1))


def test_a_gateway_killed_mid_stream_releases_its_reservations_after_a_restart(demo, tmp_path):
    database = f"sqlite:{tmp_path}/crash.db"
    config = tmp_path / "tollgate.yaml"
    config.write_text(CONFIG.format(base_url=demo.providers["sim-deepseek"])
                      + "metering: {reservation_timeout_seconds: 10}\n")
    cli(database, "migrate")
    cli(database, "orgs", "create", "acme")
    cli(database, "credits", "add", "--org", "acme", "--amount", "10")
    key = cli(database, "keys", "create", "--org", "acme").strip()

    process, url = start_replica(str(config), database)
    started = [threading.Event() for _ in range(8)]

    def stream(index):
        body = json.dumps({"model": "deepseek-chat", "stream": True, "user": 'fake:{"paced_ms": 300}',
                           "messages": [{"role": "user", "content": f"A long answer {index}"}]}).encode()
        request = urllib.request.Request(url + "/v1/chat/completions", data=body, method="POST",
                                         headers={"content-type": "application/json", "authorization": f"Bearer {key}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                response.readline()  # the first event: reserved and streaming
                started[index].set()
                response.read()
        except Exception:
            pass  # the gateway dies under it
    threads = [threading.Thread(target=stream, args=(index,)) for index in range(8)]
    [thread.start() for thread in threads]
    # Kill once all eight are reserved and streaming (the first request also loads the tokenizer,
    # which a debug build on a busy machine takes a second or two for).
    deadline = time.monotonic() + 20
    while not all(event.is_set() for event in started) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(event.is_set() for event in started)
    time.sleep(0.5)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    [thread.join(timeout=30) for thread in threads]
    # Reserved, never settled: the eight requests' holds, and any escrow slice the replica held free
    # (pending transfers too, that expire a quarter of the reservation timeout after them).
    assert pending_open(database) >= 8

    process, url = start_replica(str(config), database)
    try:
        deadline = time.monotonic() + 40
        while pending_open(database) and time.monotonic() < deadline:
            time.sleep(1)
        assert pending_open(database) == 0
        assert "acme\t" in cli(database, "orgs", "list") and "10.000000000 USD" in cli(database, "orgs", "list")
        status, body = post(url, key, {"model": "deepseek-chat", "max_tokens": 5, "messages": [{"role": "user", "content": "after"}]})
        assert status == 200
        cost = round(body["usage"]["cost"] * 1e9)
        time.sleep(0.5)
        balance = re.search(r"acme\t\S+\t(\S+) USD", cli(database, "orgs", "list")).group(1)
        assert round(float(balance) * 1e9) == 10_000_000_000 - cost
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    verified = subprocess.run([BINARY, "ledger", "verify", "--database", database], capture_output=True, text=True)
    assert verified.returncode == 0 and "0 pending open" in verified.stdout, verified
