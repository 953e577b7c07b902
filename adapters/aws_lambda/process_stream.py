"""The markets table's change stream: keeps totals, signatures and member summaries.

Answers `batchItemFailures` with the sequence numbers that must come again; Lambda
retries from the earliest of them, and everything applied is idempotent by version.

Its storage calls retry longer than the API's (a failed group costs the whole rest of the
batch one of its retries), but stop waiting `MARGIN_SECONDS` before the invocation's
timeout: what is still failing then is reported, rather than the function timing out.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any

from adapters.aws_lambda.container import container
from adapters.aws_lambda.logs import cold_start, log
from adapters.aws_lambda.warmup import WARM, is_warmup

MARGIN_SECONDS = 5.0


def handler(event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
    """Apply a batch of stream records; report the ones that failed."""
    if is_warmup(event):
        return dict(WARM)
    from adapters.dynamodb.stream import decode_records

    started = time.perf_counter()
    cold, init_ms = cold_start.take()
    records = list(event.get("Records") or [])
    changes, undecodable = decode_records(records)
    container.stream_deadline().start(_seconds_left(context) - MARGIN_SECONDS)
    result = container.stream_summaries().apply(changes)
    failed = sorted({*result.failed, *undecodable})
    log.info(
        "stream batch",
        extra={
            "fields": {
                "records": len(records),
                "failed": len(failed),
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "cold_start": cold,
                **({} if init_ms is None else {"init_ms": init_ms}),
            }
        },
    )
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in failed]}


def _seconds_left(context: Any) -> float:
    """The invocation's remaining time (unbounded when called without a Lambda context)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return math.inf if remaining is None else remaining() / 1000
