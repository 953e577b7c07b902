"""Helpers of the DynamoDB adapter tests: a fixed clock, fake tokens, throttling on demand."""

from __future__ import annotations

import itertools
import json
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.awsrequest import AWSResponse

from domain.errors import DomainError
from domain.identity import personal_account_id
from domain.model import Investible, Investment, Market, MarketType
from domain.services.expiry import ExpiryService
from domain.services.investibles import InvestibleInMarket, InvestibleService, NewInvestible
from domain.services.investments import InvestmentService, Stake
from domain.services.markets import CreatedMarket, MarketService, NewMarket
from domain.services.sso import SsoService
from domain.services.summaries import SummaryService
from domain.services.users import UserService
from ports.repository import Entity, investible_key
from ports.tokens import Capability, Identity, InvalidToken

START = datetime(2026, 2, 3, 10, 20, 30, 456789, tzinfo=UTC)


class FixedClock:
    """A UTC clock that moves only when a test moves it."""

    def __init__(self, instant: datetime = START) -> None:
        self.instant = instant

    def now(self) -> datetime:
        return self.instant

    def advance(self, **delta: float) -> datetime:
        self.instant += timedelta(**delta)
        return self.instant


class UuidIds:
    """Random UUIDs, as production makes them."""

    def new_id(self) -> str:
        return str(uuid.uuid4())


class FakeTokens:
    """Capability tokens as deterministic strings, remembered so an invite can be redeemed."""

    def __init__(self) -> None:
        self._issued: dict[str, Capability] = {}
        self._lock = threading.Lock()

    def issue(self, capability: Capability) -> str:
        token = "|".join(
            [capability.token_type.value, capability.user_id, capability.market_id or "-"]
        )
        with self._lock:
            self._issued[token] = capability
        return token

    def verify(self, token: str) -> Capability:
        try:
            return self._issued[token]
        except KeyError:
            raise InvalidToken("not issued by this fake") from None


@dataclass(frozen=True)
class Services:
    """Every use case, wired on one store."""

    markets: MarketService
    investibles: InvestibleService
    investments: InvestmentService
    users: UserService
    sso: SsoService
    summaries: SummaryService
    expiry: ExpiryService


def wire(store: Any, clock: FixedClock, tokens: FakeTokens) -> Services:
    """The real domain services on `store`."""
    ids = UuidIds()
    return Services(
        markets=MarketService(store, tokens, clock, ids),
        investibles=InvestibleService(store, clock, ids),
        investments=InvestmentService(store, clock),
        users=UserService(store),
        sso=SsoService(store, tokens, clock),
        summaries=SummaryService(store, store),
        expiry=ExpiryService(store, store, clock),
    )


@dataclass(frozen=True)
class Scene:
    """A market with an admin, a member who joined by invite, and one open investible."""

    market: Market
    admin: str
    member: str
    investible: str

    @property
    def market_id(self) -> str:
        return self.market.id


class Kit:
    """Short ways to do through the services what most tests need first."""

    def __init__(self, services: Services, tokens: FakeTokens) -> None:
        self.services = services
        self.tokens = tokens
        self._requests = itertools.count(1)

    def request_id(self) -> str:
        return f"request-{next(self._requests)}-{uuid.uuid4()}"

    @staticmethod
    def identity(name: str) -> Identity:
        return Identity(subject=f"subject-{name}", email=f"{name}@example.com", name=name.title())

    def user(self, name: str) -> str:
        return self.services.sso.login(self.identity(name), self.request_id()).user.id

    def create_market(
        self, owner_id: str, market_type: MarketType = MarketType.PLANNING, **options: Any
    ) -> CreatedMarket:
        new = NewMarket(market_type, f"{market_type.value.title()} market", **options)
        account_id = personal_account_id(owner_id)
        return self.services.markets.create(owner_id, account_id, new, self.request_id())

    def join(self, name: str, market: Market) -> str:
        invite = self.tokens.verify(market.invite_capability)
        return self.services.sso.join(self.identity(name), invite, self.request_id()).user.id

    def investible(
        self, user_id: str, market_id: str, name: str = "An idea", **options: Any
    ) -> InvestibleInMarket:
        new = NewInvestible(name, **options)
        return self.services.investibles.create(user_id, market_id, new, self.request_id())

    def invest(
        self, user_id: str, market_id: str, investible_id: str, quantity: int, former: int = 0
    ) -> Investment:
        stake = Stake(investible_id, quantity, former)
        return self.services.investments.invest(user_id, market_id, stake, self.request_id())

    def scene(self, market_type: MarketType = MarketType.PLANNING, **options: Any) -> Scene:
        admin = self.user("ada")
        market = self.create_market(admin, market_type, **options).market
        member = self.join("bob", market)
        investible = self.investible(admin, market.id).investible.id
        return Scene(market, admin, member, investible)


class Refused(DomainError):
    """What the tests' conflict handlers raise, carrying what they were shown."""

    def __init__(self, label: str, current: Entity | None) -> None:
        super().__init__(label)
        self.label = label
        self.current = current


def refuse(label: str) -> Callable[[Entity | None], DomainError]:
    """A conflict handler that raises `Refused` with `label` and the stored object."""
    return lambda current: Refused(label, current)


def stored_investible(store: Any, scene: Scene) -> Investible:
    """The scene's investible as stored now."""
    key = investible_key(scene.market_id, scene.investible)
    investible = store.get([key]).get(key, Investible)
    assert investible is not None
    return investible


class Throttle:
    """Answers chosen DynamoDB calls with a 400 throttling error, and they never arrive.

    `failures` is how many matching calls fail before they pass (None: all of them).

    By default it answers in `before-call`, before botocore sends anything: under
    `mock_aws` moto itself answers in `before-send`, where every handler runs, so a throttle
    there would still let moto apply the write behind it. Against a moto server nothing
    else answers in `before-send`, so `on_send=True` answers there with a real HTTP-level
    error response that botocore parses. In `before-call` it is registered on the same
    event as `RequestCounter`, after it, so the counter still sees each throttled call.
    """

    def __init__(
        self,
        client: Any,
        operations: Iterable[str] | None = None,
        failures: int | None = None,
        code: str = "ThrottlingException",
        on_send: bool = False,
    ) -> None:
        self.operations = None if operations is None else set(operations)
        self.remaining = failures
        self.code = code
        self.thrown = 0
        self._client = client
        self._event = "before-send.dynamodb" if on_send else "before-call.dynamodb"
        self._handler = self._send if on_send else self._call
        client.meta.events.register(self._event, self._handler)

    def _throws(self, operation: str) -> bool:
        if self.operations is not None and operation not in self.operations:
            return False
        if self.remaining is not None:
            if self.remaining <= 0:
                return False
            self.remaining -= 1
        self.thrown += 1
        return True

    def _response(self, url: str) -> AWSResponse:
        body = {"__type": f"com.amazonaws.dynamodb.v20120810#{self.code}", "message": "Slow"}
        headers = {"x-amzn-RequestId": "throttled", "Content-Type": "application/x-amz-json-1.0"}
        return AWSResponse(url, 400, headers, _Raw(json.dumps(body)))

    def _call(self, model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if not self._throws(model.name):
            return None
        response = self._response("https://dynamodb.invalid/")
        parsed = {
            "Error": {"Code": self.code, "Message": "Slow down"},
            "ResponseMetadata": {"HTTPStatusCode": 400, "HTTPHeaders": dict(response.headers)},
        }
        return response, parsed

    def _send(self, request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        operation = event_name.rsplit(".", 1)[-1]
        return self._response(request.url) if self._throws(operation) else None

    def stop(self) -> None:
        self._client.meta.events.unregister(self._event, self._handler)


class _Raw:
    def __init__(self, body: str) -> None:
        self._body = body.encode()

    def stream(self, **_: Any) -> Iterable[bytes]:
        yield self._body


def scan_all(client: Any, table: str) -> list[dict[str, Any]]:
    """Every item of a table (tests only)."""
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"TableName": table}
    while True:
        page = client.scan(**params)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def recording_sleep() -> tuple[list[float], Callable[[float], None]]:
    """A sleep that only writes down how long it was asked to wait."""
    waits: list[float] = []
    return waits, waits.append
