"""API keys from the authorizer and the usage plan: throttle (token bucket) and quota."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from adapters.local.usage import Admission, TokenBucket, UsageLimits, UsagePlan
from tests.integration.gateway.conftest import TIGHT_BURST, TIGHT_QUOTA, TIGHT_RATE
from tests.integration.gateway.flows import sign_in, unique_email
from tests.integration.gateway.running import Reply, RunningGateway


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.aws
def test_the_usage_plan_throttles_then_stops_at_the_quota(tight_gateway: RunningGateway) -> None:
    client = tight_gateway.client()
    account = sign_in(client, unique_email("limited"))["uclusion_token"]  # no usage plan here
    token = client.request(
        "POST", "/create", {"market_type": "DECISION", "name": "q"}, token=account
    ).json["token"]
    client.request("GET", "/get", token=token)  # warm: the integration timeout is short here
    tight_gateway.local("POST", "usage-plan", {})  # the same limits, counted from zero

    with ThreadPoolExecutor(max_workers=TIGHT_BURST + 1) as pool:
        burst = list(pool.map(lambda _: get_market(tight_gateway, token), range(TIGHT_BURST + 1)))
    time.sleep(TIGHT_BURST / TIGHT_RATE + 0.05)
    refilled = [client.request("GET", "/get", token=token) for _ in range(TIGHT_BURST)]
    over_quota = client.request("GET", "/get", token=token)

    assert sorted(r.status for r in burst) == [200] * TIGHT_BURST + [429]
    throttled = next(r for r in burst if r.status == 429)
    assert throttled.json == {"error_message": "Too Many Requests", "error_code": "throttled"}
    assert [r.status for r in refilled] == [200] * TIGHT_BURST
    assert over_quota.status == 429
    assert over_quota.json == {"error_message": "Limit Exceeded", "error_code": "quota_exceeded"}
    for refused in (throttled, over_quota):
        assert refused.headers["access-control-allow-origin"] == "*"
        assert "Authorization" in refused.headers["access-control-allow-headers"]
    assert tight_gateway.stats()["usage_plan"]["used"] == TIGHT_QUOTA


def get_market(gateway: RunningGateway, token: str) -> Reply:
    client = gateway.client()
    try:
        return client.request("GET", "/get", token=token)
    finally:
        client.close()


def test_a_bucket_allows_a_burst_then_the_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=2.0, burst=3, clock=clock)

    first = [bucket.take() for _ in range(4)]
    clock.now += 0.5
    after_half_a_second = [bucket.take() for _ in range(2)]
    clock.now += 100
    after_long = [bucket.take() for _ in range(4)]

    assert first == [True, True, True, False]
    assert after_half_a_second == [True, False]
    assert after_long == [True, True, True, False]


def test_a_key_outside_the_plan_is_refused() -> None:
    plan = UsagePlan(["the-key"], UsageLimits())

    assert plan.admit("another-key") is Admission.INVALID_API_KEY
    assert plan.admit(None) is Admission.INVALID_API_KEY
    assert plan.admit("the-key") is Admission.ADMITTED


def test_the_quota_counts_per_utc_day_and_a_throttled_request_does_not_count() -> None:
    clock = Clock()
    day = [datetime(2026, 1, 1, 23, 0, tzinfo=UTC)]
    plan = UsagePlan(
        ["k"], UsageLimits(rate=1.0, burst=1, quota=2), clock=clock, now=lambda: day[0]
    )

    answers = [plan.admit("k"), plan.admit("k")]
    clock.now += 1
    answers.append(plan.admit("k"))
    clock.now += 1
    answers.append(plan.admit("k"))
    day[0] += timedelta(hours=2)
    clock.now += 1
    answers.append(plan.admit("k"))

    assert answers == [
        Admission.ADMITTED,
        Admission.THROTTLED,
        Admission.ADMITTED,
        Admission.QUOTA_EXCEEDED,
        Admission.ADMITTED,
    ]


def test_new_limits_start_afresh() -> None:
    plan = UsagePlan(["k"], UsageLimits(quota=1))
    plan.admit("k")

    plan.change(plan.limits.with_changes(quota=2))

    assert [plan.admit("k"), plan.admit("k"), plan.admit("k")] == [
        Admission.ADMITTED,
        Admission.ADMITTED,
        Admission.QUOTA_EXCEEDED,
    ]
