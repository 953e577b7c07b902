"""Ports for the two kinds of token the service handles: its own capabilities and identities."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class TokenType(StrEnum):
    """What a capability token lets its holder do."""

    ACCOUNT = "account"
    MARKET = "market"
    MARKET_INVITE = "market_invite"


@dataclass(frozen=True, slots=True)
class Capability:
    """The verified claims of a capability token."""

    user_id: str
    token_type: TokenType
    account_id: str | None = None
    market_id: str | None = None
    is_admin: bool = False
    token_id: str | None = None


@dataclass(frozen=True, slots=True)
class Identity:
    """The verified claims of an identity token (a Cognito ID token)."""

    subject: str
    email: str
    name: str


class InvalidToken(Exception):
    """A token failed verification. The message is safe to log; it never holds the token."""


class CapabilityTokens(Protocol):
    """Signs and verifies capability tokens."""

    def issue(self, capability: Capability) -> str:
        """A signed token for `capability`, with the lifetime configured for its type."""
        ...

    def verify(self, token: str) -> Capability:
        """The capability a token carries; raises `InvalidToken` for anything not valid."""
        ...


class IdentityVerifier(Protocol):
    """Verifies identity tokens from the identity provider."""

    def verify(self, id_token: str) -> Identity:
        """The identity a token proves; raises `InvalidToken` for anything not valid."""
        ...
