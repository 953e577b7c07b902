"""The calls every HTTP test needs: signing in, creating a market, joining, an investible."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from tests.integration.gateway.running import Client


def unique_email(who: str) -> str:
    return f"{who}-{uuid.uuid4().hex[:8]}@example.com"


def id_token(client: Client, email: str, name: str | None = None) -> str:
    """An ID token of the gateway's development identity provider."""
    path = f"/_local/id-token?email={quote(email)}" + (f"&name={quote(name)}" if name else "")
    reply = client.request("GET", path)
    assert reply.status == 200, reply.json
    token: str = reply.json["id_token"]
    return token


def sign_in(client: Client, email: str) -> dict[str, Any]:
    """POST /sso/cognito with a fresh ID token: `{uclusion_token, account, user}`."""
    reply = client.request("POST", "/sso/cognito", {"id_token": id_token(client, email)})
    assert reply.status == 200, reply.json
    answer: dict[str, Any] = reply.json
    return answer


def create_market(client: Client, account_token: str, **fields: Any) -> dict[str, Any]:
    """POST /create: `{market, stages, presence, token}`."""
    body = {"market_type": "DECISION", "name": "Where to eat", **fields}
    reply = client.request("POST", "/create", body, token=account_token)
    assert reply.status == 201, reply.json
    answer: dict[str, Any] = reply.json
    return answer


def new_market(client: Client, who: str = "admin", **fields: Any) -> dict[str, Any]:
    """A fresh user's fresh market."""
    account = sign_in(client, unique_email(who))
    return create_market(client, account["uclusion_token"], **fields)


def join(client: Client, email: str, invite: str) -> dict[str, Any]:
    """POST /sso/cognito with the invite: `{uclusion_token, market_id, market, user, stages}`."""
    body = {"id_token": id_token(client, email), "market_token": invite}
    reply = client.request("POST", "/sso/cognito", body)
    assert reply.status == 200, reply.json
    answer: dict[str, Any] = reply.json
    return answer


def create_investible(client: Client, market_token: str, name: str = "Tacos") -> dict[str, Any]:
    """POST /investibles/create: `{investible, market_infos}`."""
    reply = client.request("POST", "/investibles/create", {"name": name}, token=market_token)
    assert reply.status == 201, reply.json
    answer: dict[str, Any] = reply.json
    return answer
