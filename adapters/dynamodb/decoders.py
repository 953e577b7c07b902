"""Plain item attributes (as TypeDeserializer gives them) back into domain objects."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.model import (
    Account,
    Ballot,
    Investible,
    Investment,
    Market,
    MarketInfo,
    MarketStage,
    MarketType,
    Presence,
    Stage,
    User,
)
from ports.repository import Entity


def whole(value: object) -> int:
    """A stored number as an exact int; refuses fractions."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValueError(f"not a number: {value!r}")
    number = int(value)
    if number != value:
        raise ValueError(f"not a whole number: {value}")
    return number


def _stage(plain: Mapping[str, Any], market_id: str) -> Stage:
    return Stage(
        id=plain["id"],
        market_id=market_id,
        name=plain["name"],
        allows_investment=plain["allows_investment"],
        version=whole(plain["version"]),
    )


def _investment(plain: Mapping[str, Any]) -> Investment:
    return Investment(
        market_id=plain["market_id"],
        investible_id=plain["investible_id"],
        user_id=plain["user_id"],
        quantity=whole(plain["quantity"]),
        comment_id=plain.get("comment_id"),
        deleted=plain["deleted"],
        created_at=datetime.fromisoformat(plain["created_at"]),
        updated_at=datetime.fromisoformat(plain["updated_at"]),
        version=whole(plain["version"]),
    )


def _market(p: Mapping[str, Any]) -> Market:
    return Market(
        id=p["id"],
        name=p["name"],
        description=p.get("description"),
        market_type=MarketType(p["market_type"]),
        market_stage=MarketStage(p["market_stage"]),
        account_id=p["account_id"],
        created_by=p["created_by"],
        investment_expiration=whole(p["investment_expiration"]),
        allow_multi_vote=p["allow_multi_vote"],
        invite_capability=p["invite_capability"],
        stages=tuple(_stage(stage, p["id"]) for stage in p["stages"]),
        created_at=datetime.fromisoformat(p["created_at"]),
        updated_at=datetime.fromisoformat(p["updated_at"]),
        version=whole(p["version"]),
    )


def _investible(p: Mapping[str, Any]) -> Investible:
    return Investible(
        id=p["id"],
        market_id=p["market_id"],
        name=p["name"],
        description=p.get("description"),
        created_by=p["created_by"],
        created_at=datetime.fromisoformat(p["created_at"]),
        updated_at=datetime.fromisoformat(p["updated_at"]),
        version=whole(p["version"]),
    )


def _market_info(p: Mapping[str, Any]) -> MarketInfo:
    return MarketInfo(
        id=p["id"],
        market_id=p["market_id"],
        investible_id=p["investible_id"],
        stage=p["stage"],
        stage_name=p["stage_name"],
        open_for_investment=p["open_for_investment"],
        created_at=datetime.fromisoformat(p["created_at"]),
        updated_at=datetime.fromisoformat(p["updated_at"]),
        investment_count=whole(p.get("investment_count", 0)),
        investment_total=whole(p.get("investment_total", 0)),
        version=whole(p["version"]),
    )


def _presence(p: Mapping[str, Any]) -> Presence:
    return Presence(
        id=p["id"],
        market_id=p["market_id"],
        account_id=p["account_id"],
        name=p["name"],
        email=p["email"],
        is_admin=p["is_admin"],
        market_banned=p["market_banned"],
        version=whole(p["version"]),
    )


def _ballot(p: Mapping[str, Any]) -> Ballot:
    held = p.get("investment")
    return Ballot(
        market_id=p["market_id"],
        user_id=p["user_id"],
        investment=None if held is None else _investment(held),
        version=whole(p["version"]),
    )


def _user(p: Mapping[str, Any]) -> User:
    return User(
        id=p["id"],
        account_id=p["account_id"],
        name=p["name"],
        email=p["email"],
        created_at=datetime.fromisoformat(p["created_at"]),
        version=whole(p["version"]),
    )


def _account(p: Mapping[str, Any]) -> Account:
    return Account(
        id=p["id"],
        name=p["name"],
        owner_id=p["owner_id"],
        created_at=datetime.fromisoformat(p["created_at"]),
        version=whole(p["version"]),
    )


DECODERS: dict[str, Callable[[Mapping[str, Any]], Entity]] = {
    "market": _market,
    "investible": _investible,
    "market_info": _market_info,
    "presence": _presence,
    "presence_copy": _presence,
    "investment": _investment,
    "ballot": _ballot,
    "user": _user,
    "account": _account,
}
