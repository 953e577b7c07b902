"""The repository port: reads in one round trip, writes as one atomic transaction.

Every service operation reads what its rules need with one `get` (or one listing), decides,
and then hands the whole change to `commit`. The transaction re-checks what was read:
each `Put` names the version it replaces and each `Check` the fields its rule relied on,
so a change made between the read and the write cancels the write instead of slipping
through. An adapter makes `commit` one DynamoDB transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, TypeVar

from domain.errors import DomainError
from domain.model import (
    Account,
    Ballot,
    Investible,
    Investment,
    Market,
    MarketInfo,
    Presence,
    User,
)

Entity = Market | Investible | MarketInfo | Presence | Investment | Ballot | User | Account
E = TypeVar("E", Market, Investible, MarketInfo, Presence, Investment, Ballot, User, Account)


class Kind(StrEnum):
    """The kinds of stored object."""

    MARKET = "market"
    INVESTIBLE = "investible"
    MARKET_INFO = "market_info"
    PRESENCE = "presence"
    INVESTMENT = "investment"
    BALLOT = "ballot"
    USER = "user"
    ACCOUNT = "account"


@dataclass(frozen=True, slots=True)
class Key:
    """Names one stored object: its kind, the market it lives in ('' for none) and its ids."""

    kind: Kind
    market_id: str
    object_id: str


def market_key(market_id: str) -> Key:
    """The key of a market (its stages live inside it)."""
    return Key(Kind.MARKET, market_id, market_id)


def investible_key(market_id: str, investible_id: str) -> Key:
    """The key of an investible."""
    return Key(Kind.INVESTIBLE, market_id, investible_id)


def market_info_key(market_id: str, investible_id: str) -> Key:
    """The key of an investible's market info, found by the investible's id."""
    return Key(Kind.MARKET_INFO, market_id, investible_id)


def presence_key(market_id: str, user_id: str) -> Key:
    """The key of a member's presence."""
    return Key(Kind.PRESENCE, market_id, user_id)


def investment_key(market_id: str, investible_id: str, user_id: str) -> Key:
    """The key of a member's investment in an investible."""
    return Key(Kind.INVESTMENT, market_id, f"{user_id}/{investible_id}")


def ballot_key(market_id: str, user_id: str) -> Key:
    """The key of a member's ballot in a single-vote market."""
    return Key(Kind.BALLOT, market_id, user_id)


def user_key(user_id: str) -> Key:
    """The key of a user."""
    return Key(Kind.USER, "", user_id)


def account_key(account_id: str) -> Key:
    """The key of an account."""
    return Key(Kind.ACCOUNT, "", account_id)


def key_of(entity: Entity) -> Key:
    """The key an entity is stored under."""
    match entity:
        case Market():
            return market_key(entity.id)
        case Investible():
            return investible_key(entity.market_id, entity.id)
        case MarketInfo():
            return market_info_key(entity.market_id, entity.investible_id)
        case Presence():
            return presence_key(entity.market_id, entity.id)
        case Investment():
            return investment_key(entity.market_id, entity.investible_id, entity.user_id)
        case Ballot():
            return ballot_key(entity.market_id, entity.user_id)
        case User():
            return user_key(entity.id)
        case Account():
            return account_key(entity.id)
    raise TypeError(f"not a stored entity: {type(entity).__name__}")


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What one read returned, by key; absent keys were not found."""

    found: Mapping[Key, Entity] = field(default_factory=dict)

    def get(self, key: Key, kind: type[E]) -> E | None:
        """The object under `key`, checked to be of type `kind`, or None."""
        entity = self.found.get(key)
        if entity is None:
            return None
        if not isinstance(entity, kind):
            raise TypeError(f"{key} holds a {type(entity).__name__}, not a {kind.__name__}")
        return entity


ConflictHandler = Callable[[Entity | None], DomainError]


@dataclass(frozen=True, slots=True)
class Put:
    """Store `entity`, replacing the version `expected_version` (None: it must not exist).

    When the stored object is not that version, the write is cancelled and `on_conflict`
    turns what is stored now (None when absent) into the error to raise.
    """

    entity: Entity
    expected_version: int | None
    on_conflict: ConflictHandler


@dataclass(frozen=True, slots=True)
class Check:
    """Require the object under `key` to exist with these field values at commit time."""

    key: Key
    expected: Mapping[str, str | int | bool]
    on_failure: ConflictHandler


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """The gateway request id a write answers, and the answer, kept to detect duplicates."""

    request_id: str
    result: object


@dataclass(frozen=True, slots=True)
class Transaction:
    """Writes and checks that succeed or fail together."""

    puts: Sequence[Put]
    checks: Sequence[Check] = ()
    request: RequestRecord | None = None


class Repository(Protocol):
    """The store of markets, their objects, users and accounts."""

    def get(self, keys: Iterable[Key], request_id: str | None = None) -> Snapshot:
        """The objects under `keys`, in one round trip.

        With a `request_id` already applied, raises `DuplicateRequest` with its result.
        """
        ...

    def list_investibles(
        self, market_id: str, viewer_id: str
    ) -> tuple[Presence | None, list[tuple[Investible, MarketInfo]]]:
        """Every investible of a market with its market info, and the viewer's presence."""
        ...

    def list_presences(self, market_id: str) -> list[Presence]:
        """Every presence of a market, banned members included."""
        ...

    def list_investments(
        self, market_id: str, viewer_id: str, user_id: str
    ) -> tuple[Presence | None, list[Investment]]:
        """Every investment of a member in a market, deleted ones included."""
        ...

    def commit(self, transaction: Transaction) -> None:
        """Apply every put and check atomically, or raise the error of the first that fails.

        Raises `DuplicateRequest` when the transaction's request id was already applied.
        """
        ...


class ExpiryRepository(Protocol):
    """What the expiry schedule reads: markets, and the stale live investments in each."""

    def market_pages(self) -> Iterable[Sequence[Market]]:
        """Every market, a page at a time."""
        ...

    def live_investments_before(self, market_id: str, before: datetime) -> Iterable[Investment]:
        """Live investments of a market last updated before `before`."""
        ...
