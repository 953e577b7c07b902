"""The key design of the users and markets tables; README.md beside this module explains it.

Every id is escaped before it goes into a key, so that the key of one object can never be
forged from the id of another (an investible id ending in `#INFO`, say) and so that a key
prefix such as `PRESENCE#<user>` never also matches a longer id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from ports.repository import Key, Kind

AttributeValue = dict[str, Any]
Item = dict[str, AttributeValue]

PK = "pk"
SK = "sk"
GSI = "gsi1"
GSI_PK = "gsi1pk"
GSI_SK = "gsi1sk"
TTL = "expires_at"

MARKET_SK = "#MARKET"  # `#` sorts before letters: the market stays out of the investible range
INVESTIBLE = "INVESTIBLE#"
INFO_SUFFIX = "#INFO"
PRESENCE = "PRESENCE#"
MEMBER = "USER#"
INVESTMENT = "INVESTMENT#"
MEMBER_PRESENCE = "PRESENCE"
BALLOT = "BALLOT"
SIGNATURES = "SIGNATURE"
MARKETS_INDEX = "MARKETS"
LIVE = "LIVE#"


class Table(Enum):
    """The two tables: users (people, accounts, memberships) and markets (everything else)."""

    USERS = "users"
    MARKETS = "markets"


@dataclass(frozen=True, slots=True)
class ItemKey:
    """Where one item lives: its table and its primary key."""

    table: Table
    pk: str
    sk: str

    def attributes(self) -> Item:
        """The key as DynamoDB attribute values."""
        return {PK: {"S": self.pk}, SK: {"S": self.sk}}


def escape(value: str) -> str:
    """`value` with `%` and every character up to `#` percent-encoded.

    The result holds no character at or below `#`, so `#` separates key parts unambiguously
    and `<prefix>#<id>#` is a prefix of no other id's keys.
    """
    if all(char > "#" and char != "%" for char in value):
        return value
    return "".join(f"%{ord(c):02X}" if c <= "#" or c == "%" else c for c in value)


def market_pk(market_id: str) -> str:
    """The partition of one market's objects."""
    return f"M#{escape(market_id)}"


def member_prefix(user_id: str) -> str:
    """The sort key prefix of a member's own items in a market partition."""
    return f"{MEMBER}{escape(user_id)}#"


def item_key(key: Key) -> ItemKey:
    """The item a domain key names."""
    ident = escape(key.object_id)
    if key.kind is Kind.USER:
        return ItemKey(Table.USERS, f"USER#{ident}", "USER")
    if key.kind is Kind.ACCOUNT:
        return ItemKey(Table.USERS, f"ACCOUNT#{ident}", "ACCOUNT")
    pk = market_pk(key.market_id)
    match key.kind:
        case Kind.MARKET:
            return ItemKey(Table.MARKETS, pk, MARKET_SK)
        case Kind.INVESTIBLE:
            return ItemKey(Table.MARKETS, pk, f"{INVESTIBLE}{ident}")
        case Kind.MARKET_INFO:
            return ItemKey(Table.MARKETS, pk, f"{INVESTIBLE}{ident}{INFO_SUFFIX}")
        case Kind.PRESENCE:
            return ItemKey(Table.MARKETS, pk, f"{PRESENCE}{ident}")
        case Kind.BALLOT:
            return ItemKey(Table.MARKETS, pk, member_prefix(key.object_id) + BALLOT)
        case Kind.INVESTMENT:
            user_id, _, investible_id = key.object_id.partition("/")
            sk = f"{member_prefix(user_id)}{INVESTMENT}{escape(investible_id)}"
            return ItemKey(Table.MARKETS, pk, sk)
    raise ValueError(f"no item for key kind {key.kind}")


def member_presence_key(market_id: str, user_id: str) -> ItemKey:
    """The copy of a presence kept beside the member's investments."""
    return ItemKey(Table.MARKETS, market_pk(market_id), member_prefix(user_id) + MEMBER_PRESENCE)


def request_key(request_id: str) -> ItemKey:
    """The record of an applied gateway request, in a partition of its own."""
    return ItemKey(Table.MARKETS, f"REQUEST#{escape(request_id)}", "REQUEST")


def signatures_head_key(market_id: str) -> ItemKey:
    """The item holding the version of a market's signatures."""
    return ItemKey(Table.MARKETS, market_pk(market_id), SIGNATURES)


def signatures_shard_key(market_id: str, shard: int) -> ItemKey:
    """One shard of a market's signature entries."""
    return ItemKey(Table.MARKETS, market_pk(market_id), f"{SIGNATURES}#{shard:02d}")


def membership_key(user_id: str, market_id: str) -> ItemKey:
    """A line of a user's market summary."""
    return ItemKey(Table.USERS, f"USER#{escape(user_id)}", f"MARKET#{escape(market_id)}")


def iso(at: datetime) -> str:
    """A UTC timestamp with microseconds, fixed width, so strings sort as instants do."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def market_index(market_id: str, created_at: datetime) -> dict[str, str]:
    """The index attributes that list every market for the expiry schedule."""
    return {GSI_PK: MARKETS_INDEX, GSI_SK: f"{iso(created_at)}#{escape(market_id)}"}


def live_index(
    market_id: str, user_id: str, investible_id: str, updated_at: datetime
) -> dict[str, str]:
    """The index attributes of a live investment, ordered by its last change."""
    sk = f"{iso(updated_at)}#{escape(user_id)}#{escape(investible_id)}"
    return {GSI_PK: f"{LIVE}{escape(market_id)}", GSI_SK: sk}


def live_partition(market_id: str) -> str:
    """The index partition of a market's live investments."""
    return f"{LIVE}{escape(market_id)}"
