"""The round-trip budget, counted: reads 1 request, writes a read and a transaction, the
authorizer none. Every use case runs through the real domain services on DynamoDB (moto)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from domain.identity import personal_account_id
from domain.model import MarketType
from domain.services.investibles import NewInvestible
from domain.services.investments import Stake
from domain.services.markets import NewMarket
from ports.tokens import Capability, TokenType
from tests.integration.conftest import RequestCounter
from tests.integration.dynamodb.support import Kit, Scene

pytestmark = pytest.mark.aws

READ = {"BatchGetItem": 1}
QUERY = {"Query": 1}
WRITE = {"BatchGetItem": 1, "TransactWriteItems": 1}


@pytest.fixture
def scene(kit: Kit) -> Scene:
    return kit.scene(MarketType.DECISION)


def _count(counter: RequestCounter, action: Callable[[], Any]) -> Counter[str]:
    with counter.counting() as calls:
        action()
    return calls


def test_every_read_route_costs_one_request(
    kit: Kit, scene: Scene, request_counter: RequestCounter
) -> None:
    s, m, member = kit.services, scene.market_id, scene.member
    kit.invest(member, m, scene.investible, 2)
    reads: dict[str, tuple[Callable[[], Any], dict[str, int]]] = {
        "GET /get": (lambda: s.markets.get(member, m), READ),
        "POST /list stages": (lambda: s.markets.stages(member, m), READ),
        "POST /list users": (lambda: s.markets.presences(member, m), QUERY),
        "GET /investibles/{id}": (lambda: s.investibles.get(member, m, scene.investible), READ),
        "POST /investibles": (lambda: s.investibles.fetch(member, m), QUERY),
        "POST /investments": (lambda: s.investments.fetch(member, m), QUERY),
        "GET /users/get": (lambda: s.users.presence(member, m), READ),
        "GET /summaries/versioned": (lambda: s.summaries.memberships(member), QUERY),
        "GET /summaries/versions": (lambda: s.summaries.signatures(member, [m]), READ),
        "POST /sso/cognito with market_id": (
            lambda: s.sso.market_login(kit.identity("bob"), m),
            READ,
        ),
    }

    measured = {route: _count(request_counter, action) for route, (action, _) in reads.items()}

    assert measured == {route: expected for route, (_, expected) in reads.items()}


def test_another_members_investments_cost_two_requests_sent_together(
    kit: Kit, scene: Scene, request_counter: RequestCounter
) -> None:
    calls = _count(
        request_counter,
        lambda: kit.services.investments.fetch(scene.admin, scene.market_id, scene.member),
    )

    assert calls == {"Query": 1, "GetItem": 1}


def test_every_write_route_costs_one_read_and_one_transaction(
    kit: Kit, scene: Scene, request_counter: RequestCounter
) -> None:
    s, m, admin, member = kit.services, scene.market_id, scene.admin, scene.member
    second = kit.investible(admin, m, "Second").investible.id
    kit.invest(member, m, scene.investible, 3)
    planning = s.markets.get(admin, m)
    stages = planning.stages
    writes: dict[str, Callable[[], Any]] = {
        "POST /create": lambda: s.markets.create(
            admin, personal_account_id(admin), NewMarket(MarketType.PLANNING, "P"), kit.request_id()
        ),
        "PATCH /update": lambda: s.markets.update(admin, m, {"name": "N"}, kit.request_id()),
        "POST /invest (moves a single vote)": lambda: s.investments.invest(
            member, m, Stake(second, 5), kit.request_id()
        ),
        "DELETE /invest/{id}": lambda: s.investments.remove(member, m, second, kit.request_id()),
        "POST /investibles/create": lambda: s.investibles.create(
            member, m, NewInvestible("Third"), kit.request_id()
        ),
        "PATCH /investibles/{id}": lambda: s.investibles.update(
            admin, m, second, {"name": "Renamed", "open_for_investment": False}, kit.request_id()
        ),
        "PATCH /investibles/state/{id}": lambda: s.investibles.move(
            admin, m, second, stages[0].id, stages[1].id, kit.request_id()
        ),
        "POST /users/ban/{id}": lambda: s.users.ban(admin, m, member, True, kit.request_id()),
        "POST /sso/cognito (first sign-in)": lambda: s.sso.login(
            kit.identity("dora"), kit.request_id()
        ),
        "POST /sso/cognito with market_token": lambda: s.sso.join(
            kit.identity("eve"), kit.tokens.verify(scene.market.invite_capability), kit.request_id()
        ),
    }

    measured = {route: _count(request_counter, action) for route, action in writes.items()}

    assert measured == {route: WRITE for route in writes}


def test_a_write_whose_answer_needs_nothing_new_is_one_read(
    kit: Kit, scene: Scene, request_counter: RequestCounter
) -> None:
    calls = _count(request_counter, lambda: kit.services.sso.login(kit.identity("ada"), "r-x"))

    assert calls == READ


def test_the_authorizer_makes_no_request(
    kit: Kit, scene: Scene, request_counter: RequestCounter
) -> None:
    from dependency_injector import providers

    from adapters.aws_lambda import capability_authorizer
    from adapters.aws_lambda.container import container

    def no_store() -> Any:
        raise AssertionError("the authorizer reached for the store")

    token = kit.tokens.issue(Capability(scene.member, TokenType.MARKET, market_id=scene.market_id))
    with container.override_providers(
        tokens=providers.Object(kit.tokens),
        settings=providers.Object(SimpleNamespace(api_key="usage-plan-key")),
        store=providers.Callable(no_store),
    ):
        calls = _count(
            request_counter,
            lambda: capability_authorizer.handler({"authorizationToken": token}),
        )

    assert calls == {}
