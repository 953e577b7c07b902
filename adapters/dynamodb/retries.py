"""Bounded retries of throttled or transiently failing DynamoDB calls.

The botocore client is built with retries off (`max_attempts: 1`, see `client.py`), so this
module is the one place that decides what is retried, how often and how long to wait:
full-jitter exponential backoff, then `TemporarilyUnavailable` (a 503 with `Retry-After`).
A condition that failed is never retried here: it is an answer, not a hiccup.

The API functions try three times within about a tenth of a second: a caller is waiting,
and a 503 tells it when to come back. The stream consumer has nobody waiting and a batch
that fails is retried as a whole, so it tries longer (`RetryPolicy.patient`), up to a `Deadline` it
sets from each invocation's remaining time, and stops retrying before Lambda would stop it.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from domain.errors import TemporarilyUnavailable

T = TypeVar("T")

THROTTLED = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
    }
)
# Cancellation reasons that say "try again", as opposed to a condition that failed.
TRANSIENT_REASONS = frozenset(
    {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded", "None"}
)
CANCELLED = "TransactionCanceledException"
CONDITION_FAILED_ERROR = "ConditionalCheckFailedException"  # of a single-item write
CONDITION_FAILED_REASON = "ConditionalCheckFailed"  # of one item of a cancelled transaction


def error_code(error: ClientError) -> str:
    """The DynamoDB error code of a client error."""
    return str(error.response.get("Error", {}).get("Code", ""))


def cancellation_reasons(error: ClientError) -> list[Mapping[str, Any]]:
    """The per-item reasons of a cancelled transaction, in the order of its items."""
    reasons = error.response.get("CancellationReasons")
    return list(reasons) if isinstance(reasons, list) else []


def is_transient(error: Exception) -> bool:
    """Whether trying the same call again may succeed."""
    if isinstance(error, BotoConnectionError | HTTPClientError):
        return True
    if not isinstance(error, ClientError):
        return False
    code = error_code(error)
    if code in THROTTLED:
        return True
    return code == CANCELLED and only_transient(cancellation_reasons(error))


class Deadline:
    """The moment the current invocation's retries must not wait past (none until set)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._until = math.inf

    def start(self, seconds: float) -> None:
        """From now on, allow waits that end within `seconds`."""
        self._until = self._clock() + max(0.0, seconds)

    def allows(self, wait: float) -> bool:
        """Whether a wait of `wait` seconds, starting now, ends in time."""
        return self._clock() + wait <= self._until


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many times to try a call and how long to wait in between.

    `attempts` counts the first try. The wait before retry n (from 1) is a random fraction
    of `min(max_delay, base_delay * 2 ** (n - 1))` (full jitter). With a `deadline`, a
    retry whose wait would end past it is not made: the call is unavailable at once.
    """

    attempts: int = 3
    base_delay: float = 0.05
    max_delay: float = 1.0
    retry_after: int = 1
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    jitter: Callable[[], float] = field(default=random.random, compare=False)
    deadline: Deadline | None = field(default=None, compare=False)

    def delay(self, retry: int) -> float:
        """The wait before retry number `retry` (1 for the first retry)."""
        return float(self.jitter() * min(self.max_delay, self.base_delay * 2 ** (retry - 1)))

    def pause(self, retry: int) -> None:
        """Wait before retry number `retry`; `TemporarilyUnavailable` if out of time."""
        wait = self.delay(retry)
        if self.deadline is not None and not self.deadline.allows(wait):
            raise self.unavailable("out of time for another try")
        self.sleep(wait)

    def patient(self, deadline: Deadline) -> RetryPolicy:
        """This policy as the stream consumer uses it: six tries, waits of up to a second
        (about 1.5 s in all at most, 0.8 s on average), and never past `deadline`."""
        return replace(self, attempts=6, max_delay=1.0, deadline=deadline)

    def unavailable(self, cause: str) -> TemporarilyUnavailable:
        """The error to raise once the attempts are spent."""
        return TemporarilyUnavailable(
            f"The database is busy ({cause}); try again shortly.", retry_after=self.retry_after
        )

    def call(self, operation: Callable[[], T]) -> T:
        """Run `operation`, retrying transient failures; `TemporarilyUnavailable` at the end."""
        for attempt in range(1, self.attempts + 1):
            try:
                return operation()
            except (ClientError, BotoConnectionError, HTTPClientError) as error:
                if not is_transient(error):
                    raise
                if attempt == self.attempts:
                    cause = error_code(error) if isinstance(error, ClientError) else "network"
                    raise self.unavailable(cause) from error
            self.pause(attempt)
        raise AssertionError("unreachable")  # pragma: no cover


def only_transient(reasons: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a cancellation had no failed condition, only contention or throttling."""
    codes = [str(reason.get("Code", "None")) for reason in reasons]
    return any(code != "None" for code in codes) and all(c in TRANSIENT_REASONS for c in codes)
