"""A gateway request applied once is refused after, with its first answer; nothing twice."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.dynamodb import keys
from adapters.dynamodb.store import DynamoStore
from domain.errors import (
    DuplicateRequest,
)
from ports.repository import (
    Put,
    RequestRecord,
    Transaction,
    key_of,
)
from tests.integration.conftest import TableNames
from tests.integration.dynamodb.support import (
    FixedClock,
    Kit,
    Scene,
    refuse,
    scan_all,
    stored_investible,
)

pytestmark = pytest.mark.aws


@pytest.fixture
def scene(kit: Kit) -> Scene:
    return kit.scene()


def test_a_request_applied_once_is_refused_with_its_first_answer(
    store: DynamoStore,
    scene: Scene,
    clock: FixedClock,
    dynamodb_client: Any,
    table_names: TableNames,
) -> None:
    investible = stored_investible(store, scene)
    first = investible.changed(clock.now(), name="Once")
    answer = {"investible": {"name": "Once"}, "n": [1, 2]}
    store.commit(
        Transaction(puts=[Put(first, 1, refuse("p"))], request=RequestRecord("r-1", answer))
    )
    items = scan_all(dynamodb_client, table_names.markets)

    with pytest.raises(DuplicateRequest) as in_commit:
        again = first.changed(clock.now(), name="Twice")
        store.commit(
            Transaction(puts=[Put(again, 2, refuse("p"))], request=RequestRecord("r-1", {}))
        )
    with pytest.raises(DuplicateRequest) as in_get:
        store.get([key_of(first)], request_id="r-1")

    assert in_commit.value.result == answer
    assert in_get.value.result == answer
    assert scan_all(dynamodb_client, table_names.markets) == items
    assert stored_investible(store, scene) == first


def test_the_request_record_expires_a_day_later(
    store: DynamoStore,
    scene: Scene,
    clock: FixedClock,
    dynamodb_client: Any,
    table_names: TableNames,
) -> None:
    investible = stored_investible(store, scene)
    store.commit(
        Transaction(
            puts=[Put(investible.changed(clock.now(), name="x"), 1, refuse("p"))],
            request=RequestRecord("r-ttl", None),
        )
    )

    stored = dynamodb_client.get_item(
        TableName=table_names.markets, Key=keys.request_key("r-ttl").attributes()
    )["Item"]
    assert int(stored["expires_at"]["N"]) == int(clock.now().timestamp()) + 24 * 3600


def test_a_duplicate_request_to_a_service_writes_nothing_twice(
    kit: Kit, scene: Scene, dynamodb_client: Any, table_names: TableNames
) -> None:
    stake_request = kit.request_id()
    from domain.services.investments import Stake

    first = kit.services.investments.invest(
        scene.member, scene.market_id, Stake(scene.investible, 5), stake_request
    )
    items = scan_all(dynamodb_client, table_names.markets)

    with pytest.raises(DuplicateRequest) as raised:
        kit.services.investments.invest(
            scene.member, scene.market_id, Stake(scene.investible, 5), stake_request
        )

    assert raised.value.result["quantity"] == first.quantity  # type: ignore[index]
    assert scan_all(dynamodb_client, table_names.markets) == items
