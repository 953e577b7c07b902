"""The stream consumer's patient retries, and the deadline that bounds them."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from adapters.dynamodb.retries import Deadline, RetryPolicy
from domain.errors import TemporarilyUnavailable


class Clock:
    """A monotonic clock the test moves, and a sleep that moves it."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _throttled() -> ClientError:
    return ClientError({"Error": {"Code": "ThrottlingException"}}, "GetItem")


def _failing(times: int):
    calls = []

    def operation() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise _throttled()
        return "done"

    return operation, calls


def test_a_deadline_allows_waits_that_end_in_time_only():
    clock = Clock()
    deadline = Deadline(clock)
    assert deadline.allows(10**9)  # none until started

    deadline.start(3.0)
    assert deadline.allows(3.0) and not deadline.allows(3.01)
    clock.now += 2.0
    assert deadline.allows(1.0) and not deadline.allows(1.5)

    deadline.start(-4.0)  # already late: no wait at all
    assert deadline.allows(0.0) and not deadline.allows(0.001)


def test_the_patient_policy_keeps_trying_where_the_apis_gives_up():
    clock = Clock()
    base = RetryPolicy(sleep=clock.sleep, jitter=lambda: 1.0)
    patient = base.patient(Deadline(clock))
    assert (patient.attempts, patient.max_delay, patient.base_delay) == (6, 1.0, 0.05)

    operation, calls = _failing(5)
    with pytest.raises(TemporarilyUnavailable):
        base.call(operation)
    assert len(calls) == base.attempts == 3

    operation, calls = _failing(5)
    assert patient.call(operation) == "done"
    assert len(calls) == 6
    assert clock.slept[-5:] == [0.05, 0.1, 0.2, 0.4, 0.8]


def test_the_patient_policy_stops_before_a_wait_would_pass_the_deadline():
    clock = Clock()
    deadline = Deadline(clock)
    patient = RetryPolicy(sleep=clock.sleep, jitter=lambda: 1.0).patient(deadline)
    deadline.start(0.2)  # room for the waits of 0.05 and 0.1, not for the next of 0.2

    operation, calls = _failing(10)
    with pytest.raises(TemporarilyUnavailable, match="out of time"):
        patient.call(operation)

    assert len(calls) == 3
    assert clock.slept == [0.05, 0.1]
    assert clock.now <= 100.2
