"""Three `tollgate serve` processes on one PostgreSQL database hold one hard budget together."""
import concurrent.futures
import glob
import json
import os
import queue
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid

import pytest

BINARY = os.environ.get("TOLLGATE_BIN", ".build/debug/tollgate")
POSTGRES = os.environ.get("TOLLGATE_TEST_POSTGRES")

CONFIG = """\
admin_token: replica-admin
providers:
  - name: sim-deepseek
    kind: openai
    base_url: {base_url}
models:
  - name: deepseek-chat
    provider: sim-deepseek
    tokenizer: deepseek_v3
    price: {{currency: USD, input: 0.28, output: 0.42}}
"""


def psql(url, statement):
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))
    subprocess.run([binaries[-1] if binaries else "psql", url, "-q", "-c", statement], check=True, capture_output=True)


def start_replica(config, database):
    process = subprocess.Popen([BINARY, "serve", "--config", config, "--database", database, "--port", "0"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: "queue.Queue[str]" = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True).start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            assert process.poll() is None, "a replica exited at start-up"
            continue
        found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if found and "listening" in line:
            return process, f"http://127.0.0.1:{found.group(1)}"
    process.kill()
    raise AssertionError("a replica did not start")


def post(url, key, body):
    request = urllib.request.Request(url + "/v1/chat/completions", data=json.dumps(body).encode(), method="POST",
                                     headers={"content-type": "application/json", "authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def shared_database(demo, tmp_path, prefix):
    """A fresh database on the test server with the schema, organization acme holding 100 USD, a
    key for it, and a config pointing at the demo's simulated DeepSeek."""
    name = prefix + uuid.uuid4().hex[:12]
    psql(POSTGRES, f"CREATE DATABASE {name}")
    database = re.sub(r"/[^/]*$", f"/{name}", POSTGRES)
    config = tmp_path / "tollgate.yaml"
    config.write_text(CONFIG.format(base_url=demo.providers["sim-deepseek"]))

    def cli(*args):
        result = subprocess.run([BINARY, *args, "--database", database], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result
        return result.stdout

    cli("migrate")
    cli("orgs", "create", "acme")
    cli("credits", "add", "--org", "acme", "--amount", "100")
    created = subprocess.run([BINARY, "keys", "create", "--org", "acme", "--database", database], capture_output=True, text=True)
    key, key_id = created.stdout.strip(), re.search(r"key (key_\S+)", created.stderr).group(1)
    return name, database, str(config), cli, key, key_id


def stop(replicas):
    """SIGTERM to every replica, and wait for each to exit (each gives its free escrow slices back)."""
    for process, _ in replicas:
        process.send_signal(signal.SIGTERM)
    for process, _ in replicas:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def verify_and_drop(name, database):
    """The ledger verifies with nothing pending; then the database goes."""
    verified = subprocess.run([BINARY, "ledger", "verify", "--database", database], capture_output=True, text=True)
    assert verified.returncode == 0, verified
    assert "0 pending open" in verified.stdout, verified.stdout
    psql(POSTGRES, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.skipif(not POSTGRES, reason="TOLLGATE_TEST_POSTGRES is unset (scripts/test sets it)")
def test_three_replicas_hold_one_hard_budget_under_64_concurrent_requests(demo, tmp_path):
    name, database, config, cli, key, key_id = shared_database(demo, tmp_path, "tg_replicas_")
    replicas = []
    try:
        limited = cli("keys", "create", "--org", "acme", "--rpm", "12").strip()
        replicas = [start_replica(config, database) for _ in range(3)]

        # Rate limits are shared through the database: 12 per minute in all, not 12 per replica.
        statuses = []
        for replica in range(3):
            for index in range(6):
                statuses.append(post(replicas[replica][1], limited, {"model": "deepseek-chat", "max_tokens": 5,
                                                                      "messages": [{"role": "user", "content": f"r{index}"}]})[0])
            time.sleep(1)  # longer than two sharing intervals
        assert statuses == [200] * 12 + [429] * 6, statuses

        budget = 500_000  # nano-USD: about 17 worst cases, 30 actual answers
        cli("budgets", "create", "--org", "acme", "--amount", "0.0005", "--period", "day")

        def one(index):
            url = replicas[index % 3][1]
            return post(url, key, {"model": "deepseek-chat", "max_tokens": 50,
                                   "messages": [{"role": "user", "content": f"Replica request {index}"}]})

        with concurrent.futures.ThreadPoolExecutor(max_workers=64) as pool:
            replies = list(pool.map(one, range(64)))
        accepted = [body for status, body in replies if status == 200]
        refused = [body for status, body in replies if status == 402]
        assert accepted and refused
        assert len(accepted) + len(refused) == 64, [status for status, _ in replies]
        assert all(body["error"]["code"] == "budget_exceeded" for body in refused)
        spent = sum(round(body["usage"]["cost"] * 1e9) for body in accepted)

        time.sleep(0.5)  # settlements are written just after each response
        request = urllib.request.Request(replicas[0][1] + "/admin/requests?org=acme&limit=1000",
                                         headers={"authorization": "Bearer replica-admin"})
        with urllib.request.urlopen(request) as response:
            records = json.load(response)
        records = [record for record in records if record["key_id"] == key_id]
        assert len(records) == 64, len(records)
        largest_reservation = max(record["reserved"] for record in records)
        recorded = sum(record["cost"]["nanos"] for record in records if record["status"] == 200)
        assert abs(recorded - spent) <= len(accepted)  # the response's cost is a float
        assert recorded <= budget + largest_reservation
        assert all(record["settlement"] in ("posted", "posted_with_debt") for record in records if record["status"] == 200)
    finally:
        stop(replicas)
    verify_and_drop(name, database)


def metric(url, name, labels):
    with urllib.request.urlopen(url + "/metrics") as response:
        text = response.read().decode()
    found = re.search(re.escape(name) + r"\{" + re.escape(labels) + r"\} (\S+)", text)
    return float(found.group(1)) if found else 0.0


@pytest.mark.skipif(not POSTGRES, reason="TOLLGATE_TEST_POSTGRES is unset (scripts/test sets it)")
def test_three_replicas_carving_from_escrow_slices_stop_at_a_hard_budget_within_one_reservation(demo, tmp_path):
    """Far from the limit each replica carves requests out of its own slices; near it they reserve
    alone; the budget is never passed by more than one request's reservation."""
    name, database, config, cli, key, key_id = shared_database(demo, tmp_path, "tg_escrow_")
    replicas = []
    try:
        budget = 2_000_000  # nano-USD: about 130 worst cases; slices until the last 260,000
        cli("budgets", "create", "--org", "acme", "--amount", "0.002", "--period", "day")
        replicas = [start_replica(config, database) for _ in range(3)]

        def worker(index):
            url = replicas[index % 3][1]
            replies = []
            for turn in range(200):
                status, body = post(url, key, {"model": "deepseek-chat", "max_tokens": 20,
                                               "messages": [{"role": "user", "content": f"Escrow {index}.{turn}"}]})
                replies.append((status, body))
                if status != 200:
                    break
            return replies

        with concurrent.futures.ThreadPoolExecutor(max_workers=24) as pool:
            replies = [reply for replies in pool.map(worker, range(24)) for reply in replies]
        statuses = [status for status, _ in replies]
        assert set(statuses) <= {200, 402}, statuses
        assert statuses.count(402) == 24  # every worker ran until the budget refused it
        assert all(body["error"]["code"] == "budget_exceeded" for status, body in replies if status == 402)
        carved = sum(metric(url, "tollgate_escrow_requests_total", 'path="carved"') for _, url in replicas)
        alone = sum(metric(url, "tollgate_escrow_requests_total", 'path="alone"') for _, url in replicas)
        assert carved > 0 and alone > 0, (carved, alone)

        time.sleep(0.5)  # settlements are written just after each response
        request = urllib.request.Request(replicas[0][1] + "/admin/requests?org=acme&limit=1000",
                                         headers={"authorization": "Bearer replica-admin"})
        with urllib.request.urlopen(request) as response:
            records = [record for record in json.load(response) if record["key_id"] == key_id]
        assert len(records) == len(replies)
        accepted = [record for record in records if record["status"] == 200]
        recorded = sum(record["cost"]["nanos"] for record in accepted)
        spent = sum(round(body["usage"]["cost"] * 1e9) for status, body in replies if status == 200)
        assert abs(recorded - spent) <= len(accepted)  # the response's cost is a float
        assert recorded > budget // 2
        assert recorded <= budget + max(record["reserved"] for record in records)
        assert all(record["settlement"] == "posted" for record in accepted)
    finally:
        stop(replicas)
    # Nothing pending: each replica gave its free slices back as it stopped.
    verify_and_drop(name, database)
