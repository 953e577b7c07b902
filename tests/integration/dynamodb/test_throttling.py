"""Throttling: bounded retries with jittered backoff, then a 503; never a partial write."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from adapters.dynamodb.client import make_client
from adapters.dynamodb.retries import RetryPolicy, is_transient
from adapters.dynamodb.store import DynamoStore
from domain.errors import TemporarilyUnavailable
from domain.events import Change
from domain.model import Investment
from ports.repository import investment_key, market_info_key
from tests.integration.conftest import RequestCounter, TableNames
from tests.integration.dynamodb.support import Kit, Scene, Throttle, scan_all

pytestmark = pytest.mark.aws


@pytest.fixture
def scene(kit: Kit) -> Scene:
    return kit.scene()


@pytest.mark.parametrize(
    "code",
    ["ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded"],
)
def test_a_write_throttled_twice_succeeds_on_the_third_attempt(
    kit: Kit,
    scene: Scene,
    store: DynamoStore,
    dynamodb_client: Any,
    waits: list[float],
    request_counter: RequestCounter,
    code: str,
) -> None:
    throttle = Throttle(dynamodb_client, {"TransactWriteItems"}, failures=2, code=code)

    with request_counter.counting() as calls:
        invested = kit.invest(scene.member, scene.market_id, scene.investible, 6)

    key = investment_key(scene.market_id, scene.investible, scene.member)
    assert store.get([key]).get(key, Investment) == invested
    assert throttle.thrown == 2
    assert calls == {"BatchGetItem": 1, "TransactWriteItems": 3}
    assert len(waits) == 2


def test_a_write_throttled_every_time_is_temporarily_unavailable_and_writes_nothing(
    kit: Kit,
    scene: Scene,
    dynamodb_client: Any,
    table_names: TableNames,
    waits: list[float],
) -> None:
    before = scan_all(dynamodb_client, table_names.markets)
    Throttle(dynamodb_client, {"TransactWriteItems"})

    with pytest.raises(TemporarilyUnavailable) as raised:
        kit.invest(scene.member, scene.market_id, scene.investible, 6)

    assert raised.value.retry_after == 1
    assert scan_all(dynamodb_client, table_names.markets) == before
    assert len(waits) == RetryPolicy().attempts - 1


def test_a_read_throttled_every_time_is_temporarily_unavailable(
    kit: Kit, scene: Scene, dynamodb_client: Any, request_counter: RequestCounter
) -> None:
    Throttle(dynamodb_client, {"BatchGetItem", "Query"})

    with request_counter.counting() as calls, pytest.raises(TemporarilyUnavailable):
        kit.services.markets.get(scene.member, scene.market_id)
    with pytest.raises(TemporarilyUnavailable):
        kit.services.investibles.fetch(scene.member, scene.market_id)

    assert calls["BatchGetItem"] == RetryPolicy().attempts


def test_a_transaction_cancelled_by_contention_alone_is_tried_again(
    kit: Kit, scene: Scene, store: DynamoStore, dynamodb_client: Any
) -> None:
    cancelled = _CancelOnce(dynamodb_client, reasons=["None", "TransactionConflict", "None"])

    invested = kit.invest(scene.member, scene.market_id, scene.investible, 4)

    key = investment_key(scene.market_id, scene.investible, scene.member)
    assert store.get([key]).get(key, Investment) == invested
    assert cancelled.times == 1


def test_backoff_grows_exponentially_with_full_jitter_and_a_ceiling() -> None:
    policy = RetryPolicy(base_delay=0.05, max_delay=0.3, jitter=lambda: 1.0)
    halved = RetryPolicy(base_delay=0.05, jitter=lambda: 0.5)

    assert [policy.delay(n) for n in (1, 2, 3, 4, 5)] == [0.05, 0.1, 0.2, 0.3, 0.3]
    assert halved.delay(2) == pytest.approx(0.05)


def test_only_throttling_network_and_contention_count_as_transient() -> None:
    def error(code: str, reasons: list[str] | None = None) -> ClientError:
        response: dict[str, Any] = {"Error": {"Code": code, "Message": "m"}}
        if reasons is not None:
            response["CancellationReasons"] = [{"Code": r} for r in reasons]
        return ClientError(response, "TransactWriteItems")  # type: ignore[arg-type]

    assert is_transient(error("ThrottlingException"))
    assert is_transient(error("TransactionCanceledException", ["None", "ThrottlingError"]))
    assert not is_transient(
        error("TransactionCanceledException", ["ConditionalCheckFailed", "TransactionConflict"])
    )
    assert not is_transient(error("ConditionalCheckFailedException"))
    assert not is_transient(error("ValidationException"))


def test_the_production_client_leaves_retries_to_the_store(aws_environment: None) -> None:
    client = make_client(region="us-east-1")

    config = client.meta.config
    assert config.retries["total_max_attempts"] == 1
    assert (config.connect_timeout, config.read_timeout) == (1.0, 3.0)


def test_a_consumer_write_throttled_every_time_reports_failure_without_writing(
    kit: Kit, scene: Scene, store: DynamoStore, dynamodb_client: Any
) -> None:
    invested = kit.invest(scene.member, scene.market_id, scene.investible, 2)
    Throttle(dynamodb_client, {"UpdateItem", "TransactWriteItems", "PutItem"})

    result = kit.services.summaries.apply([Change("seq-1", None, invested)])

    assert result.failed == ("seq-1",)
    key = market_info_key(scene.market_id, scene.investible)
    info, tally = store.load_tallies([key])[key]
    assert (info.investment_count, info.investment_total, tally.holdings) == (0, 0, {})
    assert store.load_signatures([scene.market_id])[scene.market_id].version == 0


class _CancelOnce:
    """Cancels the next TransactWriteItems with the given reasons, as contention would."""

    def __init__(self, client: Any, reasons: list[str]) -> None:
        self.reasons = reasons
        self.times = 0
        client.meta.events.register("before-call.dynamodb.TransactWriteItems", self._call)

    def _call(self, **_: Any) -> Any:
        if self.times:
            return None
        self.times += 1
        raise ClientError(
            {
                "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
                "CancellationReasons": [{"Code": code} for code in self.reasons],
            },  # type: ignore[typeddict-item]
            "TransactWriteItems",
        )
