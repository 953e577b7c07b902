"""The objects as clients see them: plain dicts in the shapes of the HTTP contract."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.model import (
    Account,
    Investible,
    Investment,
    Market,
    MarketInfo,
    Membership,
    Presence,
    Signatures,
    Stage,
    User,
)

View = dict[str, object]


def timestamp(at: datetime) -> str:
    """An ISO 8601 UTC string with milliseconds and a Z, the one format the API uses."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def market_view(market: Market) -> View:
    """A market."""
    return {
        "id": market.id,
        "name": market.name,
        "description": market.description,
        "market_type": market.market_type.value,
        "market_stage": market.market_stage.value,
        "account_id": market.account_id,
        "created_by": market.created_by,
        "investment_expiration": market.investment_expiration,
        "allow_multi_vote": market.allow_multi_vote,
        "invite_capability": market.invite_capability,
        "version": market.version,
        "created_at": timestamp(market.created_at),
        "updated_at": timestamp(market.updated_at),
    }


def stage_view(stage: Stage) -> View:
    """A stage."""
    return {
        "id": stage.id,
        "market_id": stage.market_id,
        "name": stage.name,
        "allows_investment": stage.allows_investment,
        "version": stage.version,
    }


def investible_view(investible: Investible, info: MarketInfo) -> View:
    """An investible with its market infos, the only way the API returns one."""
    return {
        "investible": {
            "id": investible.id,
            "name": investible.name,
            "description": investible.description,
            "created_by": investible.created_by,
            "version": investible.version,
            "created_at": timestamp(investible.created_at),
            "updated_at": timestamp(investible.updated_at),
        },
        "market_infos": [market_info_view(info)],
    }


def market_info_view(info: MarketInfo) -> View:
    """A market info."""
    return {
        "id": info.id,
        "market_id": info.market_id,
        "investible_id": info.investible_id,
        "stage": info.stage,
        "stage_name": info.stage_name,
        "open_for_investment": info.open_for_investment,
        "investment_count": info.investment_count,
        "investment_total": info.investment_total,
        "version": info.version,
        "created_at": timestamp(info.created_at),
        "updated_at": timestamp(info.updated_at),
    }


def investment_view(investment: Investment) -> View:
    """An investment."""
    return {
        "market_id": investment.market_id,
        "investible_id": investment.investible_id,
        "user_id": investment.user_id,
        "type_object_id": investment.type_object_id,
        "quantity": investment.quantity,
        "comment_id": investment.comment_id,
        "deleted": investment.deleted,
        "version": investment.version,
        "created_at": timestamp(investment.created_at),
        "updated_at": timestamp(investment.updated_at),
    }


def presence_view(presence: Presence) -> View:
    """A presence."""
    return {
        "id": presence.id,
        "market_id": presence.market_id,
        "account_id": presence.account_id,
        "name": presence.name,
        "email": presence.email,
        "is_admin": presence.is_admin,
        "market_banned": presence.market_banned,
        "version": presence.version,
    }


def user_view(user: User) -> View:
    """A user."""
    return {
        "id": user.id,
        "account_id": user.account_id,
        "name": user.name,
        "email": user.email,
        "version": user.version,
        "created_at": timestamp(user.created_at),
    }


def account_view(account: Account) -> View:
    """An account."""
    return {
        "id": account.id,
        "name": account.name,
        "owner_id": account.owner_id,
        "version": account.version,
        "created_at": timestamp(account.created_at),
    }


def membership_view(membership: Membership) -> View:
    """A line of `/summaries/versioned`."""
    return {
        "id": membership.market_id,
        "active": membership.active,
        "banned": membership.banned,
    }


def signatures_view(signatures: Signatures) -> View:
    """The signatures of one market, as `/summaries/versions` lists them."""
    return {
        "market_id": signatures.market_id,
        "signatures": [
            {
                "type": kind,
                "object_versions": [
                    {"object_id_one": entry.object_id_one, "version": entry.version}
                    | (
                        {}
                        if entry.object_id_two is None
                        else {"object_id_two": entry.object_id_two}
                    )
                    for entry in entries.values()
                ],
            }
            for kind, entries in sorted(signatures.entries.items())
        ],
    }
