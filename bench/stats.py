"""Small statistics: medians, percentiles and the way figures are printed."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], fraction: float) -> float:
    """The `fraction` quantile (0..1) by linear interpolation between the closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    """The median."""
    return percentile(values, 0.5)


def p90(values: Sequence[float]) -> float:
    """The 90th percentile."""
    return percentile(values, 0.9)


def ms(seconds: float) -> str:
    """Seconds as milliseconds, to a tenth."""
    return f"{seconds * 1000:.1f}"


def us(seconds: float) -> str:
    """Seconds as microseconds, to a unit."""
    return f"{seconds * 1e6:.0f}"


def ratio(value: float) -> str:
    """A ratio to two decimals."""
    return f"{value:.2f}"
