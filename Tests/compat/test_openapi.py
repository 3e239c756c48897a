"""The OpenAPI document: served at /openapi.json, the one scripts/openapi/build_openapi.py makes, and
true of a live gateway — a bounded schemathesis run finds no server error, no undocumented status,
no answer that does not match its schema, and no invalid request accepted."""
import json
import os
import subprocess
import sys
import urllib.request

from conftest import launched_demo

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "openapi"))


def test_the_served_document_is_the_generated_one(demo):
    import build_openapi
    with urllib.request.urlopen(demo.base_url.removesuffix("/v1") + "/openapi.json") as response:
        assert response.headers["content-type"] == "application/json"
        served = json.load(response)
    with open(os.path.join(ROOT, "docs", "openapi.json")) as f:
        assert served == json.load(f)
    # The generator, run now, makes the same document: neither copy was edited by hand.
    assert served == json.loads(json.dumps(build_openapi.document))


def test_schemathesis_finds_nothing_wrong_with_a_live_gateway(tmp_path):
    # A gateway of its own: the admin run revokes and rotates the keys it finds.
    with launched_demo() as fresh:
        base = fresh.base_url.removesuffix("/v1")
        environment = {**os.environ, "SCHEMATHESIS": os.path.join(os.path.dirname(sys.executable), "schemathesis"),
                       "REPORT_DIR": str(tmp_path), "MAX_EXAMPLES": os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "20"),
                       "RUN_TIMEOUT": "300"}
        run = subprocess.run([os.path.join(ROOT, "scripts", "openapi", "run-schemathesis.sh"), base, fresh.key,
                              fresh.admin_token, base + "/openapi.json"],
                             capture_output=True, text=True, env=environment, timeout=700)
        print(run.stdout[-3000:])
        assert run.returncode == 0, run.stdout[-12000:] + run.stderr[-3000:]
