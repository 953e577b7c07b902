"""The development identity provider signs Cognito-shaped tokens the real verifier accepts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from adapters.tokens.dev_identity import DevIdentityProvider
from adapters.tokens.identity import CognitoIdentityVerifier
from ports.config import IdentitySettings
from ports.tokens import Identity, InvalidToken
from tests.unit.tokens.support import FakeClock, claims_of, header_of

ISSUER = "http://127.0.0.1:3000/dev-identity"
AUDIENCE = "market-api-local"


@pytest.fixture(scope="module")
def provider() -> DevIdentityProvider:
    return DevIdentityProvider.generate()


def verifier_of(provider: DevIdentityProvider, clock: FakeClock) -> CognitoIdentityVerifier:
    def serve_jwks(url: str, timeout_seconds: float) -> Mapping[str, Any]:
        return provider.jwks()

    settings = IdentitySettings(
        issuer=ISSUER, audience=AUDIENCE, jwks_url=f"{ISSUER}/.well-known/jwks.json"
    )
    return CognitoIdentityVerifier(settings, clock, serve_jwks)


def issue(provider: DevIdentityProvider, clock: FakeClock, email: str, **options: Any) -> str:
    return provider.issue(email, audience=AUDIENCE, issuer=ISSUER, issued_at=clock.now(), **options)


def test_its_tokens_verify_with_the_cognito_verifier(provider: DevIdentityProvider) -> None:
    clock = FakeClock()

    identity = verifier_of(provider, clock).verify(
        issue(provider, clock, "ada@example.com", name="Ada", subject="s-1")
    )

    assert identity == Identity(subject="s-1", email="ada@example.com", name="Ada")


def test_its_tokens_are_shaped_like_cognito_id_tokens(provider: DevIdentityProvider) -> None:
    token = issue(provider, FakeClock(), "ada@example.com", lifetime_seconds=600)
    claims = claims_of(token)

    assert header_of(token) == {"alg": "RS256", "typ": "JWT", "kid": provider.key_id}
    assert claims["token_use"] == "id"
    assert claims["aud"] == AUDIENCE
    assert claims["iss"] == ISSUER
    assert claims["cognito:username"] == "ada@example.com"
    assert claims["exp"] - claims["iat"] == 600


def test_the_same_email_always_gets_the_same_subject(provider: DevIdentityProvider) -> None:
    clock = FakeClock()
    verifier = verifier_of(provider, clock)

    first = verifier.verify(issue(provider, clock, "ada@example.com"))
    second = verifier.verify(issue(provider, clock, "Ada@Example.com"))
    other = verifier.verify(issue(provider, clock, "grace@example.com"))

    assert first.subject == second.subject != other.subject
    assert first.name == "ada@example.com"


def test_its_tokens_expire_after_their_lifetime(provider: DevIdentityProvider) -> None:
    clock = FakeClock()
    verifier = verifier_of(provider, clock)
    token = issue(provider, clock, "ada@example.com", lifetime_seconds=60)

    clock.advance(60 + 31)

    with pytest.raises(InvalidToken, match="expired"):
        verifier.verify(token)


def test_the_jwks_publishes_only_the_public_key(provider: DevIdentityProvider) -> None:
    (key,) = provider.jwks()["keys"]

    assert set(key) == {"kty", "n", "e", "kid", "alg", "use"}
    assert key["kid"] == provider.key_id
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")


def test_a_provider_reloaded_from_its_pem_keeps_its_key(provider: DevIdentityProvider) -> None:
    clock = FakeClock()
    reloaded = DevIdentityProvider.from_pem(provider.private_pem().decode("ascii"))

    assert reloaded.key_id == provider.key_id
    assert reloaded.jwks() == provider.jwks()
    assert verifier_of(provider, clock).verify(issue(reloaded, clock, "ada@example.com"))


def test_tokens_of_another_provider_are_refused(provider: DevIdentityProvider) -> None:
    clock = FakeClock()
    stranger = DevIdentityProvider.generate()

    with pytest.raises(InvalidToken):
        verifier_of(provider, clock).verify(issue(stranger, clock, "eve@example.com"))
