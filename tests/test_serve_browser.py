"""The student page in a real browser: headless Chromium (Debian's chromium + chromium-driver).

A ``derive serve`` subprocess on 127.0.0.1; the browser types an answer and reads the verdict
for a right, a wrong and an unreadable answer, by keyboard alone. ``./test`` installs chromium
and chromium-driver when they are missing.
"""

from __future__ import annotations

import shutil
import tempfile

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from serve_helpers import ServerProcess

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def server():
    srv = ServerProcess("--workers", "2", "--timeout", "5")
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM and DRIVER, "headless Chromium is needed: apt-get install chromium chromium-driver (./test does)"
    profile = tempfile.mkdtemp(prefix="derive-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=412,915"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def open_page(browser, server, result_id: str):
    browser.get("about:blank")  # a fresh load (only the hash would change otherwise)
    browser.get(f"{server.url}/#{result_id}")
    WebDriverWait(browser, 120).until(lambda d: Select(d.find_element(By.ID, "question")).options)
    assert Select(browser.find_element(By.ID, "question")).first_selected_option.get_attribute("value") == result_id
    WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#question-math .katex"))


def type_and_check(browser, answer: str, skip_link: bool = True) -> tuple[str, str]:
    """Focus the answer box by keyboard (the skip link), type, press Ctrl+Enter; (verdict, text)."""
    if skip_link:
        body = browser.find_element(By.TAG_NAME, "body")
        body.send_keys(Keys.TAB)  # the first stop is the skip link
        assert browser.switch_to.active_element.get_attribute("class") == "skip"
        browser.switch_to.active_element.send_keys(Keys.ENTER)
    box = browser.find_element(By.ID, "answer")
    assert browser.switch_to.active_element == box
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.DELETE)
    box.send_keys(answer)
    box.send_keys(Keys.CONTROL, Keys.ENTER)
    verdict = browser.find_element(By.ID, "verdict")
    WebDriverWait(browser, 60).until(lambda d: verdict.get_attribute("data-verdict") not in (None, "", "pending"))
    return verdict.get_attribute("data-verdict"), verdict.text


def test_a_right_answer(browser, server):
    open_page(browser, server, "sigmoid.derivative")
    verdict, text = type_and_check(browser, "sigma(x)*(1 - sigma(x))")
    assert verdict == "equivalent" and "Right" in text
    # the live preview typeset the answer with the KaTeX this server serves
    WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#preview .katex"))
    assert browser.find_elements(By.CSS_SELECTOR, "#verdict .katex")


def test_a_wrong_answer_shows_the_counterexample_and_the_named_mistake(browser, server):
    open_page(browser, server, "sigmoid.derivative")
    verdict, text = type_and_check(browser, r"-\sigma(x)(1-\sigma(x))")
    assert verdict == "not_equivalent" and "Not right" in text
    assert "sign_flipped" in text
    rows = browser.find_elements(By.CSS_SELECTOR, "#verdict table.counterexample tr")
    assert [r.find_element(By.TAG_NAME, "th").text for r in rows] == ["at", "your answer", "expected"]
    assert rows[0].find_element(By.TAG_NAME, "td").text.startswith("x = ")


def test_an_unreadable_answer(browser, server):
    open_page(browser, server, "softmax.jacobian")
    verdict, text = type_and_check(browser, "y_i(delta_ij - ")
    assert verdict == "invalid" and "Cannot read" in text
    status = browser.find_element(By.ID, "preview-status")
    WebDriverWait(browser, 20).until(lambda d: "cannot read" in status.text)


def test_the_page_loaded_nothing_from_elsewhere(browser, server):
    open_page(browser, server, "softmax.ce_gradient")
    urls = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert urls and all(u.startswith(server.url + "/") for u in urls), urls
    fonts = browser.execute_script("return document.fonts.size")
    assert fonts > 0


def test_a_derivation_with_a_wrong_step(browser, server):
    open_page(browser, server, "sigmoid.derivative")
    mode = browser.find_element(By.CSS_SELECTOR, "input[name=mode][value=derivation]")
    assert mode.is_displayed()
    browser.find_element(By.CSS_SELECTOR, "input[name=mode][value=answer]").send_keys(Keys.ARROW_DOWN)  # keyboard
    assert mode.is_selected()
    mode.send_keys(Keys.TAB)  # the radio group, then the notation, then the answer box
    browser.switch_to.active_element.send_keys(Keys.TAB)
    verdict, text = type_and_check(browser, "sigma(x)(1 - sigma(x))\n= sigma(x) + sigma(x)^2", skip_link=False)
    assert verdict == "incorrect"
    assert "First wrong step: expression 2" in text
    steps = browser.find_elements(By.CSS_SELECTOR, "#verdict ol.steps li")
    assert [s.get_attribute("class") for s in steps] == ["good", "bad"]
