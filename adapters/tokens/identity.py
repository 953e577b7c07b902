"""Identity tokens: Cognito user pool ID tokens, checked against the pool's published keys."""

from __future__ import annotations

from typing import Any

from jwt.exceptions import PyJWTError

from adapters.tokens._claims import bounded_token, check_times, claims_of, required_text
from adapters.tokens._jwks import JwksFetch, SigningKeys, fetch_jwks_over_http
from adapters.tokens.rsa import ALGORITHM, rs256_jws
from ports.clock import Clock
from ports.config import IdentitySettings
from ports.tokens import Identity, InvalidToken

KIND = "identity token"
LEEWAY_SECONDS = 30


class CognitoIdentityVerifier:
    """Verifies RS256 ID tokens from a Cognito user pool, or from the development provider.

    The pool's JWKS is fetched on first use (with `fetch_jwks`, by default over HTTP with
    the standard library) and cached for the life of the process.
    """

    def __init__(
        self,
        settings: IdentitySettings,
        clock: Clock,
        fetch_jwks: JwksFetch | None = None,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._jws = rs256_jws()
        self._keys = SigningKeys(
            settings.jwks_url,
            settings.jwks_timeout_seconds,
            clock,
            fetch_jwks or fetch_jwks_over_http,
        )

    def verify(self, id_token: str) -> Identity:
        """The identity an ID token proves; raises `InvalidToken` for anything not valid."""
        token = bounded_token(id_token, KIND)
        try:
            header = self._jws.get_unverified_header(token)
            if header.get("alg") != ALGORITHM:
                raise InvalidToken(f"{KIND} is not signed with {ALGORITHM}")
            key_id = header.get("kid")
            if not isinstance(key_id, str):
                raise InvalidToken(f"{KIND} names no signing key")
            key: Any = self._keys.key_for(key_id)  # PyJWT's hints predate custom key types
            decoded = self._jws.decode_complete(token, key=key, algorithms=[ALGORITHM])
        except PyJWTError as error:
            raise InvalidToken(f"{KIND} failed verification: {type(error).__name__}") from None

        claims = claims_of(decoded["payload"], KIND)
        settings = self._settings
        if required_text(claims, "iss", KIND) != settings.issuer:
            raise InvalidToken(f"{KIND} comes from another issuer")
        if claims.get("aud") != settings.audience:
            raise InvalidToken(f"{KIND} is meant for another audience")
        if claims.get("token_use") != "id":
            raise InvalidToken(f"{KIND} is not an ID token")
        check_times(claims, self._clock.now(), LEEWAY_SECONDS, KIND)

        email = required_text(claims, "email", KIND)
        name = _first_text(claims.get("name"), claims.get("cognito:username")) or email
        return Identity(subject=required_text(claims, "sub", KIND), email=email, name=name)


def _first_text(*candidates: object) -> str | None:
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            return candidate
    return None
