"""EventBridge schedules: `rate(...)` and `cron(...)` expressions, and a timer that invokes
the scheduled functions when they fall due.

Cron is EventBridge's six fields (minutes hours day-of-month month day-of-week year) with
`*`, `?`, lists, ranges, steps and names; `L`, `W` and `#` are not understood.
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

logger = logging.getLogger("local_gateway.schedules")

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minutes?|hours?|days?)\s*\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]


class BadSchedule(ValueError):
    """A schedule expression this module cannot read."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """A schedule of one function."""

    function: str
    expression: str
    enabled: bool = True
    input: Mapping[str, Any] | None = None


def rate_seconds(expression: str) -> int | None:
    """The period of a `rate(...)` expression in seconds, or None for another expression."""
    found = _RATE.match(expression.strip())
    if found is None:
        return None
    value, unit = int(found.group(1)), found.group(2).rstrip("s")
    if value < 1:
        raise BadSchedule(f"a rate must be at least 1: {expression}")
    return value * _UNITS[unit]


@dataclass(frozen=True, slots=True)
class Cron:
    """The allowed values of each cron field."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int] | None  # None: `?`
    months: frozenset[int]
    weekdays: frozenset[int] | None  # 1 = Sunday, as EventBridge counts
    years: frozenset[int] | None

    @classmethod
    def parse(cls, expression: str) -> Cron:
        """Read a `cron(...)` expression; raises BadSchedule."""
        found = _CRON.match(expression.strip())
        fields = found.group(1).split() if found else []
        if len(fields) != 6:
            raise BadSchedule(f"a cron expression has six fields: {expression}")
        minute, hour, day, month, weekday, year = fields
        return cls(
            minutes=_field(minute, 0, 59),
            hours=_field(hour, 0, 23),
            days=None if day == "?" else _field(day, 1, 31),
            months=_field(month, 1, 12, _MONTHS),
            weekdays=None if weekday == "?" else _field(weekday, 1, 7, _DAYS),
            years=None if year == "*" else _field(year, 1970, 2199),
        )

    def next_after(self, moment: datetime) -> datetime:
        """The first minute after `moment` that the expression names (UTC)."""
        candidate = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        limit = candidate + timedelta(days=366 * 5)
        while candidate < limit:
            if self.years is not None and candidate.year not in self.years:
                candidate = datetime(candidate.year + 1, 1, 1, tzinfo=candidate.tzinfo)
            elif candidate.month not in self.months or not self._day_matches(candidate):
                candidate = (candidate + timedelta(days=1)).replace(hour=0, minute=0)
            elif candidate.hour not in self.hours:
                candidate = (candidate + timedelta(hours=1)).replace(minute=0)
            elif candidate.minute not in self.minutes:
                candidate += timedelta(minutes=1)
            else:
                return candidate
        raise BadSchedule("the cron expression names no time in the next five years")

    def _day_matches(self, moment: datetime) -> bool:
        day_ok = self.days is None or moment.day in self.days
        weekday = (moment.isoweekday() % 7) + 1
        weekday_ok = self.weekdays is None or weekday in self.weekdays
        return day_ok and weekday_ok


def _field(text: str, low: int, high: int, names: Sequence[str] = ()) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if body == "*":
            first, last = low, high
        elif "-" in body:
            start, end = body.split("-", 1)
            first, last = _value(start, low, names), _value(end, low, names)
        else:
            first = _value(body, low, names)
            last = high if step_text else first
        if not (low <= first <= high and low <= last <= high) or step < 1:
            raise BadSchedule(f"cron field {text!r} is out of range")
        values.update(range(first, last + 1, step))
    return frozenset(values)


def _value(text: str, low: int, names: Sequence[str]) -> int:
    upper = text.upper()
    if upper in names:
        return names.index(upper) + low
    if not text.isdigit():
        raise BadSchedule(f"cron value {text!r} is not understood")
    return int(text)


def next_time(expression: str, after: datetime) -> datetime:
    """When a schedule next fires after `after`."""
    period = rate_seconds(expression)
    if period is not None:
        return after + timedelta(seconds=period)
    return Cron.parse(expression).next_after(after)


def scheduled_event(function: str, region: str, account: str) -> dict[str, Any]:
    """The EventBridge event a scheduled function receives."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{account}:rule/{function}-schedule"],
        "detail": {},
    }


@dataclass
class Scheduler:
    """Fires each enabled schedule at its next time, on a daemon thread."""

    schedules: Sequence[Schedule]
    fire: Callable[[Schedule], Any]
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    tick_seconds: float = 1.0
    _due: dict[int, datetime] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    runs: dict[str, int] = field(default_factory=dict)

    def start(self) -> None:
        """Compute every first time and start the timer."""
        start = self.now()
        for index, schedule in enumerate(self.schedules):
            if schedule.enabled:
                self._due[index] = next_time(schedule.expression, start)
        threading.Thread(target=self._run, name="schedules", daemon=True).start()

    def stop(self) -> None:
        """Stop the timer."""
        self._stop.set()

    def next_runs(self) -> dict[str, str]:
        """When each enabled schedule fires next."""
        return {self.schedules[i].function: due.isoformat() for i, due in self._due.items()}

    def _run(self) -> None:
        while not self._stop.wait(self.tick_seconds):
            moment = self.now()
            for index, due in list(self._due.items()):
                if due <= moment:
                    schedule = self.schedules[index]
                    self._due[index] = next_time(schedule.expression, moment)
                    self.runs[schedule.function] = self.runs.get(schedule.function, 0) + 1
                    try:
                        self.fire(schedule)
                    except Exception:
                        logger.exception("schedule of %s failed", schedule.function)
