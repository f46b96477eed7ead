"""Headless Chromium through Selenium, for the report page's test.

Chromium and its driver come from Debian's packages (`chromium`,
`chromium-driver`; .ci/run installs them): a tool that downloads its own
browser build cannot reach its download host from these machines. Both
paths are given to Selenium, so its Selenium Manager never looks one up.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

# Flags that work in a container as root, with nothing reaching the network.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,2400")


def _binaries() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None)
    return (browser, driver) if browser and driver else None


def require() -> tuple[str, str]:
    """Chromium and chromedriver; under CI their absence fails the test."""
    found = _binaries()
    if found is None:
        why = ("headless Chromium is not installed: apt-get install -y chromium chromium-driver "
               "(.ci/run does this)")
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(why)
        pytest.skip(why)
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.fail("selenium is missing: pip install -e '.[test]'")
    return found


@contextmanager
def chromium(profile: Path) -> Iterator[Any]:
    """A WebDriver on a fresh headless Chromium that keeps the browser's console log."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    browser, driver_path = require()
    options = Options()
    options.binary_location = browser
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()
