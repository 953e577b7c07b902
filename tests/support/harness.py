"""Runs the real Lambda handlers as API Gateway would: authorizer first, then the route.

The container is overridden, not patched: the store (in memory or on moto), settings with
test secrets, and an identity verifier trusting a development identity provider.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from dependency_injector import providers

from adapters.tokens.dev_identity import DevIdentityProvider
from adapters.tokens.identity import CognitoIdentityVerifier
from ports.clock import SystemClock
from ports.config import CapabilitySettings, IdentitySettings, Settings, SigningSecret
from tests.support.events import api_event, authorizer_event, gateway_context

ISSUER = "market-api-test"
IDP_ISSUER = "https://idp.test/pool"
AUDIENCE = "test-client"
API_KEY = "test-usage-plan-key-0123456789"

_PROVIDER: DevIdentityProvider | None = None


def identity_provider() -> DevIdentityProvider:
    """One development identity provider for the whole test run (RSA keys are slow to make)."""
    global _PROVIDER
    if _PROVIDER is None:
        _PROVIDER = DevIdentityProvider.generate()
    return _PROVIDER


def test_settings(**overrides: Any) -> Settings:
    """Settings with test secrets."""
    capability = CapabilitySettings(
        issuer=ISSUER,
        current=SigningSecret("k2", b"current-secret-for-tests-0123456789abcdef"),
        previous=SigningSecret("k1", b"previous-secret-for-tests-0123456789abcd"),
    )
    identity = IdentitySettings(
        issuer=IDP_ISSUER, audience=AUDIENCE, jwks_url="https://idp.test/jwks.json"
    )
    values: dict[str, Any] = {
        "stage": "test",
        "users_table": "test-users",
        "markets_table": "test-markets",
        "capability": capability,
        "identity": identity,
        "api_key": API_KEY,
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class Response:
    """A handler's answer, decoded."""

    status: int
    headers: Mapping[str, str]
    body: Any


class Harness:
    """Calls handlers by module name with tokens, as the gateway would."""

    def __init__(self) -> None:
        self.authorizer = importlib.import_module("adapters.aws_lambda.capability_authorizer")

    def id_token(self, email: str, name: str | None = None) -> str:
        """An identity token for `email` from the development provider."""
        return identity_provider().issue(
            email, name or email.split("@")[0], audience=AUDIENCE, issuer=IDP_ISSUER
        )

    def authorize(self, token: str, method: str = "GET", path: str = "/get") -> dict[str, Any]:
        """The authorizer's answer for a token (raises on Unauthorized)."""
        answer: dict[str, Any] = self.authorizer.handler(authorizer_event(token, method, path))
        return answer

    def call(
        self,
        module: str,
        method: str,
        resource: str,
        *,
        token: str | None = None,
        body: object = None,
        path_parameters: Mapping[str, str] | None = None,
        authorize: bool = True,
        **event_options: Any,
    ) -> Response:
        """Invoke a route's handler; with a token, through the authorizer's context."""
        context = None
        if token is not None and authorize:
            context = gateway_context(self.authorize(token, method, resource))
        event = api_event(
            method,
            resource,
            path_parameters=path_parameters,
            body=body,
            authorizer=context,
            **event_options,
        )
        return self.invoke(module, event)

    def invoke(self, module: str, event: Mapping[str, Any]) -> Response:
        """Invoke a handler module with a ready event."""
        handler = importlib.import_module(f"adapters.aws_lambda.{module}").handler
        raw = handler(event, None)
        return Response(raw["statusCode"], raw["headers"], json.loads(raw["body"]))

    # The flows every test needs.

    def sign_in(self, email: str) -> dict[str, Any]:
        """Sign in; returns the answer (account token in `uclusion_token`)."""
        response = self.call(
            "cognito_login", "POST", "/sso/cognito", body={"id_token": self.id_token(email)}
        )
        assert response.status == 200, response.body
        return dict(response.body)

    def create_market(self, email: str, **fields: Any) -> dict[str, Any]:
        """Sign in and create a market; returns the answer with `token` (admin)."""
        account_token = self.sign_in(email)["uclusion_token"]
        body = {"market_type": "DECISION", "name": "Where to eat", **fields}
        response = self.call("create_market", "POST", "/create", token=account_token, body=body)
        assert response.status == 201, response.body
        return dict(response.body)

    def join(self, email: str, invite: str) -> dict[str, Any]:
        """Join a market with its invite token; returns the answer (market token)."""
        response = self.call(
            "cognito_login",
            "POST",
            "/sso/cognito",
            body={"id_token": self.id_token(email), "market_token": invite},
        )
        assert response.status == 200, response.body
        return dict(response.body)

    def create_investible(self, token: str, name: str = "Tacos", **fields: Any) -> dict[str, Any]:
        """Add an investible; returns `{investible, market_infos}`."""
        response = self.call(
            "create_investible",
            "POST",
            "/investibles/create",
            token=token,
            body={"name": name, **fields},
        )
        assert response.status == 201, response.body
        return dict(response.body)


@contextmanager
def wired(store: object, settings: Settings | None = None) -> Iterator[Harness]:
    """The container wired to `store` and test settings for the duration of a test."""
    # Looked up now, not at import: the local gateway's code reload may have replaced the
    # module since, and the handlers use whichever container module is current.
    container = importlib.import_module("adapters.aws_lambda.container").container
    chosen = settings or test_settings()
    provider = identity_provider()
    verifier = CognitoIdentityVerifier(
        chosen.identity, SystemClock(), fetch_jwks=lambda url, timeout: provider.jwks()
    )
    container.reset_singletons()
    container.settings.override(providers.Object(chosen))
    container.store.override(providers.Object(store))
    container.identities.override(providers.Object(verifier))
    try:
        yield Harness()
    finally:
        container.reset_override()
        container.reset_singletons()
