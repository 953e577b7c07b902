"""The configuration port: settings and secrets the service reads once per cold start."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SigningSecret:
    """One version of the capability-token secret; `key_id` goes into the token's `kid`."""

    key_id: str
    secret: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class CapabilitySettings:
    """How capability tokens are signed and checked.

    `current` signs new tokens; `previous`, while a rotation is under way, still verifies
    tokens signed before it. Lifetimes are in days, per token type.
    """

    issuer: str
    current: SigningSecret
    previous: SigningSecret | None
    algorithms: tuple[str, ...] = ("HS256",)
    account_token_days: int = 30
    market_token_days: int = 30
    invite_token_days: int = 365
    leeway_seconds: int = 30


@dataclass(frozen=True, slots=True)
class IdentitySettings:
    """Where identity tokens come from: a Cognito user pool, or the development provider."""

    issuer: str
    audience: str
    jwks_url: str
    jwks_timeout_seconds: float = 3.0


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a function needs to know that is not code."""

    stage: str
    users_table: str
    markets_table: str
    capability: CapabilitySettings
    identity: IdentitySettings
    api_key: str = field(repr=False)


class ConfigSource(Protocol):
    """Reads the settings; implementations read secrets once and cache them."""

    def settings(self) -> Settings:
        """The settings of this environment; raises `ConfigurationError` when one is missing."""
        ...


class ConfigurationError(RuntimeError):
    """A setting is missing or unusable; the message names it and never holds its value."""
