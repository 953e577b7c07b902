"""A browser page on another origin reads every kind of answer of the local API.

A browser hides an answer that lacks CORS headers from the page: `fetch` rejects. So a page
that reads the status and the JSON body of a success, a validation error, the authorizer's
401 and the usage plan's 429 proves that each of them carries the headers, and that the
preflight allows `Authorization` and `Content-Type`.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.integration.browser.conftest import THROTTLE_RATE, LocalApi

pytestmark = pytest.mark.slow

# Long enough for the usage plan's bucket to hold a token again.
REFILL_SECONDS = 1.2 / THROTTLE_RATE
BURST_SIZE = 6


def fetch(page: Any, api: LocalApi, method: str, path: str, token: str, body: Any = None) -> Any:
    """What the page's `fetch` got: `{status, json, text}`, or `{status: 0, failure}`."""
    return page.evaluate(
        "([base, method, path, token, body]) => callApi(base, method, path, token, body)",
        [api.url, method, path, token, body],
    )


def fetch_admitted(page: Any, api: LocalApi, *call: Any) -> Any:
    """`fetch`, waiting out the usage plan when an earlier call used up its bucket."""
    for _ in range(5):
        answer = fetch(page, api, *call)
        if answer["status"] != 429:
            return answer
        time.sleep(REFILL_SECONDS)
    return answer


def test_a_page_on_another_origin_reads_success_and_every_refusal(
    browser_context: Any, other_origin: str, local_api: LocalApi
):
    token = local_api.market_token("cross-origin@example.com")
    page = browser_context.new_page()
    page.goto(f"{other_origin}/cross_origin.html")

    success = fetch_admitted(page, local_api, "GET", "/get", token)
    invalid = fetch_admitted(page, local_api, "POST", "/invest", token, {"investible_id": 7})
    unauthorized = fetch(page, local_api, "GET", "/get", "undefined")
    time.sleep(REFILL_SECONDS)
    burst = page.evaluate(
        "([base, token, count]) => burst(base, 'GET', '/get', token, count)",
        [local_api.url, token, BURST_SIZE],
    )

    assert success["status"] == 200, success
    assert success["json"]["current_user_id"] and success["json"]["name"] == "Browser market"
    assert invalid["status"] == 400, invalid
    assert invalid["json"]["error_code"] == "invalid_request"
    assert invalid["json"]["errors"][0]["loc"] == ["investible_id"]
    assert unauthorized["status"] == 401, unauthorized
    assert unauthorized["json"]["error_code"] == "unauthorized"
    statuses = sorted(answer["status"] for answer in burst)
    throttled = [answer for answer in burst if answer["status"] == 429]
    assert throttled, f"no 429 in a burst of {BURST_SIZE}: {statuses}"
    assert set(statuses) <= {200, 429}, burst
    assert all(answer["json"]["error_code"] == "throttled" for answer in throttled), throttled
