"""The objects of the market domain: markets and their stages, investibles, investments."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Self

MIN_QUANTITY = 1
MAX_QUANTITY = 100
DEFAULT_INVESTMENT_EXPIRATION_DAYS = 14
MIN_INVESTMENT_EXPIRATION_DAYS = 1
MAX_INVESTMENT_EXPIRATION_DAYS = 3650


class MarketType(StrEnum):
    """What a market is for; it decides its default stages and whether votes may be negative."""

    PLANNING = "PLANNING"
    DECISION = "DECISION"
    INITIATIVE = "INITIATIVE"


class MarketStage(StrEnum):
    """Whether a market accepts changes."""

    ACTIVE = "Active"
    INACTIVE = "Inactive"


@dataclass(frozen=True, slots=True)
class Stage:
    """A column an investible sits in; only some stages accept investment. Immutable."""

    id: str
    market_id: str
    name: str
    allows_investment: bool
    version: int = 1


@dataclass(frozen=True, slots=True)
class Market:
    """A place where a team weighs investibles; it owns its stages."""

    id: str
    name: str
    description: str | None
    market_type: MarketType
    market_stage: MarketStage
    account_id: str
    created_by: str
    investment_expiration: int
    allow_multi_vote: bool
    invite_capability: str
    stages: tuple[Stage, ...]
    created_at: datetime
    updated_at: datetime
    version: int = 1

    @property
    def is_active(self) -> bool:
        """Whether the market accepts investments and edits."""
        return self.market_stage is MarketStage.ACTIVE

    @property
    def single_vote(self) -> bool:
        """Whether a member holds at most one live investment in this market."""
        return self.market_type is MarketType.DECISION and not self.allow_multi_vote

    def stage(self, stage_id: str) -> Stage | None:
        """The market's stage with that id, if any."""
        return next((stage for stage in self.stages if stage.id == stage_id), None)

    def changed(self, at: datetime, **fields: object) -> Market:
        """A copy with `fields` changed, the next version, and `updated_at` set."""
        return replace(self, **fields, version=self.version + 1, updated_at=at)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Investible:
    """An idea, option or story that members can invest in."""

    id: str
    market_id: str
    name: str
    description: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int = 1

    def changed(self, at: datetime, **fields: object) -> Investible:
        """A copy with `fields` changed, the next version, and `updated_at` set."""
        return replace(self, **fields, version=self.version + 1, updated_at=at)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class MarketInfo:
    """Where an investible stands in its market: stage, openness and the live totals.

    `investment_count` and `investment_total` are kept by the stream consumer, so they trail
    writes by a moment.
    """

    id: str
    market_id: str
    investible_id: str
    stage: str
    stage_name: str
    open_for_investment: bool
    created_at: datetime
    updated_at: datetime
    investment_count: int = 0
    investment_total: int = 0
    version: int = 1

    def changed(self, at: datetime, **fields: object) -> MarketInfo:
        """A copy with `fields` changed, the next version, and `updated_at` set."""
        return replace(self, **fields, version=self.version + 1, updated_at=at)  # type: ignore[arg-type]


def type_object_id(investible_id: str) -> str:
    """The id clients use to name the investments in one investible."""
    return f"investible_{investible_id}"


@dataclass(frozen=True, slots=True)
class Investment:
    """A member's stake in an investible; removal and expiry only mark it deleted."""

    market_id: str
    investible_id: str
    user_id: str
    quantity: int
    comment_id: str | None
    deleted: bool
    created_at: datetime
    updated_at: datetime
    version: int = 1

    @property
    def type_object_id(self) -> str:
        """The id of the investible this investment is in, as clients name it."""
        return type_object_id(self.investible_id)

    @property
    def live_quantity(self) -> int:
        """The quantity that counts: zero once deleted."""
        return 0 if self.deleted else self.quantity

    def removed(self, at: datetime) -> Investment:
        """This investment soft-deleted at `at`."""
        return replace(self, deleted=True, quantity=0, version=self.version + 1, updated_at=at)


@dataclass(frozen=True, slots=True)
class Ballot:
    """The one live investment of a member in a single-vote market, kept beside it.

    Holding a copy lets a vote move from one investible to another in one read and one
    atomic write, without searching the member's investments.
    """

    market_id: str
    user_id: str
    investment: Investment | None
    version: int = 1


@dataclass(frozen=True, slots=True)
class Presence:
    """A user's membership of a market."""

    id: str
    market_id: str
    account_id: str
    name: str
    email: str
    is_admin: bool
    market_banned: bool = False
    version: int = 1

    @property
    def user_id(self) -> str:
        """The member's user id (the presence's own id)."""
        return self.id

    def changed(self, **fields: object) -> Presence:
        """A copy with `fields` changed and the next version."""
        return replace(self, **fields, version=self.version + 1)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class User:
    """A person known to the service, created at first sign-in."""

    id: str
    account_id: str
    name: str
    email: str
    created_at: datetime
    version: int = 1


@dataclass(frozen=True, slots=True)
class Account:
    """What owns markets; every user gets a personal one at first sign-in."""

    id: str
    name: str
    owner_id: str
    created_at: datetime
    version: int = 1


@dataclass(frozen=True, slots=True)
class Membership:
    """A line of a user's market summary: which markets, and whether active or banned."""

    user_id: str
    market_id: str
    active: bool
    banned: bool
    version: int = 1


@dataclass(frozen=True, slots=True)
class ObjectVersion:
    """One entry of a signature: an object's ids and the version last seen of it."""

    object_id_one: str
    version: int
    object_id_two: str | None = None


@dataclass(slots=True)
class Signatures:
    """The versions of every object of one market, by signature type, kept by the consumer."""

    market_id: str
    entries: dict[str, dict[str, ObjectVersion]] = field(default_factory=dict)
    version: int = 0

    def record(self, kind: str, entry: ObjectVersion) -> bool:
        """Keep `entry` unless a newer version is already known; tells whether it changed."""
        key = (
            entry.object_id_one
            if entry.object_id_two is None
            else (f"{entry.object_id_one}/{entry.object_id_two}")
        )
        of_kind = self.entries.setdefault(kind, {})
        known = of_kind.get(key)
        if known is not None and known.version >= entry.version:
            return False
        of_kind[key] = entry
        return True

    def copy(self) -> Self:
        """A deep enough copy to change without touching this one."""
        return type(self)(
            self.market_id, {kind: dict(of) for kind, of in self.entries.items()}, self.version
        )


@dataclass(slots=True)
class Tally:
    """The stream consumer's ledger of the live investments in one investible.

    It keeps, per member, the last investment version applied and its live quantity, so a
    record delivered twice or out of a retried batch changes nothing the second time.
    """

    market_id: str
    investible_id: str
    holdings: dict[str, tuple[int, int]] = field(default_factory=dict)

    def apply(self, investment: Investment) -> bool:
        """Count `investment` unless a same or newer version was counted; tells if it changed."""
        known = self.holdings.get(investment.user_id)
        if known is not None and known[0] >= investment.version:
            return False
        self.holdings[investment.user_id] = (investment.version, investment.live_quantity)
        return True

    @property
    def count(self) -> int:
        """How many members hold a live investment."""
        return sum(1 for _, quantity in self.holdings.values() if quantity != 0)

    @property
    def total(self) -> int:
        """The sum of the live quantities."""
        return sum(quantity for _, quantity in self.holdings.values())
