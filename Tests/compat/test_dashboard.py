"""The dashboard in a real browser: headless Chromium (Debian's) driven by Selenium, against `tollgate demo`
after known traffic. Every page renders with no console error, its charts hold the request records' figures,
it fits a narrow screen, and a screenshot of it is kept in test-artifacts/."""
import json
import urllib.error
import urllib.request
import uuid
from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal

import openai
import pytest
from selenium.webdriver.support.ui import WebDriverWait

from test_forecast_report import ARTIFACTS, chromium

PAGES = ["", "/orgs", "/sessions", "/providers", "/requests", "/prices"]


def admin(demo, method, path, body=None):
    request = urllib.request.Request(demo.base_url.removesuffix("/v1") + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"authorization": f"Bearer {demo.admin_token}", "content-type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def traffic(demo):
    """A new organization with a key, a monthly budget and known traffic: five requests in two sessions,
    one on the premium model, one from an end user named like markup."""
    org = "dash-" + uuid.uuid4().hex[:6]
    admin(demo, "POST", "/admin/orgs", {"name": org, "currency": "USD"})
    admin(demo, "POST", f"/admin/orgs/{org}/credits", {"amount": "20"})
    key = admin(demo, "POST", f"/admin/orgs/{org}/keys", {"name": "dash-bot"})
    admin(demo, "POST", f"/admin/orgs/{org}/budgets", {"amount": "5", "period": "month"})
    client = openai.OpenAI(base_url=demo.base_url, api_key=key["key"], max_retries=0)
    hostile = "<script>alert(1)</script>"
    for session, model, user in [("plan-1", "deepseek-chat", "ann")] * 3 + [("plan-2", "deepseek-chat", hostile),
                                                                           ("plan-1", "gpt-4o", "ann")]:
        client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Count to five, please."}],
                                       max_tokens=16, extra_headers={"x-tollgate-session": session, "x-tollgate-user": user})
    # Records are written in batches off the request path; wait until all five are there.
    for _ in range(100):
        records = [r for r in admin(demo, "GET", f"/admin/requests?org={org}") if r.get("session_id")]
        if len(records) == 5:
            break
        import time
        time.sleep(0.1)
    assert len(records) == 5
    return {"org": org, "key": key, "hostile": hostile}


@pytest.fixture(scope="module")
def browser(demo, traffic):
    driver = chromium()
    yield driver
    driver.quit()


def root(demo):
    return demo.base_url.removesuffix("/v1")


def sign_in(driver, demo):
    from selenium.webdriver.common.by import By
    driver.get(root(demo) + "/dashboard/style.css")
    driver.delete_all_cookies()
    driver.get(root(demo) + "/dashboard")
    assert driver.current_url.endswith("/dashboard/login")
    field = driver.find_element(By.ID, "token")
    assert field.get_attribute("type") == "password"
    assert driver.find_element(By.CSS_SELECTOR, "label[for=token]").text == "Admin token"
    field.send_keys(demo.admin_token)
    driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
    arrive(driver, "/dashboard")
    driver.get_log("browser")  # what came before this test's pages


def arrive(driver, path):
    """Waits for the navigation a click started to land on `path`."""
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(driver, 10).until(lambda d: d.current_url.split("?")[0].endswith(path) and
                                    d.execute_script("return document.readyState") == "complete")


def console_errors(driver):
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def look(driver, name):
    """Keeps a screenshot wide and narrow, and checks nothing is wider than a phone's screen."""
    ARTIFACTS.mkdir(exist_ok=True)
    driver.set_window_size(1200, 1800)
    driver.save_screenshot(str(ARTIFACTS / f"dashboard-{name}.png"))
    driver.set_window_size(400, 1800)
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth"), name
    driver.save_screenshot(str(ARTIFACTS / f"dashboard-{name}-narrow.png"))
    driver.set_window_size(1200, 1800)


def cost(record):
    return Decimal(record["cost"]["amount"])


def all_records(demo):
    """Every request record, once the writer has written what earlier tests sent."""
    import time
    before = admin(demo, "GET", "/admin/requests?limit=1000")
    while True:
        time.sleep(0.3)
        after = admin(demo, "GET", "/admin/requests?limit=1000")
        if len(after) == len(before):
            return after
        before = after


def test_a_wrong_token_is_refused_and_the_right_one_signs_in_with_an_httponly_strict_cookie(demo, browser):
    from selenium.webdriver.common.by import By
    browser.delete_all_cookies()
    browser.get(root(demo) + "/dashboard/login")
    browser.find_element(By.ID, "token").send_keys("not-the-token")
    browser.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "[role=alert]"))  # the refusal's page
    assert "That is not the admin token." in browser.find_element(By.CSS_SELECTOR, "[role=alert]").text
    assert browser.get_cookie("tollgate_session") is None
    look(browser, "login")
    sign_in(browser, demo)
    cookie = browser.get_cookie("tollgate_session")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/dashboard"
    # Scripts cannot read it.
    assert "tollgate_session" not in browser.execute_script("return document.cookie")


def test_the_overview_charts_hold_the_request_records_figures(demo, browser, traffic):
    from selenium.webdriver.common.by import By
    records = all_records(demo)
    sign_in(browser, demo)
    points = browser.find_elements(By.CSS_SELECTOR, "#spend-chart circle.point")
    assert len(points) == 31  # the last 30 days, today included
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    assert points[-1].get_attribute("data-label") == today
    total = sum(cost(r) for r in records if r.get("cost") and r["cost"]["currency"] == "USD")
    drawn = sum(Decimal(p.get_attribute("data-value")) for p in points)
    assert float(drawn) == pytest.approx(float(total), rel=1e-9)
    tokens = sum(sum(r["usage"].values()) for r in records)
    segments = browser.find_elements(By.CSS_SELECTOR, "#tokens-chart rect.segment")
    assert sum(float(s.get_attribute("data-value")) for s in segments) == tokens
    # One bar per model that cost anything, as long as its spend.
    by_model = defaultdict(Decimal)
    for r in records:
        if r.get("cost") and r.get("model_used"):
            by_model[r["model_used"]] += cost(r)
    bars = {b.get_attribute("data-label"): float(b.get_attribute("data-value"))
            for b in browser.find_elements(By.CSS_SELECTOR, "#models-chart rect.bar")}
    assert bars == pytest.approx({m: float(c) for m, c in by_model.items() if c > 0}, rel=1e-9)
    # Every request of an organization counts once, in its currency's totals (a failure never priced
    # in the totals of its group's currency, or apart when that is ambiguous); one refused before its
    # key was known belongs to no organization.
    cards = browser.find_elements(By.CSS_SELECTOR, "[id^=total-requests-]")
    assert sum(int(card.text.replace(",", "")) for card in cards) == len([r for r in records if r.get("org_id")])
    assert console_errors(browser) == []
    look(browser, "overview")


def test_the_organization_page_shows_runway_budget_burn_down_and_keys(demo, browser, traffic):
    from selenium.webdriver.common.by import By
    sign_in(browser, demo)
    browser.get(root(demo) + "/dashboard/orgs")
    assert traffic["org"] in browser.find_element(By.ID, "orgs").text
    assert console_errors(browser) == []
    look(browser, "orgs")
    browser.find_element(By.LINK_TEXT, traffic["org"]).click()
    arrive(browser, "/dashboard/orgs/" + traffic["org"])
    assert browser.find_element(By.TAG_NAME, "h1").text == traffic["org"]
    spent = sum(cost(r) for r in admin(demo, "GET", f"/admin/requests?org={traffic['org']}") if r.get("cost"))
    runway = admin(demo, "GET", f"/admin/orgs/{traffic['org']}/runway")
    assert Decimal(runway["scopes"][0]["spent_day"]) == spent
    row = browser.find_element(By.CSS_SELECTOR, "#runway tbody tr").text
    assert traffic["org"] in row and "days" in row
    limit = browser.find_element(By.CSS_SELECTOR, "#burndown-0 line.limit")
    assert float(limit.get_attribute("data-value")) == 5.0
    last = browser.find_elements(By.CSS_SELECTOR, "#burndown-0 circle.point")[-1]
    assert float(last.get_attribute("data-value")) == pytest.approx(float(spent), rel=1e-9)
    assert "dash-bot" in browser.find_element(By.ID, "keys").text
    assert console_errors(browser) == []
    look(browser, "org")


def test_revoking_a_key_from_the_dashboard_stops_it(demo, browser, traffic):
    from selenium.webdriver.common.by import By
    sign_in(browser, demo)
    browser.get(root(demo) + f"/dashboard/orgs/{traffic['org']}")
    browser.find_element(By.CSS_SELECTOR, "#keys button[aria-label='Revoke key dash-bot']").click()
    # The form reloads the page: the old page's elements go stale while it does.
    from selenium.common.exceptions import StaleElementReferenceException
    WebDriverWait(browser, 10, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda d: "revoked" in d.find_element(By.ID, "keys").text)
    assert browser.find_element(By.TAG_NAME, "h1").text == traffic["org"]
    assert "revoked" in browser.find_element(By.ID, "keys").text
    client = openai.OpenAI(base_url=demo.base_url, api_key=traffic["key"]["key"], max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        client.chat.completions.create(model="deepseek-chat", messages=[{"role": "user", "content": "hi"}])


def test_the_sessions_page_lists_sessions_by_cost_with_their_requests(demo, browser, traffic):
    from selenium.webdriver.common.by import By
    sign_in(browser, demo)
    browser.get(root(demo) + "/dashboard/sessions")
    table = browser.find_element(By.ID, "sessions")
    rows = {row.find_element(By.TAG_NAME, "th").text: row.text for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")}
    assert "plan-1" in rows and f" {traffic['org']} 4 " in rows["plan-1"] + " "
    assert "plan-2" in rows and f" {traffic['org']} 1 " in rows["plan-2"] + " "
    bars = browser.find_elements(By.CSS_SELECTOR, "#sessions-chart rect.bar")
    assert bars[0].get_attribute("data-label") == "plan-1"  # the dearest: it used the premium model
    assert console_errors(browser) == []
    look(browser, "sessions")


def test_the_providers_page_shows_each_provider_with_breaker_error_rate_and_prices(demo, browser):
    from selenium.webdriver.common.by import By
    sign_in(browser, demo)
    browser.get(root(demo) + "/dashboard/providers")
    text = browser.find_element(By.ID, "providers").text
    for provider in demo.providers:
        assert provider in text
    assert "closed" in text
    models = browser.find_element(By.ID, "models").text
    assert "gpt-4o" in models and " / " in models
    assert len(browser.find_elements(By.CSS_SELECTOR, "#latency-chart rect.bar")) >= 2
    assert console_errors(browser) == []
    look(browser, "providers")


def submit(browser):
    """Sends the filter form and waits for the new page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.TAG_NAME, "html") != old and
                                     d.execute_script("return document.readyState") == "complete")


def test_the_request_log_filters_by_organization_session_and_status(demo, browser, traffic):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    sign_in(browser, demo)
    browser.get(root(demo) + "/dashboard/requests")
    Select(browser.find_element(By.ID, "org")).select_by_visible_text(traffic["org"])
    browser.find_element(By.ID, "session").send_keys("plan-1")
    submit(browser)
    rows = browser.find_elements(By.CSS_SELECTOR, "#requests tbody tr")
    assert len(rows) == 4
    assert sum("gpt-4o" in row.text for row in rows) == 1
    look(browser, "requests")
    Select(browser.find_element(By.ID, "status")).select_by_visible_text("error")
    submit(browser)
    assert browser.find_elements(By.CSS_SELECTOR, "#requests tbody tr") == []
    browser.find_element(By.ID, "session").clear()
    browser.find_element(By.ID, "session").send_keys("plan-2")
    Select(browser.find_element(By.ID, "status")).select_by_visible_text("any")
    submit(browser)
    browser.find_elements(By.CSS_SELECTOR, "#requests tbody tr a")[0].click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "dl.record"))
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Request req_")
    # A name someone chose is shown as text, never run (the page allows no script at all).
    assert traffic["hostile"] in browser.find_element(By.CSS_SELECTOR, "dl.record").text
    assert console_errors(browser) == []
    look(browser, "request")


def test_the_prices_page_lists_every_model_with_its_price_per_million(demo, browser):
    from selenium.webdriver.common.by import By
    sign_in(browser, demo)
    browser.get(root(demo) + "/dashboard/prices")
    text = browser.find_element(By.ID, "prices").text
    for model in ("deepseek-chat", "gpt-4o", "claude-sonnet-4-5"):
        assert model in text
    assert "auto" in browser.find_element(By.ID, "routes").text
    assert console_errors(browser) == []
    look(browser, "prices")


def test_a_form_without_the_sessions_csrf_token_is_refused(demo, browser):
    sign_in(browser, demo)
    cookie = browser.get_cookie("tollgate_session")["value"]
    for body in (b"", b"csrf=forged"):
        request = urllib.request.Request(root(demo) + "/dashboard/logout", method="POST", data=body,
                                         headers={"cookie": f"tollgate_session={cookie}",
                                                  "content-type": "application/x-www-form-urlencoded"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request)
        assert refused.value.code == 403
    # Still signed in.
    browser.get(root(demo) + "/dashboard/prices")
    assert browser.current_url.endswith("/dashboard/prices")


def test_logging_out_ends_the_session(demo, browser):
    from selenium.webdriver.common.by import By
    sign_in(browser, demo)
    cookie = browser.get_cookie("tollgate_session")["value"]
    browser.find_element(By.CSS_SELECTOR, "form.logout button").click()
    arrive(browser, "/dashboard/login")
    assert browser.get_cookie("tollgate_session") is None
    # The old cookie no longer opens a page.
    request = urllib.request.Request(root(demo) + "/dashboard", headers={"cookie": f"tollgate_session={cookie}"})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    with pytest.raises(urllib.error.HTTPError) as redirected:
        urllib.request.build_opener(NoRedirect).open(request)
    assert redirected.value.code == 303
    assert redirected.value.headers["location"] == "/dashboard/login"
