"""Schedules from serverless.yml: expressions, the timer, and running one on demand."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from adapters.local.schedules import BadSchedule, Schedule, Scheduler, next_time, rate_seconds
from tests.integration.gateway.running import RunningGateway


@pytest.mark.aws
def test_a_schedule_runs_its_function_on_demand(gateway: RunningGateway) -> None:
    answer = gateway.local("POST", "schedules/expire_investments")

    assert answer["error"] is None
    assert set(answer["result"]) == {"markets", "expired", "skipped"}
    listed = gateway.local("GET", "schedules")
    assert listed["schedules"] == [
        {"function": "expire_investments", "expression": "rate(1 hour)", "enabled": True}
    ]
    assert listed["on_demand_runs"]["expire_investments"] >= 1


@pytest.mark.aws
def test_a_function_without_a_schedule_is_404(gateway: RunningGateway) -> None:
    client = gateway.client(forbid=())

    reply = client.request("POST", "/_local/schedules/get_market")

    assert reply.status == 404


def test_rate_expressions_in_minutes_hours_and_days() -> None:
    assert rate_seconds("rate(1 minute)") == 60
    assert rate_seconds("rate(5 minutes)") == 300
    assert rate_seconds("rate(1 hour)") == 3600
    assert rate_seconds("rate(2 days)") == 172800
    assert rate_seconds("cron(0 * * * ? *)") is None


def test_cron_expressions_name_the_next_matching_minute() -> None:
    start = datetime(2026, 3, 6, 10, 7, 30, tzinfo=UTC)  # a Friday

    assert next_time("cron(15 * * * ? *)", start) == datetime(2026, 3, 6, 10, 15, tzinfo=UTC)
    assert next_time("cron(0/20 * * * ? *)", start) == datetime(2026, 3, 6, 10, 20, tzinfo=UTC)
    assert next_time("cron(0 9 ? * MON-FRI *)", start) == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    assert next_time("cron(30 2 1 JAN ? *)", start) == datetime(2027, 1, 1, 2, 30, tzinfo=UTC)
    assert next_time("cron(0 0 29 2 ? 2028)", start) == datetime(2028, 2, 29, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "expression", ["cron(* * * *)", "cron(61 * * * ? *)", "cron(0 0 L * ? *)", "rate(0 hours)"]
)
def test_expressions_it_cannot_read_are_refused(expression: str) -> None:
    with pytest.raises(BadSchedule):
        next_time(expression, datetime(2026, 1, 1, tzinfo=UTC))


def test_the_timer_fires_a_schedule_when_it_falls_due() -> None:
    moments = [datetime(2026, 1, 1, 0, 0, tzinfo=UTC)]
    fired = threading.Event()
    fired_for: list[str] = []

    def fire(schedule: Schedule) -> None:
        fired_for.append(schedule.function)
        fired.set()

    scheduler = Scheduler(
        [Schedule("expire", "rate(1 hour)"), Schedule("off", "rate(1 minute)", enabled=False)],
        fire,
        now=lambda: moments[0],
        tick_seconds=0.01,
    )
    scheduler.start()
    try:
        assert not fired.wait(0.05)
        moments[0] = datetime(2026, 1, 1, 1, 0, tzinfo=UTC)

        assert fired.wait(2)
    finally:
        scheduler.stop()

    assert fired_for[0] == "expire" and "off" not in fired_for
    assert scheduler.runs == {"expire": 1}
    assert scheduler.next_runs() == {"expire": "2026-01-01T02:00:00+00:00"}
