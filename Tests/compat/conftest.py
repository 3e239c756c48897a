"""Starts `tollgate demo` on a free loopback port for the compatibility suite."""
import contextlib
import json
import os
import urllib.request
import queue
import re
import signal
import subprocess
import threading
import time

import pytest


class Demo:
    def __init__(self, base_url: str, key: str, admin_token: str, providers: dict):
        self.base_url = base_url
        self.key = key
        self.admin_token = admin_token
        self.providers = providers  # simulated provider name -> its API root

    def enqueue(self, provider: str, *behaviors):
        """Makes the simulated provider misbehave on its next requests (see FakeBehavior)."""
        request = urllib.request.Request(self.providers[provider] + "/_fake/enqueue", method="POST",
                                         data=json.dumps({"enqueue": list(behaviors)}).encode(),
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request) as response:
            assert response.status == 204


@contextlib.contextmanager
def launched_demo():
    """A `tollgate demo` of its own on a free loopback port, stopped (SIGTERM, exit 0) afterwards."""
    binary = os.environ.get("TOLLGATE_BIN", ".build/debug/tollgate")
    process = subprocess.Popen(
        [binary, "demo", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    lines: "queue.Queue[str]" = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    text = ""
    deadline = time.monotonic() + 60
    try:
        while "Press Ctrl-C" not in text and time.monotonic() < deadline:
            try:
                text += lines.get(timeout=1)
            except queue.Empty:
                if process.poll() is not None:
                    break
        url = re.search(r"running on (http://\S+)", text)
        key = re.search(r"demo key:\s+(tg-\S+)", text)
        admin = re.search(r"admin token:\s+(\S+)", text)
        assert url and key and admin, f"tollgate demo did not start:\n{text}"
        providers = dict(re.findall(r"(sim-[a-z]+) at (http://[^ ,\n]+)", text))
        assert len(providers) == 3, text
        yield Demo(url.group(1) + "/v1", key.group(1), admin.group(1), providers)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            raise AssertionError("tollgate demo did not stop within 20 s of SIGTERM")
        assert process.returncode == 0, f"tollgate demo exited {process.returncode} on SIGTERM"


@pytest.fixture(scope="session")
def demo():
    with launched_demo() as running:
        yield running
