"""Part 5: the stream consumer (process_stream) on 100-record batches from real writes.

The writes go through the API's handlers onto moto with the markets table's stream on; the
records are read back from the stream in Lambda's event shape. Two batches: the first 100
records of a new market (market, stages, members, investibles) and 100 records of members
investing. The consumer's DynamoDB requests are counted, and every item it writes is keyed,
so that "one write per touched item" can be checked item by item.
"""

from __future__ import annotations

import base64
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bench import stats
from bench.mocked import WRITES, Wired, wired_on_moto

BATCH = 100
MEMBERS = 10  # of them invest
INVESTIBLES = 5


@dataclass(frozen=True)
class BatchFigures:
    """What one batch cost the consumer."""

    name: str
    records: int
    changes_kinds: dict[str, int]
    operations: dict[str, int]
    write_requests: int
    items_written: int
    touched_items: int
    most_writes_of_one_item: int
    seconds: list[float]
    failures: int

    @property
    def records_per_second(self) -> float:
        return self.records / stats.median(self.seconds)

    @property
    def ok(self) -> bool:
        return self.most_writes_of_one_item <= 1 and self.failures == 0


def _wire(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _wire(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_wire(item) for item in value]
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    return value


class StreamReader:
    """The markets table's stream from where it was last read, in Lambda's record shape."""

    def __init__(self, table: str) -> None:
        import boto3

        # Lambda's event source mapping reads the stream; the functions never do.
        self._streams = boto3.client("dynamodbstreams", region_name="us-east-1")
        self._arn = boto3.client("dynamodb", region_name="us-east-1").describe_table(
            TableName=table
        )["Table"]["LatestStreamArn"]
        self._after: dict[str, str] = {}

    def read(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        description = self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"]
        for shard in description["Shards"]:
            where: dict[str, Any] = {"ShardIteratorType": "TRIM_HORIZON"}
            if shard["ShardId"] in self._after:
                where = {
                    "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                    "SequenceNumber": self._after[shard["ShardId"]],
                }
            iterator = self._streams.get_shard_iterator(
                StreamArn=self._arn, ShardId=shard["ShardId"], **where
            )["ShardIterator"]
            records = self._streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]
            if records:
                self._after[shard["ShardId"]] = records[-1]["dynamodb"]["SequenceNumber"]
            found += [{**_wire(r), "eventSourceARN": self._arn} for r in records]
        return found


def _new_market(
    w: Wired, reader: StreamReader
) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """A market with investibles and members joining until 100 records are in the stream."""
    api = w.api
    created = api.create_market("admin@bench.example", market_type="INITIATIVE", name="Ideas")
    invite = created["market"]["invite_capability"]
    investibles = [
        api.create_investible(created["token"], f"Idea {n}")["investible"]["id"]
        for n in range(INVESTIBLES)
    ]
    records = reader.read()
    members: list[str] = []
    while len(records) < BATCH:
        members.append(api.join(f"m{len(members)}@bench.example", invite)["uclusion_token"])
        records += reader.read()
    return records, members[:MEMBERS], investibles


def _investing(w: Wired, members: list[str], investibles: list[str], round_: int) -> None:
    for member in members:
        for investible in investibles:
            w.api.call(
                "update_investment",
                "POST",
                "/invest",
                token=member,
                body={
                    "investible_id": investible,
                    "quantity": 10 + round_,
                    "former_quantity": 0 if round_ == 0 else 9 + round_,
                },
            )


def _consume(w: Wired, name: str, records: list[dict[str, Any]]) -> tuple[BatchFigures, float]:
    from adapters.aws_lambda import process_stream
    from adapters.dynamodb.stream import decode_records

    batch = records[:BATCH]
    changes, _ = decode_records(batch)
    kinds = Counter(type(c.current).__name__ for c in changes)
    w.requests.reset()
    started = time.perf_counter()
    answer = process_stream.handler({"Records": batch}, None)
    seconds = time.perf_counter() - started
    written = w.requests.items_written
    figures = BatchFigures(
        name=name,
        records=len(batch),
        changes_kinds=dict(kinds),
        operations=dict(w.requests.operations),
        write_requests=sum(w.requests.operations[op] for op in WRITES),
        items_written=sum(written.values()),
        touched_items=len(written),
        most_writes_of_one_item=max(written.values(), default=0),
        seconds=[seconds],
        failures=len(answer.get("batchItemFailures", [])),
    )
    return figures, seconds


def _one_run() -> list[BatchFigures]:
    with wired_on_moto() as w:
        reader = StreamReader(w.tables["markets"])
        setup, members, investibles = _new_market(w, reader)
        first, _ = _consume(w, "a new market (first 100 records)", setup)
        investing: list[dict[str, Any]] = []
        round_ = 0
        while len(investing) < BATCH:
            _investing(w, members, investibles, round_)
            investing += reader.read()
            round_ += 1
        second, _ = _consume(w, "members investing (100 records)", investing)
        return [first, second]


def measure(repeats: int = 2) -> list[BatchFigures]:
    """Each batch on fresh tables `repeats` times; counts from the first, times from all."""
    runs = [_one_run() for _ in range(repeats)]
    merged = []
    for index, figures in enumerate(runs[0]):
        times = [run[index].seconds[0] for run in runs]
        merged.append(BatchFigures(**{**figures.__dict__, "seconds": times}))
    return merged
