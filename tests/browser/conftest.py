"""The studio in a real browser: Debian's chromium driven by Playwright, against the gateway
and the five stage services as separate processes on the real broker.

One pipeline serves every test in this folder; a second gateway on the same broker and
data directory, with API keys on, serves the key tests. Screenshots go to the test's
temporary folder, with a copy in /tmp/studio-shots/ to look at.
"""

import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from common.settings import Settings
from tests.local_service import Stack, delete_topology

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path("/tmp/studio-shots")
STUDIO_KEY = "studio-test-key"
SMALL_OPTIONS = {"width": 224, "height": 128, "fps": 12}

if not CHROMIUM.exists():
    pytest.skip(
        f"the browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright  # noqa: E402


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The gateway and every stage service, keys off; yields once voices are listed."""
    scratch = tmp_path_factory.mktemp("studio")
    settings = Settings(
        data_dir=scratch / "data",
        amqp_prefix=f"t2vtest-{uuid.uuid4().hex[:10]}",
        retry_delays=(0.2, 0.4),
    )
    stack = Stack(settings, scratch / "logs")
    stack.environment["T2V_HOST"] = "127.0.0.1"
    stack.start_all()
    try:
        _wait_for_voices(stack.base_url)
        yield stack
    finally:
        stack.stop_all()
        delete_topology(settings)


@pytest.fixture(scope="package")
def studio(stack: Stack) -> str:
    """The studio's address: the gateway's root."""
    return stack.base_url.removesuffix("/api/v1")


@pytest.fixture(scope="package")
def finished_job(stack: Stack) -> str:
    """The id of a small video made through the API, once it has completed."""
    answer = requests.post(
        f"{stack.base_url}/generate",
        json={"text": "The river ran past the mill.", "options": SMALL_OPTIONS},
        timeout=10,
    )
    assert answer.status_code == 202, answer.text
    job_id = str(answer.json()["job_id"])
    deadline = time.monotonic() + 120
    while (status := requests.get(f"{stack.base_url}/status/{job_id}", timeout=5).json())[
        "status"
    ] not in ("completed", "failed"):
        assert time.monotonic() < deadline, status
        time.sleep(0.2)
    assert status["status"] == "completed", status
    return job_id


@pytest.fixture(scope="package")
def keyed_studio(stack: Stack) -> Iterator[str]:
    """A second gateway on the same broker and data, with ``STUDIO_KEY`` the one API key."""
    keyed = Stack(stack.settings, stack.log_dir / "keyed")
    keyed.environment.update({"T2V_HOST": "127.0.0.1", "T2V_API_KEYS": STUDIO_KEY})
    keyed.start("gateway")
    try:
        keyed.wait_until_healthy()
        yield keyed.base_url.removesuffix("/api/v1")
    finally:
        keyed.stop_all()


# Package-scoped, not session-scoped: Playwright's synchronous API keeps an event loop
# running until it stops, and the asyncio tests that follow need to run their own.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser profile (no stored key) at a laptop's size.

    Script errors and anything the Content-Security-Policy blocks fail the test.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))

    def blocked(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            errors.append(message.text)

    opened.on("console", blocked)
    yield opened
    context.close()
    assert not errors, errors


@pytest.fixture(scope="package")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return tmp_path_factory.mktemp("screenshots")


def screenshot(page: Page, folder: Path, name: str, full_page: bool = True) -> None:
    """The page as ``<name>.png``, in ``folder`` and in /tmp/studio-shots/."""
    path = folder / f"{name}.png"
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=full_page)
    shutil.copyfile(path, SHOTS / path.name)


def _wait_for_voices(base_url: str) -> None:
    # The TTS service publishes its voices once started; the form lists them from then on.
    deadline = time.monotonic() + 120
    while requests.get(f"{base_url}/voices", timeout=5).status_code != 200:
        assert time.monotonic() < deadline, "the TTS service did not publish its voices"
        time.sleep(0.3)
