"""A real browser for the tests: Debian's headless Chromium driven by Playwright.

Playwright drives the browser that Debian's `chromium` package installs; it never downloads
one of its own (`playwright install` is not needed and must not run). The browser starts
with a fresh profile in a temporary folder and reaches nothing but the loopback servers the
tests start.

`local_api` runs `market-api serve` on a free port with a tiny usage plan, as a developer
would run it, and `other_origin` serves the static pages of a browser client from another
port, so every call the page makes is cross-origin.
"""

from __future__ import annotations

import functools
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGES = Path(__file__).resolve().parent / "pages"
ROOT = Path(__file__).resolve().parents[3]
START_TIMEOUT_SECONDS = 60
# The usage plan of the gateway under test: a second request within a second is throttled.
THROTTLE_RATE = 1
THROTTLE_BURST = 1


def _unavailable(reason: str) -> None:
    # In CI a missing browser is a broken setup, not a reason to skip.
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI installs it: apt-get install chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="package")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A Chromium with a fresh profile in a temporary folder, for this package's tests."""
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        _unavailable(f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(15_000)
        try:
            yield context
        finally:
            context.close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="package")
def other_origin() -> Iterator[str]:
    """The base URL of a static server on another port: a browser client of the API lives here."""
    handler = functools.partial(_QuietHandler, directory=str(PAGES))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class LocalApi:
    """A running `market-api serve` and what a test needs of it."""

    url: str
    process: subprocess.Popen[bytes]

    def request(self, method: str, path: str, body: object = None, token: str = "") -> Any:
        """Call the gateway directly (not from the browser) and decode its JSON answer."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Authorization": token}
        request = urllib.request.Request(self.url + path, data, headers, method=method)
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())

    def market_token(self, email: str) -> str:
        """Sign `email` in through the local identity provider and create a market; its token."""
        query = urllib.parse.urlencode({"email": email})
        id_token = self.request("GET", f"/_local/id-token?{query}")["id_token"]
        account = self.request("POST", "/sso/cognito", {"id_token": id_token})["uclusion_token"]
        market = {"market_type": "DECISION", "name": "Browser market"}
        return str(self.request("POST", "/create", market, account)["token"])


def _serve_command() -> list[str]:
    script = Path(sys.executable).with_name("market-api")
    if script.is_file():
        return [str(script), "serve"]
    return [sys.executable, "-m", "adapters.local.cli", "serve"]


@pytest.fixture(scope="package")
def local_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApi]:
    """The local gateway on a free port with a usage plan of one request a second, burst one."""
    state = tmp_path_factory.mktemp("gateway-state")
    log = (state / "gateway.log").open("wb")
    command = [
        *_serve_command(),
        *("--port", "0", "--state-dir", str(state)),
        *("--throttle-rate", str(THROTTLE_RATE), "--throttle-burst", str(THROTTLE_BURST)),
        *("--no-reload", "--no-schedules", "--no-streams"),
    ]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=log)
    try:
        url = _announced_url(process, state / "gateway.log")
        yield LocalApi(url, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()


def _announced_url(process: subprocess.Popen[bytes], log: Path) -> str:
    lines: queue.Queue[bytes] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(b"")

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        found = re.search(rb"listening on (http://\S+)", line)
        if found:
            return found.group(1).decode()
        if not line:
            break
    raise AssertionError(f"market-api serve did not start:\n{log.read_text()[-4000:]}")
