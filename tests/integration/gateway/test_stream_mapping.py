"""The stream event source mapping, driven with a fake function that fails on chosen records:
batches, checkpoints of partial failures, retries, bisection and the failure destination."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from adapters.local.stream_poller import StreamPoller
from adapters.local.streams import (
    Outcome,
    Record,
    ShardConsumer,
    StreamTrigger,
    outcome_of,
    sequence_of,
)

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/label"


def records(count: int, first: int = 100, created: float | None = None) -> list[Record]:
    when = time.time() if created is None else created
    return [
        {
            "eventName": "INSERT",
            "dynamodb": {"SequenceNumber": str(first + n), "ApproximateCreationDateTime": when},
        }
        for n in range(count)
    ]


class FakeFunction:
    """Remembers each batch it got; fails the records it is told to, in the way it is told."""

    def __init__(
        self,
        report: Iterable[str] = (),
        crash_on: Iterable[str] = (),
        times: int = 1_000,
    ) -> None:
        self.batches: list[list[str]] = []
        self.report = set(report)
        self.crash_on = set(crash_on)
        self.times = times

    def __call__(self, batch: list[Record]) -> Outcome:
        sequences = [sequence_of(r) for r in batch]
        self.batches.append(sequences)
        failing = len(self.batches) <= self.times
        if failing and self.crash_on & set(sequences):
            return Outcome(error="RuntimeError: poison")
        reported = sorted(self.report & set(sequences)) if failing else []
        return Outcome(failed=tuple(reported))


def consumer(
    function: Callable[[list[Record]], Outcome], sent: list[dict[str, Any]], **settings: Any
) -> ShardConsumer:
    trigger = StreamTrigger(function="fn", table="t", report_batch_item_failures=True, **settings)
    return ShardConsumer(trigger, "shard-1", ARN, function, sent.append)


def run(shard: ShardConsumer) -> None:
    while shard.step():
        pass


def test_records_reach_the_function_in_order_in_batches_of_the_batch_size() -> None:
    function, sent = FakeFunction(), []
    shard = consumer(function, sent, batch_size=4)
    shard.offer(records(10))

    run(shard)

    assert [len(b) for b in function.batches] == [4, 4, 2]
    assert [s for b in function.batches for s in b] == [str(100 + n) for n in range(10)]
    assert shard.counts["processed"] == 10
    assert shard.lag == 0
    assert sent == []


def test_a_partial_failure_retries_from_the_lowest_failed_record_only() -> None:
    function, sent = FakeFunction(report=["103", "105"], times=1), []
    shard = consumer(function, sent, batch_size=10)
    shard.offer(records(6))

    run(shard)

    assert function.batches == [
        ["100", "101", "102", "103", "104", "105"],
        ["103", "104", "105"],
    ]
    assert shard.counts["processed"] == 6
    assert shard.counts["retries"] == 1
    assert sent == []


def test_a_record_that_keeps_failing_goes_to_the_destination_after_the_retries() -> None:
    function, sent = FakeFunction(report=["102"]), []
    shard = consumer(function, sent, batch_size=10, maximum_retry_attempts=2)
    shard.offer(records(4))

    run(shard)

    assert function.batches == [["100", "101", "102", "103"]] + [["102", "103"]] * 2
    assert len(sent) == 1
    failure = sent[0]
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 3
    assert failure["sequenceNumbers"] == ["102", "103"]
    assert failure["DDBStreamBatchInfo"]["startSequenceNumber"] == "102"
    assert failure["DDBStreamBatchInfo"]["streamArn"] == ARN
    assert shard.lag == 0
    assert shard.last_processed == "103"


def test_the_shard_moves_on_after_giving_up_on_a_batch() -> None:
    function, sent = FakeFunction(crash_on=["100"]), []
    shard = consumer(function, sent, batch_size=2, maximum_retry_attempts=1)
    shard.offer(records(4))

    run(shard)

    assert function.batches == [["100", "101"], ["100", "101"], ["102", "103"]]
    assert sent[0]["sequenceNumbers"] == ["100", "101"]
    assert shard.counts["processed"] == 2


def test_bisection_isolates_a_poison_record_and_the_others_are_processed() -> None:
    function, sent = FakeFunction(crash_on=["105"]), []
    shard = consumer(function, sent, batch_size=8, maximum_retry_attempts=2, bisect_on_error=True)
    shard.offer(records(8))

    run(shard)

    assert function.batches[:4] == [
        [str(100 + n) for n in range(8)],
        ["100", "101", "102", "103"],
        ["104", "105", "106", "107"],
        ["104", "105"],
    ]
    assert [failure["sequenceNumbers"] for failure in sent] == [["105"]]
    assert shard.counts["processed"] == 7
    assert shard.counts["bisections"] == 3


def test_an_answer_naming_a_record_outside_the_batch_fails_the_whole_batch() -> None:
    calls: list[int] = []

    def function(batch: list[Record]) -> Outcome:
        calls.append(len(batch))
        return Outcome(failed=("999",)) if len(calls) == 1 else Outcome()

    sent: list[dict[str, Any]] = []
    shard = consumer(function, sent, batch_size=3)
    shard.offer(records(3))

    run(shard)

    assert calls == [3, 3]
    assert shard.counts["processed"] == 3


def test_failures_are_ignored_without_report_batch_item_failures() -> None:
    function, sent = FakeFunction(report=["100"]), []
    trigger = StreamTrigger(function="fn", table="t", batch_size=5)
    shard = ShardConsumer(trigger, "shard-1", ARN, function, sent.append)
    shard.offer(records(2))

    run(shard)

    assert function.batches == [["100", "101"]]
    assert shard.counts["processed"] == 2


def test_records_older_than_the_maximum_age_skip_the_function() -> None:
    function, sent = FakeFunction(), []
    shard = consumer(function, sent, maximum_record_age_seconds=60)
    shard.offer(records(2, created=time.time() - 3600) + records(1, first=200))

    run(shard)

    assert function.batches == [["200"]]
    assert sent[0]["requestContext"]["condition"] == "RecordAgeExceeded"
    assert sent[0]["sequenceNumbers"] == ["100", "101"]


def test_a_handlers_answer_becomes_an_outcome() -> None:
    answer = {"batchItemFailures": [{"itemIdentifier": "7"}, {"itemIdentifier": "9"}]}

    assert outcome_of(answer, None) == Outcome(failed=("7", "9"))
    assert outcome_of({"batchItemFailures": []}, None) == Outcome()
    assert outcome_of(None, None) == Outcome()
    assert outcome_of(None, "boom").error == "boom"
    assert outcome_of({"batchItemFailures": [{"itemIdentifier": ""}]}, None).error


class FakeSource:
    """A shard to which a test appends records while the poller runs."""

    stream_arn = ARN

    def __init__(self) -> None:
        self._records: list[Record] = []
        self._read = 0
        self._lock = threading.Lock()

    def write(self, new: list[Record]) -> None:
        with self._lock:
            self._records.extend(new)

    def shards(self) -> list[str]:
        return ["shard-1"]

    def read(self, shard_id: str, limit: int = 1000) -> list[Record]:
        with self._lock:
            batch = self._records[self._read : self._read + limit]
            self._read += len(batch)
            return batch


def test_drain_returns_once_everything_written_before_it_is_processed() -> None:
    source = FakeSource()
    seen: list[str] = []

    def slow_function(batch: list[Record]) -> Outcome:
        time.sleep(0.01)
        seen.extend(sequence_of(r) for r in batch)
        return Outcome()

    trigger = StreamTrigger(function="fn", table="t", batch_size=3)
    poller = StreamPoller([(trigger, source)], lambda _: slow_function, [].append, interval=5.0)
    poller.start()
    try:
        source.write(records(10))

        assert poller.drain(timeout=10)

        assert seen == [str(100 + n) for n in range(10)]
        assert poller.stats()[0]["lag"] == 0
        assert poller.stats()[0]["processed"] == 10
    finally:
        poller.stop()
