"""The playground's page in a real headless Chromium (the system's package and its driver, driven by
selenium; no browser is ever downloaded): paste an error and see the diagnosis, press 👍, subscribe a
channel, switch fal's status to an outage and back, and see the alert, its thread and the edited
parent, then App Home.

Skipped only when Chromium, its driver or selenium is absent; with FAL_BOT_REQUIRE_BROWSER=1 (as CI
sets it) that is a failure instead. FAL_BOT_SCREENSHOT=path saves the page with a diagnosis and an
alert on it (how docs/playground.png is made).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.playground import PlaygroundProcess

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
BILLING = (
    'Error: 403 Forbidden from https://queue.fal.run/fal-ai/flux/dev {"detail": "User is locked. Reason: '
    'Exhausted balance. Top up your balance at fal.ai/dashboard/billing"}'
)
WAIT_SECONDS = 30
# Read at import: tests/conftest.py removes every FAL_* variable from each test's environment.
REQUIRE_BROWSER = os.environ.get("FAL_BOT_REQUIRE_BROWSER") == "1"
SCREENSHOT = os.environ.get("FAL_BOT_SCREENSHOT")


def _browser_or_skip() -> None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not Path(path).is_file()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package (pip install -e '.[test]')")
    if not missing:
        return
    reason = (
        "the browser test needs Chromium and its driver from the system's packages "
        f"(apt-get install chromium chromium-driver); missing: {', '.join(missing)}"
    )
    if REQUIRE_BROWSER:
        pytest.fail(reason + " (FAL_BOT_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    _browser_or_skip()
    # Both paths are given, so selenium has nothing to look up; offline says so should it try.
    monkeypatch.setenv("SE_OFFLINE", "true")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="fal-bot-chromium-")
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1500,950",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_the_page_drives_the_real_app(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    def text_of(selector: str) -> str:
        return "\n".join(e.text for e in browser.find_elements(By.CSS_SELECTOR, selector))

    def wait_for_text(selector: str, *needles: str) -> None:
        try:
            WebDriverWait(browser, WAIT_SECONDS).until(
                lambda _: all(needle in text_of(selector) for needle in needles)
            )
        except Exception:
            browser.save_screenshot(str(tmp_path / "failure.png"))  # kept by pytest for a look
            raise AssertionError(f"{needles} not all in {selector}: {text_of(selector)!r}") from None

    def send(text: str) -> None:
        box = browser.find_element(By.ID, "composer-text")
        box.send_keys(text)
        browser.find_element(By.ID, "send").click()

    with PlaygroundProcess(tmp_path / "playground.log") as playground:
        browser.get(playground.url + "/")
        WebDriverWait(browser, WAIT_SECONDS).until(lambda _: text_of("#channel-title") == "fal-bot")

        # Paste an error in the DM: the diagnosis opens in the message's thread, Block Kit rendered.
        send(BILLING)
        wait_for_text("#thread-messages", "Exhausted balance", "How to fix")
        header = browser.find_element(By.CSS_SELECTOR, "#thread-messages .bk-header")
        assert "locked" in header.text.lower()
        link = browser.find_element(By.CSS_SELECTOR, "#thread-messages .from-bot a[href^='https://']")
        assert link.get_attribute("target") == "_blank"
        assert browser.find_elements(By.CSS_SELECTOR, "#thread-messages pre, #thread-messages code")

        # 👍: a signed block_actions request; the thank-you is only visible to you.
        browser.find_element(By.CSS_SELECTOR, "#thread-messages button[data-action-id='feedback_up']").click()
        wait_for_text("#messages", "Only visible to you", "Thanks")

        # Subscribe #alerts, in the channel, for the team to see.
        browser.find_element(By.CSS_SELECTOR, ".nav-item[data-channel='C2']").click()
        WebDriverWait(browser, WAIT_SECONDS).until(lambda _: text_of("#channel-title") == "# alerts")
        send("/fal subscribe")
        wait_for_text("#messages", "alerts")
        messages_before = len(browser.find_elements(By.CSS_SELECTOR, "#messages .message"))

        # An outage on fal's simulated page: the poller reads it and the alert arrives.
        Select(browser.find_element(By.ID, "status-level")).select_by_value("major_outage")
        incident = browser.find_element(By.ID, "status-incident")
        incident.clear()
        incident.send_keys("Queue API is down")
        browser.find_element(By.ID, "status-apply").click()
        wait_for_text("#status-result", "The poller read: major outage")
        wait_for_text("#messages", "Queue API is down")
        wait_for_text("#poller-log", "major outage")
        assert len(browser.find_elements(By.CSS_SELECTOR, "#messages .message")) == messages_before + 1
        if SCREENSHOT:
            browser.execute_script("document.querySelector('#thread-messages').scrollTop = 0")
            browser.save_screenshot(SCREENSHOT)

        # Back to operational: the resolution goes into the alert's thread and the alert is edited.
        Select(browser.find_element(By.ID, "status-level")).select_by_value("operational")
        browser.find_element(By.ID, "status-apply").click()
        wait_for_text("#status-result", "The poller read: operational")
        wait_for_text("#messages", "1 reply", "(edited)", "Resolved")
        browser.find_element(By.CSS_SELECTOR, "#messages button.replies").click()
        wait_for_text("#thread-channel", "# alerts")
        wait_for_text("#thread-messages", "Queue API is down", "Resolved after")
        assert len(browser.find_elements(By.CSS_SELECTOR, "#messages .message")) == messages_before + 1

        # App Home: the view the app published when it was opened.
        browser.find_element(By.ID, "nav-home").click()
        wait_for_text("#home-view", "alerts")
        assert browser.find_elements(By.CSS_SELECTOR, "#home-view .bk-header, #home-view .bk-section")
        errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
        assert errors == []


RENDERED = [
    ("*bold* and _italics_ and ~gone~", ["<b>bold</b>", "<i>italics</i>", "<s>gone</s>"]),
    ("run `pip install fal-client`", ["<code>pip install fal-client</code>"]),
    ("```\nimport fal_client\n```", ["<pre>import fal_client</pre>"]),
    ("&gt; quoted line\nafter", ["<blockquote>quoted line</blockquote>after"]),
    ("<https://fal.ai/dashboard/keys|your keys>", ['href="https://fal.ai/dashboard/keys"', ">your keys</a>"]),
    ("see https://status.fal.ai.", ['href="https://status.fal.ai"', "</a>."]),
    ("<!date^1700000000^{date_num}|2023-11-14 22:13 UTC>", ['title="2023-11-14 22:13 UTC"', "2023-11-1"]),
    ("<!channel> &lt;script&gt;x&lt;/script&gt;", ["@channel", "&lt;script&gt;"]),
    ("<javascript:alert(1)|click>", ["click"]),
    ("<#C2> and <@U1>", ['class="mention">#alerts</span>', 'class="mention">@you</span>']),
]


def test_mrkdwn_renders_as_slack_shows_it(browser: Any, tmp_path: Path) -> None:
    with PlaygroundProcess(tmp_path / "playground.log") as playground:
        browser.get(playground.url + "/")
        for mrkdwn, expected in RENDERED:
            html = browser.execute_script("return Mrkdwn.mrkdwn(arguments[0])", mrkdwn)
            for piece in expected:
                assert piece in html, (mrkdwn, html)
            assert "<script" not in html and "javascript:" not in html, (mrkdwn, html)
