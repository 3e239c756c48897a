"""The forecast's HTML report in a real browser: headless Chromium (Debian's) driven by Selenium."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

BINARY = os.environ.get("TOLLGATE_BIN", ".build/debug/tollgate")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def chromium():
    found = shutil.which("chromium") and shutil.which("chromedriver")
    if not found:
        if os.environ.get("TOLLGATE_REQUIRE_BROWSER"):
            pytest.fail("chromium and chromedriver are required (scripts/test installs them)")
        pytest.skip("chromium is not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    options = Options()
    options.binary_location = shutil.which("chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,1800"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def simulate(workload, *extra):
    result = subprocess.run([BINARY, "simulate", workload, "--samples", "2000", *extra], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("workload", ["coding-agent", "research-agent"])
def test_the_html_forecast_renders_its_charts_with_the_reported_figures_and_no_console_error(tmp_path, workload):
    path = f"examples/{workload}.yaml"
    report = json.loads(simulate(path, "--format", "json"))
    page = tmp_path / "report.html"
    simulate(path, "--format", "html", "--out", str(page))
    driver = chromium()
    try:
        driver.get(page.as_uri())
        from selenium.webdriver.common.by import By
        assert driver.title == f"Forecast: {report['workload']}"
        for chart in ("choices-chart", "distribution-chart", "sensitivity-chart"):
            svg = driver.find_element(By.ID, chart)
            assert svg.size["width"] > 300 and svg.size["height"] > 50, chart
        # One bar per choice, as long as its period cost.
        bars = driver.find_elements(By.CSS_SELECTOR, "#choices-chart rect.bar")
        assert [float(bar.get_attribute("data-value")) for bar in bars] == pytest.approx(
            [float(choice["period"]) for choice in report["choices"]], rel=1e-9)
        widths = [float(bar.get_attribute("width")) for bar in bars]
        assert widths[1] == max(widths)  # all premium is the longest
        # The histogram counts every sampled task; the sensitivity chart has a bar per parameter.
        counts = [int(rect.get_attribute("data-count")) for rect in driver.find_elements(By.CSS_SELECTOR, "#distribution-chart rect.bin")]
        assert sum(counts) == report["samples"]
        effects = driver.find_elements(By.CSS_SELECTOR, "#sensitivity-chart rect.effect")
        assert len(effects) == len(report["sensitivity"])
        table = driver.find_element(By.ID, "choices").text
        assert "all premium" in table and report["currency"] in table
        errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        assert errors == []
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / f"forecast-{workload}.png"))
        # Usable on a narrow screen: nothing wider than the window.
        driver.set_window_size(400, 1800)
        assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
        driver.save_screenshot(str(ARTIFACTS / f"forecast-{workload}-narrow.png"))
    finally:
        driver.quit()


def test_a_workload_mistake_is_one_line_naming_file_line_and_key(tmp_path):
    workload = tmp_path / "w.yaml"
    workload.write_text(Path("examples/coding-agent.yaml").read_text() + "cache: 1\n")
    result = subprocess.run([BINARY, "simulate", str(workload)], capture_output=True, text=True)
    assert result.returncode == 1
    line = len(workload.read_text().splitlines())
    assert result.stderr.strip() == f"tollgate: {workload}:{line}: cache: unknown key (expected one of: " + result.stderr.split("(expected one of: ")[1].strip()
