"""API keys and the usage plan: a token bucket per key for the throttle, a counter per period
for the quota, as API Gateway applies them to the keys an authorizer hands out."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import Enum


class Admission(Enum):
    """What the usage plan says about one request."""

    ADMITTED = "admitted"
    INVALID_API_KEY = "INVALID_API_KEY"
    THROTTLED = "THROTTLED"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"


@dataclass(frozen=True, slots=True)
class UsageLimits:
    """A usage plan's numbers; None means no such limit."""

    rate: float | None = None
    burst: int | None = None
    quota: int | None = None
    period: str = "DAY"

    def with_changes(self, **changes: object) -> UsageLimits:
        """These limits with some replaced (keys that are absent keep their value)."""
        return replace(self, **changes)  # type: ignore[arg-type]


class TokenBucket:
    """`burst` tokens at most, refilled at `rate` a second; each request takes one."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float]) -> None:
        self._rate = rate
        self._capacity = float(burst)
        self._tokens = float(burst)
        self._clock = clock
        self._updated = clock()

    def take(self) -> bool:
        """Take a token if one is there."""
        now = self._clock()
        self._tokens = min(self._capacity, self._tokens + (now - self._updated) * self._rate)
        self._updated = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True


def period_of(moment: datetime, period: str) -> str:
    """The quota period a moment falls in: its UTC day, ISO week or month."""
    if period == "WEEK":
        year, week, _ = moment.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "MONTH":
        return moment.strftime("%Y-%m")
    return moment.strftime("%Y-%m-%d")


class UsagePlan:
    """The keys of one usage plan and what each has used."""

    def __init__(
        self,
        keys: Iterable[str],
        limits: UsageLimits,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._keys = set(keys)
        self._limits = limits
        self._clock = clock
        self._now = now
        self._lock = threading.Lock()
        self._buckets: dict[str, TokenBucket] = {}
        self._used: dict[tuple[str, str], int] = {}
        self._refused: dict[Admission, int] = {a: 0 for a in Admission}

    @property
    def limits(self) -> UsageLimits:
        """The limits in force."""
        return self._limits

    def admit(self, key: str | None) -> Admission:
        """Count one request of `key` against the plan, or say why it is refused."""
        with self._lock:
            verdict = self._admit(key)
            self._refused[verdict] += 1
            return verdict

    def change(self, limits: UsageLimits) -> None:
        """New limits, starting with full buckets and unused quotas."""
        with self._lock:
            self._limits = limits
            self._buckets.clear()
            self._used.clear()

    def stats(self) -> dict[str, object]:
        """The limits and the counts, for the local control endpoints."""
        with self._lock:
            limits = self._limits
            return {
                "limits": {
                    "rate": limits.rate,
                    "burst": limits.burst,
                    "quota": limits.quota,
                    "period": limits.period,
                },
                "answers": {a.value: n for a, n in self._refused.items()},
                "used": sum(self._used.values()),
            }

    def _admit(self, key: str | None) -> Admission:
        if not key or key not in self._keys:
            return Admission.INVALID_API_KEY
        limits = self._limits
        period = (key, period_of(self._now(), limits.period))
        if limits.quota is not None and self._used.get(period, 0) >= limits.quota:
            return Admission.QUOTA_EXCEEDED
        if limits.rate is not None and limits.burst is not None:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = TokenBucket(limits.rate, limits.burst, self._clock)
            if not bucket.take():
                return Admission.THROTTLED
        self._used[period] = self._used.get(period, 0) + 1
        return Admission.ADMITTED
