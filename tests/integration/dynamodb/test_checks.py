"""A failed check or version cancels the whole write and raises the error its rule names."""

from __future__ import annotations

import pytest

from adapters.dynamodb.store import DynamoStore
from domain.errors import (
    Banned,
    MarketInactive,
    NotAMember,
    NotFound,
    VersionConflict,
)
from domain.services.guards import market_is_active, member_in_good_standing
from ports.repository import (
    Put,
    Transaction,
)
from tests.integration.dynamodb.support import (
    FixedClock,
    Kit,
    Scene,
    refuse,
    stored_investible,
)

pytestmark = pytest.mark.aws


@pytest.fixture
def scene(kit: Kit) -> Scene:
    return kit.scene()


def test_an_inactive_market_fails_the_market_check(
    store: DynamoStore, kit: Kit, scene: Scene, clock: FixedClock
) -> None:
    kit.services.markets.update(
        scene.admin, scene.market_id, {"market_stage": "Inactive"}, kit.request_id()
    )
    investible = stored_investible(store, scene)

    with pytest.raises(MarketInactive):
        store.commit(
            Transaction(
                puts=[
                    Put(investible.changed(clock.now(), name="x"), investible.version, refuse("p"))
                ],
                checks=[market_is_active(scene.market_id)],
            )
        )

    assert stored_investible(store, scene) == investible


def test_a_missing_market_fails_the_market_check_as_not_found(
    store: DynamoStore, scene: Scene, clock: FixedClock
) -> None:
    investible = stored_investible(store, scene)

    with pytest.raises(NotFound):
        store.commit(
            Transaction(
                puts=[
                    Put(investible.changed(clock.now(), name="x"), investible.version, refuse("p"))
                ],
                checks=[market_is_active("no-such-market")],
            )
        )


def test_a_banned_member_fails_the_standing_check(
    store: DynamoStore, kit: Kit, scene: Scene, clock: FixedClock
) -> None:
    kit.services.users.ban(scene.admin, scene.market_id, scene.member, True, kit.request_id())
    investible = stored_investible(store, scene)

    with pytest.raises(Banned):
        store.commit(
            Transaction(
                puts=[
                    Put(investible.changed(clock.now(), name="x"), investible.version, refuse("p"))
                ],
                checks=[member_in_good_standing(scene.market_id, scene.member)],
            )
        )


def test_a_stranger_fails_the_standing_check(
    store: DynamoStore, scene: Scene, clock: FixedClock
) -> None:
    investible = stored_investible(store, scene)

    with pytest.raises(NotAMember):
        store.commit(
            Transaction(
                puts=[
                    Put(investible.changed(clock.now(), name="x"), investible.version, refuse("p"))
                ],
                checks=[member_in_good_standing(scene.market_id, "stranger")],
            )
        )


def test_the_first_failure_in_request_check_put_order_is_raised(
    store: DynamoStore, kit: Kit, scene: Scene
) -> None:
    kit.services.users.ban(scene.admin, scene.market_id, scene.member, True, kit.request_id())
    investible = stored_investible(store, scene)

    with pytest.raises(Banned):
        store.commit(
            Transaction(
                puts=[Put(investible, None, refuse("exists too"))],
                checks=[member_in_good_standing(scene.market_id, scene.member)],
            )
        )


def test_a_version_conflict_names_the_stored_version(kit: Kit, scene: Scene) -> None:
    markets = kit.services.markets
    markets.update(scene.admin, scene.market_id, {"name": "One"}, kit.request_id())

    with pytest.raises(VersionConflict) as raised:
        markets.update(
            scene.admin, scene.market_id, {"name": "Two"}, kit.request_id(), expected_version=1
        )

    assert raised.value.current_version == 2
