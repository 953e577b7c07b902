"""The docs page renders in a real browser: Swagger UI from the installed package, reading
/openapi.json from the gateway that serves it, one operation block a route."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.integration.browser.conftest import LocalApi

pytestmark = pytest.mark.slow


def test_swagger_ui_renders_one_operation_per_route(
    browser_context: Any, local_api: LocalApi, tmp_path: Path
):
    with urllib.request.urlopen(f"{local_api.url}/openapi.json", timeout=30) as answer:
        document = json.loads(answer.read())
    routes = sum(len(operations) for operations in document["paths"].values())
    page = browser_context.new_page()
    requested: list[str] = []
    failed: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("pageerror", lambda error: failed.append(str(error)))

    page.goto(f"{local_api.url}/docs")
    page.wait_for_function(
        "count => document.querySelectorAll('.opblock').length >= count", arg=routes
    )
    rendered = page.locator(".opblock").count()
    title = page.locator(".info .title").inner_text()
    screenshot = tmp_path / "docs.png"
    page.screenshot(path=str(screenshot), full_page=True)

    assert rendered == routes == 17
    assert "market-api" in title
    assert failed == []
    assert all(url.startswith(local_api.url) for url in requested), requested
    assert f"{local_api.url}/openapi.json" in requested
    assert screenshot.stat().st_size > 10_000
