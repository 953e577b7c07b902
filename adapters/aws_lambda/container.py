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

from domain.services.expiry import ExpiryService
from domain.services.investibles import InvestibleService
from domain.services.investments import InvestmentService
from domain.services.markets import MarketService
from domain.services.sso import SsoService
from domain.services.summaries import SummaryService
from domain.services.users import UserService
from ports.clock import SystemClock, UuidSource

if TYPE_CHECKING:
    from ports.config import Settings


def _ssm_client() -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "ssm",
        config=Config(connect_timeout=1, read_timeout=3, retries={"mode": "standard"}),
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

    markets = providers.Singleton(
        MarketService,
        repository=store,
        tokens=tokens,
        clock=clock,
        ids=ids,
    )
    investibles = providers.Singleton(
        InvestibleService,
        repository=store,
        clock=clock,
        ids=ids,
    )
    investments = providers.Singleton(InvestmentService, repository=store, clock=clock)
    users = providers.Singleton(UserService, repository=store)
    sso = providers.Singleton(SsoService, repository=store, tokens=tokens, clock=clock)
    summaries = providers.Singleton(SummaryService, summaries=store, repository=store)
    expiry = providers.Singleton(
        ExpiryService,
        repository=store,
        expiry=store,
        clock=clock,
    )


container = Container()
