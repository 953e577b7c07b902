"""DynamoDB on moto in this process, with the API's handlers wired to it and every request
of the store's client counted: by operation, by item written, and by round trip."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest.mock import patch

from bench.aws import FAKE_AWS, REGION
from bench.quiet import quiet_logs

STAGE = "dev"
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")
# Each request is held this long before it is sent, so that requests sent together are in
# flight at the same time even though moto answers at once: round trips are then the
# number of times the count of requests in flight rises from zero.
HOLD_SECONDS = 0.02


@dataclass
class Requests:
    """What the watched client sent."""

    operations: Counter[str] = field(default_factory=Counter)
    round_trips: int = 0
    items_written: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    hold: bool = False
    _in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def watch(self, client: Any) -> Any:
        events = client.meta.events
        events.register("provide-client-params.dynamodb", self._params)
        events.register("before-call.dynamodb", self._start)
        events.register("after-call.dynamodb", self._end)
        events.register("after-call-error.dynamodb", self._end)
        return client

    def reset(self) -> None:
        with self._lock:
            self.operations.clear()
            self.items_written.clear()
            self.round_trips = 0

    @property
    def total(self) -> int:
        return sum(self.operations.values())

    @property
    def writes(self) -> int:
        return sum(self.operations[name] for name in WRITES)

    def _start(self, model: Any, **_: Any) -> None:
        with self._lock:
            if self._in_flight == 0:
                self.round_trips += 1
            self._in_flight += 1
            self.operations[model.name] += 1
        if self.hold:
            time.sleep(HOLD_SECONDS)

    def _end(self, **_: Any) -> None:
        with self._lock:
            self._in_flight -= 1

    def _params(self, params: Mapping[str, Any], model: Any, **_: Any) -> None:
        for table, key in _written(model.name, params):
            with self._lock:
                self.items_written[(table, key[0], key[1])] += 1


def _key(item: Mapping[str, Any]) -> tuple[str, str]:
    return (str(item["pk"].get("S")), str(item["sk"].get("S")))


def _written(operation: str, params: Mapping[str, Any]) -> Iterator[tuple[str, tuple[str, str]]]:
    if operation == "PutItem":
        yield params["TableName"], _key(params["Item"])
    elif operation in ("UpdateItem", "DeleteItem"):
        yield params["TableName"], _key(params["Key"])
    elif operation == "TransactWriteItems":
        for entry in params["TransactItems"]:
            for kind, body in entry.items():
                if kind == "Put":
                    yield body["TableName"], _key(body["Item"])
                elif kind in ("Update", "Delete"):
                    yield body["TableName"], _key(body["Key"])
    elif operation == "BatchWriteItem":
        for table, requests in params["RequestItems"].items():
            for request in requests:
                if "PutRequest" in request:
                    yield table, _key(request["PutRequest"]["Item"])
                else:
                    yield table, _key(request["DeleteRequest"]["Key"])


@dataclass
class Wired:
    """The harness (handlers through the container) on a store whose client is counted."""

    api: Any
    store: Any
    requests: Requests
    tables: Mapping[str, str]


@contextmanager
def wired_on_moto() -> Iterator[Wired]:
    """Fresh moto backends, the deployment's tables, and the handlers wired to them."""
    os.environ.update(FAKE_AWS)
    from moto import mock_aws

    from adapters.deployment.spec import load_spec
    from adapters.dynamodb.client import make_client
    from adapters.dynamodb.store import DynamoStore
    from tests.support.harness import test_settings, wired

    spec = load_spec(stage=STAGE, region=REGION)
    users = spec.environment["USERS_TABLE"]
    markets = spec.environment["MARKETS_TABLE"]
    from adapters import aws_session

    # The functions' clients come from one botocore session per process; one made before
    # moto was imported would not go through moto. This part makes its own, for a while.
    with mock_aws(), patch.object(aws_session, "_session", None):
        import boto3

        # The functions' client knows only the operations they call: tables are made with
        # a full one, as the deployment makes them.
        spec.create_tables(boto3.client("dynamodb", region_name=REGION))
        client = make_client(region=REGION)
        requests = Requests()
        requests.watch(client)
        store = DynamoStore(client, users_table=users, markets_table=markets)
        settings = test_settings(users_table=users, markets_table=markets)
        with wired(store, settings) as api, quiet_logs():
            yield Wired(api, store, requests, {"users": users, "markets": markets})
