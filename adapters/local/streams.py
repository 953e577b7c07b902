"""A stream event source mapping, as Lambda runs one for a DynamoDB stream: batches in order
per shard, retries, partial batch failures, bisection on error and a failure destination.

The rules, for a batch that fails:
- `batchItemFailures` (with ReportBatchItemFailures): the records before the lowest failed
  sequence number are done; the batch is retried from that record;
- an error (an exception, a timeout, an answer naming a record not in the batch): with
  bisection on, the batch is split in two halves tried one after the other (a split does not
  count as a retry); a single record, or bisection off, is retried as it is;
- when a batch has been retried `maximum_retry_attempts` times, its records go to the
  failure destination and the shard moves on. Records older than `maximum_record_age`
  go there too, without an invocation.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

Record = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class StreamTrigger:
    """The settings of one stream event source mapping."""

    function: str
    table: str
    batch_size: int = 100
    maximum_retry_attempts: int = -1  # -1: until the record expires, as Lambda's default
    bisect_on_error: bool = False
    report_batch_item_failures: bool = False
    maximum_record_age_seconds: int = -1
    starting_position: str = "TRIM_HORIZON"
    destination: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one invocation said about a batch."""

    error: str | None = None
    failed: tuple[str, ...] = ()


Invoke = Callable[[list[Record]], Outcome]
Destination = Callable[[dict[str, Any]], None]


@dataclass(slots=True)
class _Batch:
    records: list[Record]
    retries: int = 0


def sequence_of(record: Record) -> str:
    """A record's sequence number."""
    return str(record["dynamodb"]["SequenceNumber"])


class ShardConsumer:
    """Feeds one shard's records to a function, batch after batch, in order."""

    def __init__(
        self,
        trigger: StreamTrigger,
        shard_id: str,
        stream_arn: str,
        invoke: Invoke,
        destination: Destination,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.trigger = trigger
        self.shard_id = shard_id
        self._stream_arn = stream_arn
        self._invoke = invoke
        self._destination = destination
        self._clock = clock
        self._pending: deque[Record] = deque()
        self._work: deque[_Batch] = deque()
        self.counts = {
            "received": 0,
            "processed": 0,
            "invocations": 0,
            "retries": 0,
            "bisections": 0,
            "sent_to_destination": 0,
        }
        self.last_processed: str | None = None

    @property
    def lag(self) -> int:
        """Records received and not yet done with."""
        return len(self._pending) + sum(len(batch.records) for batch in self._work)

    def offer(self, records: Sequence[Record]) -> None:
        """Records read from the shard, in order."""
        self._pending.extend(records)
        self.counts["received"] += len(records)

    def step(self) -> bool:
        """Invoke the function once (or dispose of expired records); False when idle."""
        if not self._work:
            if not self._pending:
                return False
            size = max(1, self.trigger.batch_size)
            records = [self._pending.popleft() for _ in range(min(size, len(self._pending)))]
            self._work.append(_Batch(records))
        batch = self._work[0]
        if self._drop_expired(batch):
            return True

        self.counts["invocations"] += 1
        outcome = self._invoke(list(batch.records))
        sequences = [sequence_of(r) for r in batch.records]
        if outcome.error is None and outcome.failed and self.trigger.report_batch_item_failures:
            if all(s in sequences for s in outcome.failed):
                first = min(sequences.index(s) for s in outcome.failed)
                self._done(batch.records[:first])
                self._retry(batch.records[first:], batch.retries + 1, "PartialBatchFailure")
                return True
            outcome = Outcome(error="an itemIdentifier is not a record of the batch")
        if outcome.error is None:
            self._work.popleft()
            self._done(batch.records)
            return True
        if self.trigger.bisect_on_error and len(batch.records) > 1:
            half = len(batch.records) // 2
            self._work.popleft()
            self._work.appendleft(_Batch(batch.records[half:], batch.retries))
            self._work.appendleft(_Batch(batch.records[:half], batch.retries))
            self.counts["bisections"] += 1
            return True
        self._retry(batch.records, batch.retries + 1, outcome.error)
        return True

    def _done(self, records: Sequence[Record]) -> None:
        if records:
            self.counts["processed"] += len(records)
            self.last_processed = sequence_of(records[-1])

    def _retry(self, records: list[Record], retries: int, error: str) -> None:
        limit = self.trigger.maximum_retry_attempts
        if limit >= 0 and retries > limit:
            self._work.popleft()
            self._give_up(records, "RetryAttemptsExhausted", retries, error)
            return
        self.counts["retries"] += 1
        self._work[0] = _Batch(records, retries)

    def _drop_expired(self, batch: _Batch) -> bool:
        limit = self.trigger.maximum_record_age_seconds
        if limit < 0:
            return False
        now = self._clock()
        expired = [r for r in batch.records if now - _created(r) > limit]
        if not expired:
            return False
        gone = {id(r) for r in expired}
        kept = [r for r in batch.records if id(r) not in gone]
        self._give_up(expired, "RecordAgeExceeded", batch.retries, None)
        if kept:
            self._work[0] = _Batch(kept, batch.retries)
        else:
            self._work.popleft()
        return True

    def _give_up(
        self, records: Sequence[Record], condition: str, attempts: int, error: str | None
    ) -> None:
        self.counts["sent_to_destination"] += len(records)
        self.last_processed = sequence_of(records[-1])
        self._destination(self._failure(records, condition, attempts, error))

    def _failure(
        self, records: Sequence[Record], condition: str, attempts: int, error: str | None
    ) -> dict[str, Any]:
        """The invocation record a failure destination receives (it names the records, it
        does not hold them), plus the sequence numbers for local inspection."""
        created = [_created(r) for r in records]
        return {
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "requestContext": {
                "function": self.trigger.function,
                "condition": condition,
                "approximateInvokeCount": attempts,
            },
            "responseContext": {"functionError": error},
            "DDBStreamBatchInfo": {
                "shardId": self.shard_id,
                "startSequenceNumber": sequence_of(records[0]),
                "endSequenceNumber": sequence_of(records[-1]),
                "approximateArrivalOfFirstRecord": _iso(min(created)),
                "approximateArrivalOfLastRecord": _iso(max(created)),
                "batchSize": len(records),
                "streamArn": self._stream_arn,
            },
            "sequenceNumbers": [sequence_of(r) for r in records],
        }


def outcome_of(result: Any, error: str | None) -> Outcome:
    """The outcome of a stream handler's answer (or of its error)."""
    if error is not None:
        return Outcome(error=error)
    failures = result.get("batchItemFailures") if isinstance(result, Mapping) else None
    if not failures:
        return Outcome()
    identifiers = []
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
        if not isinstance(identifier, str) or not identifier:
            return Outcome(error="a batchItemFailures entry has no itemIdentifier")
        identifiers.append(identifier)
    return Outcome(failed=tuple(identifiers))


def _created(record: Record) -> float:
    value = record.get("dynamodb", {}).get("ApproximateCreationDateTime")
    return float(value) if isinstance(value, int | float) else time.time()


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")
