"""The composition root: one container per process, built at import, reused while warm.

Each provider imports its adapter only when first asked for, so a function pays at cold
start for exactly what it uses: the authorizer reaches the configuration and the token
adapter, never the DynamoDB one. Tests and the local gateway override providers (the
store, the settings) instead of patching modules.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dependency_injector import containers, providers

from ports.clock import SystemClock, UuidSource

if TYPE_CHECKING:
    from domain.services.expiry import ExpiryService
    from domain.services.investibles import InvestibleService
    from domain.services.investments import InvestmentService
    from domain.services.markets import MarketService
    from domain.services.sso import SsoService
    from domain.services.summaries import SummaryService
    from domain.services.users import UserService
    from ports.config import Settings


def _ssm_client() -> Any:
    from botocore.config import Config

    from adapters import aws_session

    return aws_session.client(
        "ssm", Config(connect_timeout=1, read_timeout=3, retries={"mode": "standard"})
    )


def _config_source(environ: Mapping[str, str]) -> Any:
    from adapters.ssm.config import SsmConfigSource

    return SsmConfigSource(_ssm_client(), environ)


def _settings(source: Any) -> Settings:
    settings: Settings = source.settings()
    return settings


def _capability_tokens(settings: Settings, clock: SystemClock) -> Any:
    from adapters.tokens.capability import JwtCapabilityTokens

    return JwtCapabilityTokens(settings.capability, clock)


def _identity_verifier(settings: Settings, clock: SystemClock) -> Any:
    from adapters.tokens.identity import CognitoIdentityVerifier

    return CognitoIdentityVerifier(settings.identity, clock)


def _dynamo_store(settings: Settings, clock: SystemClock) -> Any:
    from adapters.dynamodb import DynamoStore, make_client

    return DynamoStore(
        make_client(endpoint_url=os.environ.get("DYNAMODB_ENDPOINT_URL") or None),
        users_table=settings.users_table,
        markets_table=settings.markets_table,
        clock=clock,
    )


def _deadline() -> Any:
    from adapters.dynamodb.retries import Deadline

    return Deadline()


def _stream_store(store: Any, deadline: Any) -> Any:
    """The store as the stream consumer uses it: the same tables and client, with patient
    retries that stop at the invocation's deadline. A store with no retry policy (the
    in-memory one of the tests) is used as it is."""
    with_retry = getattr(store, "with_retry", None)
    if with_retry is None:
        return store
    return with_retry(store.context.retry.patient(deadline))


# The domain services, each imported by its provider on first use: a function compiles and
# runs the modules of the services it calls, not all seven.


def _markets(repository: Any, tokens: Any, clock: SystemClock, ids: UuidSource) -> MarketService:
    from domain.services.markets import MarketService

    return MarketService(repository=repository, tokens=tokens, clock=clock, ids=ids)


def _investibles(repository: Any, clock: SystemClock, ids: UuidSource) -> InvestibleService:
    from domain.services.investibles import InvestibleService

    return InvestibleService(repository=repository, clock=clock, ids=ids)


def _investments(repository: Any, clock: SystemClock) -> InvestmentService:
    from domain.services.investments import InvestmentService

    return InvestmentService(repository=repository, clock=clock)


def _users(repository: Any) -> UserService:
    from domain.services.users import UserService

    return UserService(repository=repository)


def _sso(repository: Any, tokens: Any, clock: SystemClock) -> SsoService:
    from domain.services.sso import SsoService

    return SsoService(repository=repository, tokens=tokens, clock=clock)


def _summaries(store: Any) -> SummaryService:
    from domain.services.summaries import SummaryService

    return SummaryService(summaries=store, repository=store)


def _expiry(store: Any, clock: SystemClock) -> ExpiryService:
    from domain.services.expiry import ExpiryService

    return ExpiryService(repository=store, expiry=store, clock=clock)


class Container(containers.DeclarativeContainer):
    """Everything a function may need, each made once, on first use."""

    environ = providers.Object(os.environ)
    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(UuidSource)

    config_source = providers.Singleton(_config_source, environ)
    settings = providers.Singleton(_settings, config_source)
    tokens = providers.Singleton(_capability_tokens, settings, clock)
    identities = providers.Singleton(_identity_verifier, settings, clock)
    store = providers.Singleton(_dynamo_store, settings, clock)

    markets = providers.Singleton(_markets, store, tokens, clock, ids)
    investibles = providers.Singleton(_investibles, store, clock, ids)
    investments = providers.Singleton(_investments, store, clock)
    users = providers.Singleton(_users, store)
    sso = providers.Singleton(_sso, store, tokens, clock)
    summaries = providers.Singleton(_summaries, store)
    expiry = providers.Singleton(_expiry, store, clock)

    # The stream consumer's own: its retries wait longer, up to a deadline it sets.
    stream_deadline = providers.Singleton(_deadline)
    stream_store = providers.Singleton(_stream_store, store, stream_deadline)
    stream_summaries = providers.Singleton(_summaries, stream_store)


container = Container()
