"""Fakes and helpers for the domain tests.

A clock that moves only when told, sequential ids, a token fake that remembers what it issued,
a memory store with every service wired on it, and a kit that signs people in, creates
markets and investibles, invests, and feeds the change log to the stream consumer.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.memory import MemoryStore
from domain.events import Change
from domain.identity import personal_account_id
from domain.model import Investment, Market, MarketType
from domain.services.expiry import ExpiryService
from domain.services.investibles import InvestibleInMarket, InvestibleService, NewInvestible
from domain.services.investments import InvestmentService, Stake
from domain.services.markets import CreatedMarket, MarketService, NewMarket
from domain.services.sso import AccountLogin, SsoService
from domain.services.summaries import BatchResult, SummaryService
from domain.services.users import UserService
from ports.tokens import Capability, Identity, InvalidToken

START = datetime(2026, 1, 5, 9, 30, 15, 123456, tzinfo=UTC)


class FixedClock:
    """A UTC clock that stays where it is until a test sets or advances it."""

    def __init__(self, instant: datetime = START) -> None:
        self.instant = instant

    def now(self) -> datetime:
        return self.instant

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("the clock keeps timezone-aware instants only")
        self.instant = instant.astimezone(UTC)

    def advance(self, **delta: float) -> datetime:
        self.instant += timedelta(**delta)
        return self.instant


class SequentialIds:
    """Ids that read in creation order: id-00001, id-00002, ..."""

    def __init__(self, prefix: str = "id") -> None:
        self._prefix = prefix
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def new_id(self) -> str:
        with self._lock:
            return f"{self._prefix}-{next(self._counter):05d}"


class RecordingTokens:
    """A CapabilityTokens fake: every token is a distinct plain string, and kept with its claims."""

    def __init__(self) -> None:
        self.issued: dict[str, Capability] = {}
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def issue(self, capability: Capability) -> str:
        with self._lock:
            token = f"{capability.token_type.value}-token-{next(self._counter)}"
            self.issued[token] = capability
            return token

    def verify(self, token: str) -> Capability:
        try:
            return self.issued[token]
        except KeyError:
            raise InvalidToken("This fake never issued that token.") from None


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


def wire(
    store: MemoryStore,
    tokens: RecordingTokens,
    clock: FixedClock,
    ids: SequentialIds | None = None,
) -> Services:
    ids = ids or SequentialIds()
    return Services(
        markets=MarketService(store, tokens, clock, ids),
        investibles=InvestibleService(store, clock, ids),
        investments=InvestmentService(store, clock),
        users=UserService(store),
        sso=SsoService(store, tokens, clock),
        summaries=SummaryService(store, store),
        expiry=ExpiryService(store, store, clock),
    )


class Stream:
    """Feeds the store's change log to the consumer, the way the table streams would."""

    def __init__(self, store: MemoryStore, summaries: SummaryService) -> None:
        self._store = store
        self._summaries = summaries
        self.position = 0

    def pending(self) -> list[Change]:
        return self._store.changes(self.position)

    def apply(self, batch: list[Change]) -> BatchResult:
        return self._summaries.apply(batch)

    def drain(self) -> None:
        """Apply every pending change, then the consumer's own writes, until nothing is left."""
        for _ in range(10):
            batch = self.pending()
            if not batch:
                return
            result = self._summaries.apply(batch)
            assert result.failed == (), f"the consumer failed on {result.failed}"
            self.position += len(batch)
        raise AssertionError("the change log never settled")


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

    def __init__(self, services: Services, tokens: RecordingTokens) -> None:
        self.services = services
        self.tokens = tokens
        self._requests = itertools.count(1)

    def request_id(self) -> str:
        return f"request-{next(self._requests)}"

    @staticmethod
    def identity(name: str) -> Identity:
        return Identity(subject=f"subject-{name}", email=f"{name}@example.com", name=name.title())

    def sign_in(self, name: str) -> AccountLogin:
        return self.services.sso.login(self.identity(name), self.request_id())

    def user(self, name: str) -> str:
        return self.sign_in(name).user.id

    def create_market(
        self, owner_id: str, market_type: MarketType = MarketType.PLANNING, **options: Any
    ) -> CreatedMarket:
        new = NewMarket(market_type, f"{market_type.value.title()} market", **options)
        account_id = personal_account_id(owner_id)
        return self.services.markets.create(owner_id, account_id, new, self.request_id())

    def join(self, name: str, market: Market) -> str:
        invite = self.tokens.verify(market.invite_capability)
        login = self.services.sso.join(self.identity(name), invite, self.request_id())
        return login.user.id

    def investible(
        self, user_id: str, market_id: str, name: str = "An idea", **options: Any
    ) -> InvestibleInMarket:
        new = NewInvestible(name, **options)
        return self.services.investibles.create(user_id, market_id, new, self.request_id())

    def invest(
        self,
        user_id: str,
        market_id: str,
        investible_id: str,
        quantity: int,
        former: int = 0,
    ) -> Investment:
        stake = Stake(investible_id, quantity, former_quantity=former)
        return self.services.investments.invest(user_id, market_id, stake, self.request_id())

    def ban(self, admin_id: str, market_id: str, user_id: str, banned: bool = True) -> None:
        self.services.users.ban(admin_id, market_id, user_id, banned, self.request_id())

    def live(self, user_id: str, market_id: str, investible_id: str) -> Investment | None:
        """The member's investment in the investible, as the investments route returns it."""
        found = self.services.investments.fetch(user_id, market_id)
        return next((i for i in found if i.investible_id == investible_id), None)

    def info_totals(self, viewer_id: str, market_id: str) -> dict[str, tuple[int, int]]:
        """(investment_count, investment_total) of each investible, as its market info says."""
        return {
            entry.investible.id: (entry.info.investment_count, entry.info.investment_total)
            for entry in self.services.investibles.fetch(viewer_id, market_id)
        }

    def live_totals(self, viewer_id: str, market_id: str) -> dict[str, tuple[int, int]]:
        """(count, total) of each investible, worked out from every member's live investments."""
        quantities: dict[str, list[int]] = {
            entry.investible.id: []
            for entry in self.services.investibles.fetch(viewer_id, market_id)
        }
        for presence in self.services.markets.presences(viewer_id, market_id):
            for investment in self.services.investments.fetch(viewer_id, market_id, presence.id):
                if not investment.deleted:
                    quantities[investment.investible_id].append(investment.quantity)
        return {key: (len(found), sum(found)) for key, found in quantities.items()}

    def scene(self, market_type: MarketType = MarketType.PLANNING, **options: Any) -> Scene:
        admin = self.user("ada")
        market = self.create_market(admin, market_type, **options).market
        member = self.join("bob", market)
        investible = self.investible(admin, market.id, "First idea").investible.id
        return Scene(market, admin, member, investible)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def ids() -> SequentialIds:
    return SequentialIds()


@pytest.fixture
def tokens() -> RecordingTokens:
    return RecordingTokens()


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def services(
    store: MemoryStore, tokens: RecordingTokens, clock: FixedClock, ids: SequentialIds
) -> Services:
    return wire(store, tokens, clock, ids)


@pytest.fixture
def kit(services: Services, tokens: RecordingTokens) -> Kit:
    return Kit(services, tokens)


@pytest.fixture
def stream(store: MemoryStore, services: Services) -> Stream:
    return Stream(store, services.summaries)


@pytest.fixture
def scene(kit: Kit) -> Scene:
    return kit.scene()
