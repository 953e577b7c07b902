"""Test helpers for tokens: a settable clock and a hand-made JWS that skips PyJWT's guards."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ports.tokens import InvalidToken

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

_HMAC_HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, instant: datetime = START) -> None:
        self.instant = instant

    def now(self) -> datetime:
        return self.instant

    def advance(self, seconds: float) -> None:
        self.instant += timedelta(seconds=seconds)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def compact(
    header: Mapping[str, Any],
    claims: Mapping[str, Any] | str,
    sign: Callable[[bytes], bytes],
) -> str:
    """A compact JWS built by hand, so tests can forge what PyJWT would refuse to produce."""
    body = claims if isinstance(claims, str) else json.dumps(claims)
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(body.encode())}"
    return f"{signing_input}.{b64url(sign(signing_input.encode('ascii')))}"


def hmac_signer(secret: bytes, algorithm: str = "HS256") -> Callable[[bytes], bytes]:
    return lambda message: hmac.new(secret, message, _HMAC_HASHES[algorithm]).digest()


def claims_of(token: str) -> dict[str, Any]:
    """The payload of a token, read without any verification."""
    claims: dict[str, Any] = json.loads(unb64url(token.split(".")[1]))
    return claims


def header_of(token: str) -> dict[str, Any]:
    header: dict[str, Any] = json.loads(unb64url(token.split(".")[0]))
    return header


def assert_refused(verify: Callable[[str], object], token: str) -> InvalidToken:
    """`verify` raises InvalidToken, and its message gives away no part of the token."""
    with pytest.raises(InvalidToken) as caught:
        verify(token)
    message = str(caught.value)
    for part in token.split("."):
        if len(part) >= 8:
            assert part not in message
    return caught.value
