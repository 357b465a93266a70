"""A real headless Chromium with the network off, for page tests, benchmarks and screenshots.

Registered as a pytest plugin (`pytest_plugins = ["tests.browser"]`, or `-p tests.browser`):
it gives the session-scoped fixture `browser`, a Selenium driver, and `load_page`, which
opens a page file in it and waits for the graph to draw. Chromium is Debian's
(`chromium`, `chromium-driver`, plus `fonts-noto-cjk` for Chinese glyphs); the proxy points
at a closed port and every host name fails to resolve, so a page that tries to fetch
anything fails instead of quietly working online.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
MISSING = ("headless Chromium not found ({}); install the Debian packages: "
           "apt-get install chromium chromium-driver fonts-noto-cjk")

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
    "--host-resolver-rules=MAP * ~NOTFOUND", "--window-size=1400,900", "--lang=zh-CN",
)


def missing_browser() -> str:
    """Which of the two binaries is absent ("" when both are there)."""
    return ", ".join(p for p in (CHROMIUM, CHROMEDRIVER) if not shutil.which(p))


def start_chromium(user_data_dir: str | Path):
    """A Selenium driver for Debian's Chromium: no network, a fresh profile, no driver download."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={user_data_dir}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(120)
    return driver


def open_page(driver, page: str | Path) -> None:
    """Load a page from disk and wait until its graph has drawn once."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(Path(page).resolve().as_uri())
    WebDriverWait(driver, 120, poll_frequency=0.1).until(
        lambda d: d.execute_script("return !!(window.zhkg && window.zhkg.timing.firstDraw)"))


FOCUS_BY_NAME = """
const hit = JSON.parse(document.getElementById('graph-data').textContent).nodes
  .find(n => n.name === arguments[0] || n.aliases.includes(arguments[0]));
if (hit) zhkg.focusOn(hit.id);
return !!hit;"""


def screenshot(page: str | Path, out: str | Path, focus: str = "") -> Path:
    """Open a page in a fresh headless Chromium and save a PNG of it (README pictures).

    `focus` names an entity (or alias) to select first, so the picture shows its panel.
    """
    if missing_browser():
        raise RuntimeError(MISSING.format(missing_browser()))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zhkg-chromium-") as profile:
        driver = start_chromium(profile)
        try:
            open_page(driver, page)
            if focus and not driver.execute_script(FOCUS_BY_NAME, focus):
                raise ValueError(f"no entity named {focus!r} in {page}")
            driver.save_screenshot(str(out))
        finally:
            driver.quit()
    return out


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """One headless Chromium for the whole session; each test loads its own page."""
    if missing_browser():
        pytest.fail(MISSING.format(missing_browser()), pytrace=False)
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


@pytest.fixture
def load_page(browser):
    """Open a page file in the shared browser, fresh state each time; returns the driver."""
    def load(page: str | Path):
        open_page(browser, page)
        return browser
    return load
