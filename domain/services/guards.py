"""Rules shared by the services: who may act on a market, and the checks a write carries."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from domain.errors import (
    Banned,
    ConcurrentUpdate,
    DomainError,
    MarketInactive,
    NotAdmin,
    NotAMember,
    NotFound,
    StaleWrite,
)
from domain.model import Market, MarketStage, Presence
from ports.repository import Check, Entity, Snapshot, market_key, presence_key

T = TypeVar("T")

WRITE_ATTEMPTS = 4


def retrying(attempt: Callable[[], T], attempts: int = WRITE_ATTEMPTS) -> T:
    """Run a read-decide-commit `attempt` again while a concurrent change made it stale."""
    for _ in range(attempts - 1):
        try:
            return attempt()
        except StaleWrite:
            continue
    try:
        return attempt()
    except StaleWrite as error:
        raise ConcurrentUpdate("Other changes kept racing this one; try again.") from error


def existing_market(snapshot: Snapshot, market_id: str) -> Market:
    """The market, or NotFound."""
    market = snapshot.get(market_key(market_id), Market)
    if market is None:
        raise NotFound("No such market.")
    return market


def active_market(snapshot: Snapshot, market_id: str) -> Market:
    """The market, which must accept changes."""
    market = existing_market(snapshot, market_id)
    if not market.is_active:
        raise MarketInactive("The market is inactive.")
    return market


def member(snapshot: Snapshot, market_id: str, user_id: str) -> Presence:
    """The caller's presence, which must exist and not be banned."""
    presence = snapshot.get(presence_key(market_id, user_id), Presence)
    return in_good_standing(presence)


def in_good_standing(presence: Presence | None) -> Presence:
    """`presence` itself, refusing a missing or banned member."""
    if presence is None:
        raise NotAMember("You are not a member of this market.")
    if presence.market_banned:
        raise Banned("You are banned from this market.")
    return presence


def admin(snapshot: Snapshot, market_id: str, user_id: str) -> Presence:
    """The caller's presence, which must be an admin's in good standing."""
    presence = member(snapshot, market_id, user_id)
    if not presence.is_admin:
        raise NotAdmin("Only a market admin may do this.")
    return presence


def _presence_failure(current: Entity | None) -> DomainError:
    if not isinstance(current, Presence):
        return NotAMember("You are not a member of this market.")
    if current.market_banned:
        return Banned("You are banned from this market.")
    if not current.is_admin:
        return NotAdmin("Only a market admin may do this.")
    return StaleWrite("The presence changed.")


def _market_failure(current: Entity | None) -> DomainError:
    if current is None:
        return NotFound("No such market.")
    return MarketInactive("The market is inactive.")


def market_is_active(market_id: str) -> Check:
    """A write's check that the market still accepts changes."""
    return Check(market_key(market_id), {"market_stage": MarketStage.ACTIVE.value}, _market_failure)


def member_in_good_standing(market_id: str, user_id: str, *, as_admin: bool = False) -> Check:
    """A write's check that the caller is still a member, not banned (and still an admin)."""
    expected: dict[str, str | int | bool] = {"market_banned": False}
    if as_admin:
        expected["is_admin"] = True
    return Check(presence_key(market_id, user_id), expected, _presence_failure)


def stale(_: Entity | None) -> DomainError:
    """A conflict handler for writes whose only possible conflict is a concurrent change."""
    return StaleWrite("The object changed since it was read.")


def select_versions(
    objects: Sequence[T],
    asked: Mapping[str, int] | None,
    id_of: Callable[[T], str],
    version_of: Callable[[T], int],
) -> list[T]:
    """Fetch by signature: the asked objects whose version is at least the one asked for.

    With no list, every object.
    """
    if not asked:
        return list(objects)
    return [obj for obj in objects if id_of(obj) in asked and version_of(obj) >= asked[id_of(obj)]]
