"""Warm-up pings: the scheduled event that keeps a function warm, answered at once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

WARMUP_SOURCE = "serverless-plugin-warmup"
WARM = {"warm": True}


def is_warmup(event: Mapping[str, Any]) -> bool:
    """Whether `event` is a warm-up ping rather than work."""
    return event.get("source") == WARMUP_SOURCE
