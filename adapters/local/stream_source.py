"""Reading a DynamoDB stream with the DynamoDB Streams API, records shaped as Lambda gets them."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from typing import Any

from adapters.local.streams import Record

HOUSEKEEPING_EVERY = 200


class DynamoStreamSource:
    """The shards of one table's stream, each read onwards from where it was left.

    With `fresh_iterators`, every read after the first record starts from a new iterator
    after the last sequence number seen. moto needs it: a cancelled transaction restores
    deep copies of the tables, and an iterator would keep reading the discarded shard.
    """

    def __init__(
        self,
        streams_client: Any,
        stream_arn: str,
        starting_position: str,
        housekeeping: Callable[[], None] | None = None,
        fresh_iterators: bool = False,
    ) -> None:
        self._client = streams_client
        self._housekeeping = housekeeping
        self._fresh = fresh_iterators
        self._reads = 0
        self.stream_arn = stream_arn
        self._starting_position = starting_position
        self._iterators: dict[str, str | None] = {}
        self._last: dict[str, str] = {}

    def shards(self) -> list[str]:
        """The ids of the stream's shards, oldest first."""
        description = self._client.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        return [shard["ShardId"] for shard in description.get("Shards", [])]

    def read(self, shard_id: str, limit: int = 1000) -> list[Record]:
        """The records written to the shard since the last read (empty when closed)."""
        fresh = self._fresh and (shard_id in self._last or self._starting_position != "LATEST")
        if shard_id not in self._iterators or fresh:
            self._iterators[shard_id] = self._iterator(shard_id)
        iterator = self._iterators[shard_id]
        if iterator is None:
            return []
        try:
            answer = self._client.get_records(ShardIterator=iterator, Limit=limit)
        except self._client.exceptions.ExpiredIteratorException:
            self._iterators[shard_id] = self._iterator(shard_id)
            return []
        self._iterators[shard_id] = answer.get("NextShardIterator")
        self._reads += 1
        if self._housekeeping is not None and self._reads % HOUSEKEEPING_EVERY == 0:
            self._housekeeping()
        records = [self._lambda_record(raw) for raw in answer.get("Records", [])]
        if records:
            self._last[shard_id] = records[-1]["dynamodb"]["SequenceNumber"]
        return records

    def _iterator(self, shard_id: str) -> str | None:
        arguments: dict[str, Any] = {"StreamArn": self.stream_arn, "ShardId": shard_id}
        last = self._last.get(shard_id)
        if last is not None:
            arguments.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=last)
        else:
            arguments["ShardIteratorType"] = self._starting_position
        iterator: str | None = self._client.get_shard_iterator(**arguments).get("ShardIterator")
        return iterator

    def _lambda_record(self, raw: dict[str, Any]) -> Record:
        record: dict[str, Any] = _wire(raw)
        record["eventSourceARN"] = self.stream_arn
        record.setdefault("eventVersion", "1.1")
        return record


def _wire(value: Any) -> Any:
    """boto3's parsed record back in wire form: binary as base64, times as epoch seconds."""
    if isinstance(value, dict):
        return {key: _wire(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_wire(item) for item in value]
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dt.datetime):
        return int(value.timestamp())
    return value
