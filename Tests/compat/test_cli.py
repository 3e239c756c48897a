"""The command line: configuration errors are one line naming file, line, key path and problem."""
import csv
import json
import os
import subprocess

BINARY = os.environ.get("TOLLGATE_BIN", ".build/debug/tollgate")

GOOD = """\
providers:
  - name: deepseek
    kind: openai
    base_url: https://api.deepseek.com/v1
models:
  - name: deepseek-chat
    provider: deepseek
    price: {currency: USD, input: 0.28, output: 0.42}
"""


def serve_with(tmp_path, text):
    config = tmp_path / "tollgate.yaml"
    config.write_text(text)
    return subprocess.run([BINARY, "serve", "--config", str(config), "--database", f"sqlite:{tmp_path}/t.db", "--port", "0"],
                          capture_output=True, text=True, timeout=60)


def test_each_bad_config_line_stops_serve_with_one_line(tmp_path):
    cases = [
        (GOOD.replace("base_url: https://api.deepseek.com/v1", "base_url: ftp://x"),
         "4: providers[0].base_url: 'ftp://x' is not an http(s) URL"),
        (GOOD.replace("provider: deepseek", "provider: qwen"), "7: models[0].provider: no provider named 'qwen' is defined"),
        (GOOD.replace("input: 0.28", "input: cheap"), "8: models[0].price.input: 'cheap' is not a price per 1M tokens"),
        (GOOD + "cache: {ttl: 5}\n", "9: cache.ttl: unknown key (expected one of: hit_price_share, max_entries, memory_mb)"),
    ]
    for text, expected in cases:
        result = serve_with(tmp_path, text)
        assert result.returncode == 1, result
        lines = [line for line in result.stderr.splitlines() if line.startswith("tollgate:")]
        assert len(lines) == 1, result.stderr
        assert str(tmp_path / "tollgate.yaml") + ":" + expected in lines[0]


def test_migrate_creates_the_schema_and_usage_errors_exit_2(tmp_path):
    ok = subprocess.run([BINARY, "migrate", "--database", f"sqlite:{tmp_path}/m.db"], capture_output=True, text=True)
    assert ok.returncode == 0 and "schema is up to date" in ok.stdout
    bad = subprocess.run([BINARY, "migrate", "--database", "mysql://x"], capture_output=True, text=True)
    assert bad.returncode == 2


def test_keys_are_printed_once_and_listed_by_hint(tmp_path):
    db = f"sqlite:{tmp_path}/k.db"
    assert subprocess.run([BINARY, "orgs", "create", "acme", "--database", db], capture_output=True).returncode == 0
    created = subprocess.run([BINARY, "keys", "create", "--org", "acme", "--database", db], capture_output=True, text=True)
    secret = created.stdout.strip()
    assert secret.startswith("tg-") and len(secret) == 46
    listed = subprocess.run([BINARY, "keys", "list", "--org", "acme", "--database", db], capture_output=True, text=True)
    assert secret not in listed.stdout and secret[:7] in listed.stdout
    missing = subprocess.run([BINARY, "keys", "create", "--org", "nobody", "--database", db], capture_output=True, text=True)
    assert missing.returncode == 1 and missing.stderr.strip() == "tollgate: no organization 'nobody'"


def test_keys_rotate_prints_a_new_secret_and_says_until_when_the_old_one_works(tmp_path):
    db = f"sqlite:{tmp_path}/r.db"
    assert run("orgs", "create", "acme", db=db).returncode == 0
    old = run("keys", "create", "--org", "acme", "--name", "bot", db=db).stdout.strip()
    key_id = run("keys", "list", "--org", "acme", db=db).stdout.split()[0]
    rotated = run("keys", "rotate", key_id, "--grace-seconds", "3600", db=db)
    assert rotated.returncode == 0, rotated.stderr
    new = rotated.stdout.strip()
    assert new.startswith("tg-") and len(new) == 46 and new != old
    assert rotated.stderr.startswith(f"the old secret of {key_id} works until 20")
    listed = run("keys", "list", "--org", "acme", db=db).stdout
    assert new[:7] in listed and old[:7] not in listed
    assert run("keys", "rotate", "key_nope", db=db).stderr.strip() == "tollgate: no live key 'key_nope'"
    assert run("keys", "rotate", key_id, "--grace-seconds", "-1", db=db).returncode == 2


def run(*args, db):
    return subprocess.run([BINARY, *args, "--database", db], capture_output=True, text=True, timeout=60)


def test_metering_commands_manage_teams_credit_packages_budgets_and_sessions(tmp_path):
    db = f"sqlite:{tmp_path}/m.db"
    assert run("orgs", "create", "acme", "--markup", "20", db=db).returncode == 0
    assert run("orgs", "create", "bad", "--markup", "lots", db=db).returncode == 2
    team = run("teams", "set", "--org", "acme", "--name", "search", "--rpm", "60", "--tpm", "100000", db=db)
    assert team.returncode == 0 and "search\trpm 60\ttpm 100000" in team.stdout
    key = run("keys", "create", "--org", "acme", "--team", "search", "--rpm", "10", "--budget", "5", "--period", "day", db=db)
    assert key.returncode == 0 and key.stdout.startswith("tg-")
    key_id = key.stderr.split()[1]
    assert f"key {key_id}\t5.000000000 USD per day\thard" in run("budgets", "list", "--org", "acme", db=db).stdout
    assert run("keys", "create", "--org", "acme", "--budget", "5", "--period", "year", db=db).returncode == 2
    assert run("keys", "create", "--org", "acme", "--budget", "lots", db=db).returncode == 1

    credit = run("credits", "add", "--org", "acme", "--amount", "25", "--team", "search", "--expires", "2099-01-01", db=db)
    assert credit.returncode == 0 and "balance: 25.000000000 USD" in credit.stdout, credit
    paid = run("credits", "add", "--org", "acme", "--amount", "100", "--kind", "paid", db=db)
    assert "balance: 100.000000000 USD" in paid.stdout
    assert run("credits", "add", "--org", "acme", "--amount", "1", "--kind", "gift", db=db).returncode == 2

    package = run("packages", "grant", "--org", "acme", "--model", "deepseek-chat", "--tokens", "10M", "--price", "20", db=db)
    assert package.returncode == 0 and "10000000 tokens" in package.stdout
    listed = run("packages", "list", "--org", "acme", db=db)
    assert "10000000/10000000 tokens left" in listed.stdout

    budget = run("budgets", "create", "--org", "acme", "--scope", "team", "--subject", "search", "--amount", "50",
                 "--period", "day", "--thresholds", "50,90", db=db)
    assert budget.returncode == 0 and "team search\t50.000000000 USD per day\thard" in budget.stdout
    budget_id = budget.stdout.split("\t")[0]
    assert budget_id in run("budgets", "list", "--org", "acme", db=db).stdout
    wrong = run("budgets", "create", "--org", "acme", "--scope", "galaxy", "--amount", "5", db=db)
    assert wrong.returncode == 1 and "scope must be one of" in wrong.stderr
    assert run("budgets", "delete", budget_id, db=db).returncode == 0
    assert budget_id not in run("budgets", "list", "--org", "acme", db=db).stdout

    statement = run("statement", "--org", "acme", "--team", "search", "--from", "2000-01-01", "--to", "2999-01-01",
                    "--format", "csv", db=db)
    assert statement.returncode == 0 and ",grant," in statement.stdout and ",25000000000" in statement.stdout, statement
    assert run("statement", "--org", "nobody", "--team", "x", "--from", "2000-01-01", "--to", "2999-01-01", db=db).returncode == 1
    session = run("sessions", "show", "--org", "acme", "run-1", db=db)
    assert session.returncode == 0 and "session run-1: 0 requests" in session.stdout
    verified = run("ledger", "verify", db=db)
    assert verified.returncode == 0, verified


def test_ledger_accounts_transfers_payments_and_settlement_reconciliation(tmp_path):
    db = f"sqlite:{tmp_path}/l.db"
    assert run("migrate", db=db).returncode == 0
    for args in (["--id", "provider:deepseek:USD:payable", "--unit", "USD", "--owner", "provider:deepseek", "--kind", "liability"],
                 ["--id", "platform:USD:usage", "--unit", "USD", "--owner", "platform:USD", "--kind", "liability"]):
        created = run("ledger", "accounts", "create", *args, db=db)
        assert created.returncode == 0, created
    again = run("ledger", "accounts", "create", "--id", "platform:USD:usage", "--unit", "USD", "--owner", "platform:USD",
                "--kind", "asset", db=db)
    assert again.returncode == 1 and "kind" in again.stderr
    assert run("ledger", "accounts", "create", "--id", "x", "--unit", "USD", "--owner", "nobody", "--kind", "asset", db=db).returncode == 2
    moved = run("ledger", "transfer", "--debit", "platform:USD:usage", "--credit", "provider:deepseek:USD:payable",
                "--amount", "12.5", "--code", "usage", db=db)
    assert moved.returncode == 0 and "12500000000 USD" in moved.stdout, moved
    paid = run("ledger", "pay", "--provider", "deepseek", "--amount", "10", "--reference", "INV-1", db=db)
    assert paid.returncode == 0 and "still owed 2.500000000 USD" in paid.stdout, paid
    listed = run("ledger", "accounts", "list", "--owner", "provider:deepseek", db=db)
    assert "provider:deepseek:USD:payable\tUSD\tprovider:deepseek\tliability\tbalance 2500000000" in listed.stdout

    period = ["--provider", "deepseek", "--from", "2000-01-01", "--to", "2999-01-01"]
    agreed = run("settlement", *period, "--invoice", "USD:12.50", "--format", "csv", db=db)
    assert agreed.returncode == 0, agreed
    assert "provider:deepseek:USD:payable,USD,0,12500000000,1,10000000000,0,2500000000,2.50,12500000000,0" in agreed.stdout
    disputed = run("settlement", *period, "--invoice", "USD:12.60", db=db)
    assert disputed.returncode == 1 and "USD invoice − ledger = 100000000 nano-units" in disputed.stderr
    assert run("ledger", "verify", db=db).returncode == 0


def routing_data(root):
    """A small data set in the shared routing format: only the longest MMLU prompt gains from the strong model."""
    (root / "mmlu").mkdir(parents=True)
    rows = [("Which of the following best explains why the sky appears blue on a clear afternoon at sea level?", False, True),
            ("What is 2 + 2?", True, True), ("Name a planet.", True, True), ("Is ice cold?", True, True)]
    with open(root / "mmlu" / "mmlu_sample.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["prompt", "weak", "strong"])
        writer.writerows(rows)
    return root


def test_route_eval_prints_each_router_with_apgr_cpt_and_saving_for_each_data_set(tmp_path):
    data = routing_data(tmp_path / "data")
    result = subprocess.run([BINARY, "route-eval", "--data", str(data), "--format", "json"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["cheap"] == "deepseek-chat" and report["premium"] == "claude-sonnet-4-5"
    rows = {row["router"]: row for row in report["rows"]}
    assert set(rows) == {"auto", "length", "random", "oracle"}
    # Sending the longest (the only gaining) prompt first recovers the whole gap with one strong call of four.
    for router in ("length", "oracle"):
        assert abs(rows[router]["apgr"] - 0.875) < 1e-9
        assert abs(rows[router]["cpt50"] - 0.125) < 1e-9
        assert 0 < rows[router]["saving95"] < 1
    table = subprocess.run([BINARY, "route-eval", "--data", str(data)], capture_output=True, text=True, timeout=120)
    assert table.stdout.splitlines()[1].split() == ["DATASET", "ROUTER", "APGR", "CPT50", "CPT80", "SAVING@95"]
    missing = subprocess.run([BINARY, "route-eval", "--data", str(tmp_path / "nothing")], capture_output=True, text=True)
    assert missing.returncode == 1 and "no mmlu/, gsm8k/ or mt_bench/ data" in missing.stderr


def test_a_classifier_trained_by_route_train_serves_a_configured_route_in_route_eval(tmp_path):
    data = routing_data(tmp_path / "data")
    trained = subprocess.run([BINARY, "route-train", "--data", str(data), "--out", str(tmp_path / "mine.json")],
                             capture_output=True, text=True, timeout=120)
    assert trained.returncode == 0, trained.stderr
    config = tmp_path / "tollgate.yaml"
    config.write_text(GOOD + """\
  - name: gpt-4o
    provider: deepseek
    tokenizer: o200k_base
    price: {currency: USD, input: 2.5, output: 10}
routes:
  smart: {policy: auto, candidates: [gpt-4o, deepseek-chat], premium_share: 0.25, classifier: mine.json}
""")
    result = subprocess.run([BINARY, "route-eval", "--data", str(data), "--route", "smart", "--config", str(config)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# cheap deepseek-chat, premium gpt-4o")


def test_replay_reprices_a_period_and_names_what_it_cannot_find(tmp_path):
    db = f"sqlite:{tmp_path}/r.db"
    assert subprocess.run([BINARY, "orgs", "create", "acme", "--database", db], capture_output=True).returncode == 0
    result = subprocess.run([BINARY, "replay", "--org", "acme", "--from", "2026-11-01", "--to", "2026-12-01", "--model", "deepseek-chat",
                             "--database", db, "--format", "json"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["target"] == "model deepseek-chat" and report["recorded"] == "0.000000000" and report["rows"] == []
    missing = subprocess.run([BINARY, "replay", "--org", "nobody", "--from", "2026-11-01", "--to", "2026-12-01", "--model", "x",
                              "--database", db], capture_output=True, text=True)
    assert missing.returncode == 1 and missing.stderr.strip() == "tollgate: no organization 'nobody'"
    both = subprocess.run([BINARY, "replay", "--org", "acme", "--from", "2026-11-01", "--to", "2026-12-01", "--model", "a", "--route", "b",
                           "--database", db], capture_output=True, text=True)
    assert both.returncode == 2


def test_the_waste_and_savings_reports_print_a_table_or_json(tmp_path):
    db = f"sqlite:{tmp_path}/r.db"
    assert subprocess.run([BINARY, "orgs", "create", "acme", "--database", db], capture_output=True).returncode == 0
    period = ["--org", "acme", "--from", "2026-12-01", "--to", "2026-12-08", "--database", db]
    waste = subprocess.run([BINARY, "report", "waste", *period], capture_output=True, text=True)
    assert waste.returncode == 0, waste.stderr
    assert waste.stdout.startswith("Waste for acme, 2026-12-01T00:00:00Z to 2026-12-08T00:00:00Z (0 requests)")
    savings = subprocess.run([BINARY, "report", "savings", *period, "--format", "json"], capture_output=True, text=True)
    assert savings.returncode == 0, savings.stderr
    report = json.loads(savings.stdout)
    assert report["saved"] == "0.000000000" and [line["source"] for line in report["lines"]] == [
        "response_cache", "provider_prompt_cache", "routing"]
    missing = subprocess.run([BINARY, "report", "waste", *period[:-2], "--org", "nobody", "--database", db],
                             capture_output=True, text=True)
    assert missing.returncode == 1 and missing.stderr.strip() == "tollgate: no organization 'nobody'"
    backwards = subprocess.run([BINARY, "report", "savings", "--org", "acme", "--from", "2026-12-08", "--to", "2026-12-01",
                                "--database", db], capture_output=True, text=True)
    assert backwards.returncode == 2


def test_the_usage_export_prints_csv_with_its_header_and_refuses_an_unknown_format(tmp_path):
    db = f"sqlite:{tmp_path}/e.db"
    assert subprocess.run([BINARY, "orgs", "create", "acme", "--database", db], capture_output=True).returncode == 0
    exported = subprocess.run([BINARY, "export", "usage", "--from", "2026-12-01", "--to", "2026-12-08", "--org", "acme",
                               "--database", db], capture_output=True, text=True)
    assert exported.returncode == 0, exported.stderr
    assert list(csv.reader(exported.stdout.splitlines()))[0][:3] == ["id", "time", "org_id"]
    events = subprocess.run([BINARY, "export", "usage", "--from", "2026-12-01", "--to", "2026-12-08", "--format", "cloudevents",
                             "--database", db], capture_output=True, text=True)
    assert events.returncode == 0 and events.stdout == ""
    bad = subprocess.run([BINARY, "export", "usage", "--from", "2026-12-01", "--to", "2026-12-08", "--format", "xml",
                          "--database", db], capture_output=True, text=True)
    assert bad.returncode == 2
