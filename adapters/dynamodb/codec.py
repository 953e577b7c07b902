"""Domain objects to DynamoDB items and back.

Items keep the domain's field names as attribute names (a `Check` names fields, and its
condition reads the same attributes). Datetimes are ISO strings with microseconds, enums
their values, numbers go in as DynamoDB numbers and come out as exact ints. A market keeps
its stages inside its item; a ballot keeps a full copy of the investment it holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.dynamodb import keys
from adapters.dynamodb.attributes import deserialize, serialize
from adapters.dynamodb.decoders import DECODERS
from adapters.dynamodb.keys import Item
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
from ports.repository import Entity, key_of

KIND = "kind"
PRESENCE_COPY = "presence_copy"

Plain = dict[str, Any]


def to_attribute(value: object) -> keys.AttributeValue:
    """One plain value as a DynamoDB attribute value."""
    attribute: keys.AttributeValue = serialize(value)
    return attribute


def to_item(plain: Mapping[str, object]) -> Item:
    """Plain attributes as a DynamoDB item."""
    return {name: serialize(value) for name, value in plain.items()}


def from_item(item: Mapping[str, keys.AttributeValue]) -> Plain:
    """A DynamoDB item as plain attributes (numbers are Decimals)."""
    return {name: deserialize(value) for name, value in item.items()}


def plain_investment(investment: Investment) -> Plain:
    """The attributes of an investment (also nested inside a ballot)."""
    return {
        "market_id": investment.market_id,
        "investible_id": investment.investible_id,
        "user_id": investment.user_id,
        "quantity": investment.quantity,
        "comment_id": investment.comment_id,
        "deleted": investment.deleted,
        "created_at": keys.iso(investment.created_at),
        "updated_at": keys.iso(investment.updated_at),
        "version": investment.version,
    }


def plain_market_info(info: MarketInfo) -> Plain:
    """The attributes of a market info the domain owns (the tally is not among them)."""
    return {
        KIND: "market_info",
        "id": info.id,
        "market_id": info.market_id,
        "investible_id": info.investible_id,
        "stage": info.stage,
        "stage_name": info.stage_name,
        "open_for_investment": info.open_for_investment,
        "investment_count": info.investment_count,
        "investment_total": info.investment_total,
        "created_at": keys.iso(info.created_at),
        "updated_at": keys.iso(info.updated_at),
        "version": info.version,
    }


def plain_presence(presence: Presence, kind: str = "presence") -> Plain:
    """The attributes of a presence, or of its copy beside the member's investments."""
    return {
        KIND: kind,
        "id": presence.id,
        "market_id": presence.market_id,
        "account_id": presence.account_id,
        "name": presence.name,
        "email": presence.email,
        "is_admin": presence.is_admin,
        "market_banned": presence.market_banned,
        "version": presence.version,
    }


def plain_entity(entity: Entity) -> Plain:
    """The attributes of an entity, without its key."""
    match entity:
        case Market():
            return {
                KIND: "market",
                "id": entity.id,
                "name": entity.name,
                "description": entity.description,
                "market_type": entity.market_type.value,
                "market_stage": entity.market_stage.value,
                "account_id": entity.account_id,
                "created_by": entity.created_by,
                "investment_expiration": entity.investment_expiration,
                "allow_multi_vote": entity.allow_multi_vote,
                "invite_capability": entity.invite_capability,
                "stages": [
                    {
                        "id": s.id,
                        "name": s.name,
                        "allows_investment": s.allows_investment,
                        "version": s.version,
                    }
                    for s in entity.stages
                ],
                "created_at": keys.iso(entity.created_at),
                "updated_at": keys.iso(entity.updated_at),
                "version": entity.version,
                **keys.market_index(entity.id, entity.created_at),
            }
        case Investible():
            return {
                KIND: "investible",
                "id": entity.id,
                "market_id": entity.market_id,
                "name": entity.name,
                "description": entity.description,
                "created_by": entity.created_by,
                "created_at": keys.iso(entity.created_at),
                "updated_at": keys.iso(entity.updated_at),
                "version": entity.version,
            }
        case MarketInfo():
            return plain_market_info(entity)
        case Presence():
            return plain_presence(entity)
        case Investment():
            plain = {KIND: "investment", **plain_investment(entity)}
            if not entity.deleted:
                plain.update(
                    keys.live_index(
                        entity.market_id, entity.user_id, entity.investible_id, entity.updated_at
                    )
                )
            return plain
        case Ballot():
            held = entity.investment
            return {
                KIND: "ballot",
                "market_id": entity.market_id,
                "user_id": entity.user_id,
                "investment": None if held is None else plain_investment(held),
                "version": entity.version,
            }
        case User():
            return {
                KIND: "user",
                "id": entity.id,
                "account_id": entity.account_id,
                "name": entity.name,
                "email": entity.email,
                "created_at": keys.iso(entity.created_at),
                "version": entity.version,
            }
        case Account():
            return {
                KIND: "account",
                "id": entity.id,
                "name": entity.name,
                "owner_id": entity.owner_id,
                "created_at": keys.iso(entity.created_at),
                "version": entity.version,
            }
    raise TypeError(f"not a stored entity: {type(entity).__name__}")


def encode(entity: Entity) -> Item:
    """The whole item of an entity, key included."""
    return keys.item_key(key_of(entity)).attributes() | to_item(plain_entity(entity))


def decode_plain(plain: Mapping[str, Any], *, copies: bool = True) -> Entity | None:
    """The entity plain attributes describe, or None for items that hold no entity.

    With `copies` false, the copy of a presence kept beside a member's investments is not
    an entity either (the stream reports the presence itself).
    """
    kind = plain.get(KIND)
    if kind == PRESENCE_COPY and not copies:
        return None
    decoder = DECODERS.get(kind) if isinstance(kind, str) else None
    return None if decoder is None else decoder(plain)


def decode(item: Mapping[str, keys.AttributeValue], *, copies: bool = True) -> Entity | None:
    """The entity a DynamoDB item holds, or None for requests, signatures and the like."""
    return decode_plain(from_item(item), copies=copies)
