"""Storage faults under a running gateway: the WAL index cut short, the database gone for a while.
After each: the process is still serving, `ledger verify` passes with nothing pending, and the
balance is the credit less exactly what the answered requests were charged."""
import glob
import random
import os
import re
import signal
import subprocess
import tempfile
import threading
import time

import pytest

from test_replicas import BINARY, CONFIG, POSTGRES, post

HERE = os.path.dirname(os.path.abspath(__file__))
POSTGRES_SCRIPT = os.path.join(HERE, "..", "..", "scripts", "postgres")


def cli(database, *args):
    result = subprocess.run([BINARY, *args, "--database", database], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result
    return result.stdout


def set_up(database, tmp_path, demo):
    config = tmp_path / "tollgate.yaml"
    config.write_text(CONFIG.format(base_url=demo.providers["sim-deepseek"]))
    cli(database, "migrate")
    cli(database, "orgs", "create", "acme")
    cli(database, "credits", "add", "--org", "acme", "--amount", "10")
    key = cli(database, "keys", "create", "--org", "acme").strip()
    return str(config), key


def ask(url, key, text):
    return post(url, key, {"model": "deepseek-chat", "max_tokens": 5, "messages": [{"role": "user", "content": text}]})


def nanos(body):
    return round(body["usage"]["cost"] * 1e9)


def assert_settled(database, charged_nanos):
    """The ledger verifies with nothing pending, and the balance is the credit less what was charged."""
    deadline = time.monotonic() + 20
    while True:
        verified = subprocess.run([BINARY, "ledger", "verify", "--database", database], capture_output=True, text=True)
        balance = re.search(r"acme\t\S+\t(\S+) USD", cli(database, "orgs", "list")).group(1)
        settled = verified.returncode == 0 and "0 pending open" in verified.stdout
        if settled and round(float(balance) * 1e9) == 10_000_000_000 - charged_nanos or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert verified.returncode == 0 and "0 pending open" in verified.stdout, verified
    assert round(float(balance) * 1e9) == 10_000_000_000 - charged_nanos


def start_replica(config, database, log, env=None):
    """`tollgate serve` with its log in a file (shown when a test fails)."""
    process = subprocess.Popen([BINARY, "serve", "--config", config, "--database", database, "--port", "0"],
                               stdout=subprocess.DEVNULL, stderr=open(log, "w"), env={**os.environ, **(env or {})})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(r"listening on 127\.0\.0\.1:(\d+)", log.read_text())
        if found:
            return process, f"http://127.0.0.1:{found.group(1)}"
        assert process.poll() is None, "the gateway exited at start-up:\n" + log.read_text()
        time.sleep(0.1)
    process.kill()
    raise AssertionError("the gateway did not start:\n" + log.read_text())


def stop(process, log, database=None):
    process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        if database and database.startswith("postgres"):  # what the server's sessions wait on
            psql = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))[-1]
            print(subprocess.run([psql, database, "-c", "SELECT pid, state, wait_event_type, wait_event, xact_start, left(query, 200) FROM pg_stat_activity"], capture_output=True, text=True).stdout)
        process.kill()
        raise AssertionError("the gateway did not stop within 30 s of SIGTERM:\n" + log.read_text()[-5000:])
    assert code == 0, log.read_text()[-5000:]


def test_a_wal_index_cut_short_under_a_running_gateway_is_rebuilt_and_no_request_fails(demo, tmp_path):
    path = tmp_path / "faults.db"
    database = f"sqlite:{path}"
    config, key = set_up(database, tmp_path, demo)
    log = tmp_path / "serve.log"
    process, url = start_replica(config, database, log)
    charged = 0
    try:
        for round_ in range(3):
            status, body = ask(url, key, f"before the cut {round_}")
            assert status == 200, body
            charged += nanos(body)
            # Once the request's record and settlement are written, so the cut lands between
            # statements and no request fails (cuts under running statements, which may fail one
            # with a 503: the next test)...
            time.sleep(0.5)
            # ...what an operator's cleanup or a backup tool can do to a file SQLite has mapped: it
            # used to kill the process with SIGBUS on the next request.
            os.truncate(str(path) + "-shm", 0)
            status, body = ask(url, key, f"after the cut {round_}")
            assert status == 200, body
            charged += nanos(body)
            assert process.poll() is None
    finally:
        stop(process, log)
    assert_settled(database, charged)


def test_a_wal_index_cut_short_under_load_answers_200_or_503_and_charges_exactly_the_answered_requests(demo, tmp_path):
    path = tmp_path / "faults.db"
    database = f"sqlite:{path}"
    config, key = set_up(database, tmp_path, demo)
    log = tmp_path / "serve.log"
    process, url = start_replica(config, database, log)
    answers = []
    lock = threading.Lock()
    running = threading.Event()
    running.set()

    def client(number):
        sent = 0
        while running.is_set():
            status, body = ask(url, key, f"client {number} request {sent}")
            sent += 1
            with lock:
                answers.append((status, body))

    clients = [threading.Thread(target=client, args=(n,)) for n in range(6)]
    try:
        status, body = ask(url, key, "warming up")  # the tokenizer loads on the first request
        assert status == 200, body
        answers.append((status, body))
        for thread in clients:
            thread.start()
        # Cuts landing while statements run (reservations, record batches, checkpoints): SQLite's
        # accesses to the lost pages raise SIGBUS, which the gateway's handler repairs.
        # Until cuts have landed under running statements (with the handler gone, the first of them
        # kills the process), and at least 40 of them, for at most 20 s on a loaded machine.
        generator = random.Random(23)
        deadline = time.monotonic() + 20
        cut = 0
        while cut < 40 or ("under a running statement" not in log.read_text() and time.monotonic() < deadline):
            time.sleep(generator.uniform(0.02, 0.08))
            os.truncate(str(path) + "-shm", 0 if cut % 2 == 0 else 100)
            cut += 1
            assert process.poll() is None, "the gateway died:\n" + log.read_text()[-3000:]
        running.clear()
        for thread in clients:
            thread.join(timeout=60)
        assert process.poll() is None, "the gateway died:\n" + log.read_text()[-3000:]
        statuses = [status for status, _ in answers]
        assert set(statuses) <= {200, 503}, [body for status, body in answers if status not in (200, 503)][:3]
        assert statuses.count(200) > 20
        for status, body in answers:
            if status == 503:
                assert body["error"]["code"] == "storage_unavailable", body
        charged = sum(nanos(body) for status, body in answers if status == 200)
        # And then it answers as before.
        status, body = ask(url, key, "after the cuts")
        assert status == 200, body
        charged += nanos(body)
    finally:
        running.clear()
        stop(process, log)
    assert "under a running statement" in log.read_text()
    assert_settled(database, charged)


@pytest.mark.skipif(not POSTGRES, reason="TOLLGATE_TEST_POSTGRES is unset (scripts/test sets it)")
def test_a_database_gone_for_a_while_answers_503_charges_nothing_and_recovers_without_a_restart(demo, tmp_path):
    # A cluster of its own, since this one goes down; outside pytest's private tmp so that the
    # `postgres` user (when the tests run as root) can reach it.
    cluster = tempfile.mkdtemp(prefix="tollgate-pg-outage.")
    started = subprocess.run([POSTGRES_SCRIPT, "start", cluster], capture_output=True, text=True)
    assert started.returncode == 0, started.stderr
    database = started.stdout.strip()
    try:
        config, key = set_up(database, tmp_path, demo)
        log = tmp_path / "serve.log"
        # Waits for the database bounded at 3 s instead of 30, to keep the test short.
        process, url = start_replica(config, database, log, env={"TOLLGATE_DATABASE_TIMEOUT_SECONDS": "3"})
        charged = 0
        try:
            status, body = ask(url, key, "before the outage")
            assert status == 200, body
            charged += nanos(body)

            subprocess.run([POSTGRES_SCRIPT, "pause", cluster], check=True, capture_output=True)
            for index in range(4):
                began = time.monotonic()
                status, body = ask(url, key, f"during the outage {index}")
                assert status == 503, body
                assert body["error"]["type"] and "database" in body["error"]["message"].lower(), body
                # A bounded answer, not a request hanging on the pool.
                assert time.monotonic() - began < 15
            ready = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url + "/ready"],
                                   capture_output=True, text=True, timeout=30)
            assert ready.stdout == "503"

            subprocess.run([POSTGRES_SCRIPT, "resume", cluster], check=True, capture_output=True)
            deadline = time.monotonic() + 30
            while True:
                status, body = ask(url, key, "after the outage")
                if status == 200 or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            assert status == 200, body
            charged += nanos(body)
            assert process.poll() is None
        finally:
            stop(process, log, database)
        assert_settled(database, charged)
    finally:
        subprocess.run([POSTGRES_SCRIPT, "stop", cluster], capture_output=True)
