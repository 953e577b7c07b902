"""Part 3: DynamoDB requests and round trips of every route, counted on moto.

Each route is called through its real handler (and the authorizer through its own), with
the store's botocore client watched by `before-call`/`after-call` hooks. Requests are
counted by operation; round trips are the number of times the count of requests in flight
rises from zero (requests sent together, in parallel, make one round trip).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.mocked import Wired, wired_on_moto

BUDGET = {"authorizer": 0, "read": 1, "write": 2, "write, no stored state": 1}


@dataclass(frozen=True)
class Count:
    """One route's figures."""

    route: str
    kind: str
    requests: dict[str, int]
    round_trips: int
    status: int

    @property
    def budget(self) -> int:
        return BUDGET[self.kind]

    @property
    def ok(self) -> bool:
        return self.round_trips <= self.budget and 200 <= self.status < 300


def _counted(w: Wired, route: str, kind: str, call: Callable[[], Any]) -> Count:
    w.requests.reset()
    w.requests.hold = True
    try:
        answer = call()
    finally:
        w.requests.hold = False
    status = getattr(answer, "status", 200)
    return Count(route, kind, dict(w.requests.operations), w.requests.round_trips, status)


def measure() -> list[Count]:
    """Every route of the API once, in a scene made beforehand (not counted)."""
    with wired_on_moto() as w:
        api = w.api
        created = api.create_market("admin@bench.example")
        admin = created["token"]
        admin_id = created["presence"]["id"]
        joined = api.join("member@bench.example", created["market"]["invite_capability"])
        member = joined["uclusion_token"]
        member_id = api.authorize(member)["principalId"]
        first = api.create_investible(admin, "Tacos")["investible"]["id"]
        second = api.create_investible(admin, "Pizza")["investible"]["id"]
        api.call(
            "update_investment",
            "POST",
            "/invest",
            token=member,
            body={"investible_id": first, "quantity": 5},
        )
        stages = api.call(
            "list_market", "POST", "/list", token=admin, body={"list_type": "stages"}
        ).body
        account = api.sign_in("admin@bench.example")["uclusion_token"]
        market_id = created["market"]["id"]
        summary = {"headers": {"Authorization": account}}

        def call(module: str, method: str, path: str, **options: Any) -> Callable[[], Any]:
            return lambda: api.call(module, method, path, **options)

        routes: list[tuple[str, str, Callable[[], Any]]] = [
            ("authorizer", "authorizer", lambda: api.authorize(member)),
            ("GET /get", "read", call("get_market", "GET", "/get", token=member)),
            (
                "POST /list stages",
                "read",
                call("list_market", "POST", "/list", token=member, body={"list_type": "stages"}),
            ),
            (
                "POST /list users",
                "read",
                call("list_market", "POST", "/list", token=member, body={"list_type": "users"}),
            ),
            (
                "POST /investibles",
                "read",
                call("list_investibles", "POST", "/investibles", token=member, body={}),
            ),
            (
                "POST /investments (own)",
                "read",
                call("list_investments", "POST", "/investments", token=member, body={}),
            ),
            (
                "POST /investments (another member's)",
                "read",
                call(
                    "list_investments",
                    "POST",
                    "/investments",
                    token=member,
                    body={"user_id": admin_id},
                ),
            ),
            (
                "GET /investibles/{id}",
                "read",
                call(
                    "get_investible",
                    "GET",
                    "/investibles/{investible_id}",
                    token=member,
                    path_parameters={"investible_id": first},
                ),
            ),
            ("GET /users/get", "read", call("get_user", "GET", "/users/get", token=member)),
            (
                "GET /summaries/versioned",
                "read",
                call("get_versioned", "GET", "/summaries/versioned", authorize=False, **summary),
            ),
            (
                "GET /summaries/versions",
                "read",
                call(
                    "get_versions",
                    "GET",
                    "/summaries/versions",
                    authorize=False,
                    query={"id": [market_id]},
                    **summary,
                ),
            ),
            (
                "POST /sso/cognito (market_id)",
                "read",
                call(
                    "cognito_login",
                    "POST",
                    "/sso/cognito",
                    body={"id_token": api.id_token("member@bench.example"), "market_id": market_id},
                ),
            ),
            (
                "POST /sso/cognito (returning user)",
                "write, no stored state",
                call(
                    "cognito_login",
                    "POST",
                    "/sso/cognito",
                    body={"id_token": api.id_token("member@bench.example")},
                ),
            ),
            (
                "POST /create",
                "write",
                call(
                    "create_market",
                    "POST",
                    "/create",
                    token=account,
                    body={"market_type": "PLANNING", "name": "Roadmap"},
                ),
            ),
            (
                "PATCH /update",
                "write",
                call("update_market", "PATCH", "/update", token=admin, body={"name": "Lunch"}),
            ),
            (
                "POST /invest",
                "write",
                call(
                    "update_investment",
                    "POST",
                    "/invest",
                    token=member,
                    body={"investible_id": second, "quantity": 3},
                ),
            ),
            (
                "DELETE /invest/{id}",
                "write",
                call(
                    "remove_investment",
                    "DELETE",
                    "/invest/{investible_id}",
                    token=member,
                    path_parameters={"investible_id": second},
                ),
            ),
            (
                "POST /investibles/create",
                "write",
                call(
                    "create_investible",
                    "POST",
                    "/investibles/create",
                    token=member,
                    body={"name": "Sushi"},
                ),
            ),
            (
                "PATCH /investibles/{id}",
                "write",
                call(
                    "update_investible",
                    "PATCH",
                    "/investibles/{investible_id}",
                    token=admin,
                    path_parameters={"investible_id": second},
                    body={"name": "Pasta"},
                ),
            ),
            (
                "PATCH /investibles/state/{id}",
                "write",
                call(
                    "update_investible_stage",
                    "PATCH",
                    "/investibles/state/{investible_id}",
                    token=admin,
                    path_parameters={"investible_id": second},
                    body={"current_stage_id": stages[0]["id"], "stage_id": stages[1]["id"]},
                ),
            ),
            (
                "POST /users/ban/{id}",
                "write",
                call(
                    "ban_user",
                    "POST",
                    "/users/ban/{user_id}",
                    token=admin,
                    path_parameters={"user_id": member_id},
                    body={"is_banned": True},
                ),
            ),
            (
                "POST /sso/cognito (first sign-in)",
                "write",
                call(
                    "cognito_login",
                    "POST",
                    "/sso/cognito",
                    body={"id_token": api.id_token("newcomer@bench.example")},
                ),
            ),
            (
                "POST /sso/cognito (market_token, join)",
                "write",
                call(
                    "cognito_login",
                    "POST",
                    "/sso/cognito",
                    body={
                        "id_token": api.id_token("joiner@bench.example"),
                        "market_token": created["market"]["invite_capability"],
                    },
                ),
            ),
        ]
        return [_counted(w, route, kind, action) for route, kind, action in routes]
