"""Capability tokens: HMAC-signed JWTs that say what their holder may do in which market."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from jwt.api_jws import PyJWS
from jwt.exceptions import InvalidKeyError, PyJWTError

from adapters.tokens._claims import (
    bounded_token,
    check_times,
    claims_of,
    optional_text,
    required_text,
)
from ports.clock import Clock
from ports.config import CapabilitySettings, ConfigurationError, SigningSecret
from ports.tokens import Capability, InvalidToken, TokenType

KIND = "capability token"
ALLOWED_ALGORITHMS = frozenset({"HS256", "HS384", "HS512"})
MIN_SECRET_BYTES = 32
_SECONDS_PER_DAY = 86_400
_BEARER = "bearer "
_NEEDS_MARKET = frozenset({TokenType.MARKET, TokenType.MARKET_INVITE})


class JwtCapabilityTokens:
    """Issues and verifies capability tokens with the shared secret from the settings.

    New tokens are signed with the current secret and name it in the `kid` header; tokens
    whose `kid` names the previous secret still verify until that secret is retired.
    """

    def __init__(self, settings: CapabilitySettings, clock: Clock) -> None:
        _check_settings(settings)
        self._settings = settings
        self._clock = clock
        self._algorithms = list(settings.algorithms)
        self._jws = PyJWS(algorithms=self._algorithms)
        self._secrets = _secrets_by_key_id(settings, self._jws)

    def issue(self, capability: Capability) -> str:
        """A signed token for `capability`; its `jti` is `token_id`, or a fresh UUID4.

        Raises `ValueError` for a market or invite capability without a market id, since such
        a token could never verify.
        """
        if capability.token_type in _NEEDS_MARKET and not capability.market_id:
            raise ValueError(f"a {capability.token_type} capability needs a market id")

        issued_at = int(self._clock.now().timestamp())
        claims: dict[str, Any] = {
            "iss": self._settings.issuer,
            "sub": capability.user_id,
            "type": str(capability.token_type),
            "iat": issued_at,
            "exp": issued_at + self._lifetime_days(capability.token_type) * _SECONDS_PER_DAY,
            "jti": capability.token_id or str(uuid.uuid4()),
        }
        if capability.account_id is not None:
            claims["account_id"] = capability.account_id
        if capability.market_id is not None:
            claims["market_id"] = capability.market_id
        if capability.token_type is TokenType.MARKET:
            claims["is_admin"] = capability.is_admin

        current = self._settings.current
        payload = json.dumps(claims, separators=(",", ":")).encode("utf-8")
        return self._jws.encode(
            payload, current.secret, algorithm=self._algorithms[0], headers={"kid": current.key_id}
        )

    def verify(self, token: str) -> Capability:
        """The capability a raw or `Bearer `-prefixed token carries; `InvalidToken` otherwise."""
        token = bounded_token(_without_bearer(token), KIND)
        try:
            header = self._jws.get_unverified_header(token)
            key_id = header.get("kid")
            secret = self._secrets.get(key_id) if isinstance(key_id, str) else None
            if secret is None:
                raise InvalidToken(f"{KIND} names no known signing key")
            decoded = self._jws.decode_complete(token, key=secret, algorithms=self._algorithms)
        except PyJWTError as error:
            raise InvalidToken(f"{KIND} failed verification: {type(error).__name__}") from None

        claims = claims_of(decoded["payload"], KIND)
        if required_text(claims, "iss", KIND) != self._settings.issuer:
            raise InvalidToken(f"{KIND} comes from another issuer")
        check_times(claims, self._clock.now(), self._settings.leeway_seconds, KIND)
        return _capability_from(claims)

    def _lifetime_days(self, token_type: TokenType) -> int:
        settings = self._settings
        if token_type is TokenType.ACCOUNT:
            return settings.account_token_days
        if token_type is TokenType.MARKET:
            return settings.market_token_days
        return settings.invite_token_days


def _capability_from(claims: Mapping[str, Any]) -> Capability:
    user_id = required_text(claims, "sub", KIND)
    try:
        token_type = TokenType(required_text(claims, "type", KIND))
    except ValueError:
        raise InvalidToken(f"{KIND} has an unknown type") from None

    market_id = optional_text(claims, "market_id", KIND)
    if token_type in _NEEDS_MARKET and market_id is None:
        raise InvalidToken(f"{KIND} of type {token_type} lacks the market_id claim")

    is_admin = claims.get("is_admin", False)
    if not isinstance(is_admin, bool):
        raise InvalidToken(f"{KIND} has a malformed is_admin claim")

    return Capability(
        user_id=user_id,
        token_type=token_type,
        account_id=optional_text(claims, "account_id", KIND),
        market_id=market_id,
        is_admin=is_admin and token_type is TokenType.MARKET,
        token_id=optional_text(claims, "jti", KIND),
    )


def _without_bearer(value: str) -> str:
    if isinstance(value, str) and value[: len(_BEARER)].lower() == _BEARER:
        return value[len(_BEARER) :].strip()
    return value


def _check_settings(settings: CapabilitySettings) -> None:
    if not settings.issuer:
        raise ConfigurationError("the capability issuer is empty")
    if not settings.algorithms:
        raise ConfigurationError("no capability token algorithm is configured")
    refused = sorted(set(settings.algorithms) - ALLOWED_ALGORITHMS)
    if refused:
        raise ConfigurationError(
            f"capability token algorithms may only be HS256, HS384 or HS512, not {refused}"
        )
    lifetimes = (
        settings.account_token_days,
        settings.market_token_days,
        settings.invite_token_days,
    )
    if min(lifetimes) < 1:
        raise ConfigurationError("capability token lifetimes must be at least one day")
    if settings.leeway_seconds < 0:
        raise ConfigurationError("the capability token leeway must not be negative")


def _secrets_by_key_id(settings: CapabilitySettings, jws: PyJWS) -> dict[str, bytes]:
    secrets = [settings.current]
    previous = settings.previous
    if previous is not None and previous != settings.current:
        # Mid-rotation both parameters briefly hold the same secret: that is no previous one.
        if previous.key_id == settings.current.key_id:
            raise ConfigurationError("the previous capability secret reuses the current key id")
        secrets.append(previous)
    for secret in secrets:
        _check_secret(secret, settings.algorithms, jws)
    return {secret.key_id: secret.secret for secret in secrets}


def _check_secret(secret: SigningSecret, algorithms: tuple[str, ...], jws: PyJWS) -> None:
    if not secret.key_id:
        raise ConfigurationError("a capability secret has an empty key id")
    if len(secret.secret) < MIN_SECRET_BYTES:
        raise ConfigurationError(
            f"capability secret {secret.key_id!r} is shorter than {MIN_SECRET_BYTES} bytes"
        )
    for algorithm in algorithms:
        hmac_algorithm = jws.get_algorithm_by_name(algorithm)
        try:
            key = hmac_algorithm.prepare_key(secret.secret)
        except InvalidKeyError:
            raise ConfigurationError(
                f"capability secret {secret.key_id!r} looks like a key file, not a secret"
            ) from None
        if hmac_algorithm.check_key_length(key):
            raise ConfigurationError(
                f"capability secret {secret.key_id!r} is too short for {algorithm}"
            )
