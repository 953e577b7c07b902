"""The hourly schedule: soft-deletes investments older than their market allows."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from adapters.aws_lambda.container import container
from adapters.aws_lambda.logs import cold_start, log
from adapters.aws_lambda.warmup import WARM, is_warmup


def handler(event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
    """Run one expiry pass and report what it did."""
    if is_warmup(event):
        return dict(WARM)
    started = time.perf_counter()
    cold, _ = cold_start.take()
    report = container.expiry().run()
    answer = {"markets": report.markets, "expired": report.expired, "skipped": report.skipped}
    log.info(
        "expiry run",
        extra={
            "fields": {
                **answer,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "cold_start": cold,
            }
        },
    )
    return answer
