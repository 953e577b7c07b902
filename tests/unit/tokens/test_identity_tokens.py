"""Identity tokens: Cognito ID tokens verify against the pool's JWKS and nothing else does."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.tokens.dev_identity import DevIdentityProvider
from adapters.tokens.identity import CognitoIdentityVerifier
from ports.config import IdentitySettings
from ports.tokens import Identity, InvalidToken
from tests.unit.tokens.support import FakeClock, assert_refused, compact, hmac_signer

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Test"
AUDIENCE = "app-client-1"
JWKS_URL = f"{ISSUER}/.well-known/jwks.json"
KEY_ID = "pool-key-1"
SETTINGS = IdentitySettings(
    issuer=ISSUER, audience=AUDIENCE, jwks_url=JWKS_URL, jwks_timeout_seconds=1.5
)


class CountingFetch:
    """A JWKS fetch that serves a chosen document and remembers every call."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.calls: list[tuple[str, float]] = []

    def __call__(self, url: str, timeout_seconds: float) -> Mapping[str, Any]:
        self.calls.append((url, timeout_seconds))
        return self.document


@pytest.fixture(scope="module")
def pool_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def rotated_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def pool(pool_key: rsa.RSAPrivateKey) -> DevIdentityProvider:
    return DevIdentityProvider(pool_key, key_id=KEY_ID)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fetch(pool: DevIdentityProvider) -> CountingFetch:
    return CountingFetch(pool.jwks())


@pytest.fixture
def verifier(clock: FakeClock, fetch: CountingFetch) -> CognitoIdentityVerifier:
    return CognitoIdentityVerifier(SETTINGS, clock, fetch)


def id_claims(clock: FakeClock, **changes: Any) -> dict[str, Any]:
    now = int(clock.now().timestamp())
    claims = {
        "sub": "5f1c-user",
        "aud": AUDIENCE,
        "iss": ISSUER,
        "token_use": "id",
        "email": "ada@example.com",
        "cognito:username": "ada",
        "name": "Ada Lovelace",
        "iat": now,
        "exp": now + 3600,
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def signed_by(key: rsa.RSAPrivateKey, claims: dict[str, Any], kid: str | None = KEY_ID) -> str:
    headers = {"kid": kid} if kid is not None else None
    return jwt.encode(claims, key, algorithm="RS256", headers=headers)


def test_a_pool_token_proves_its_identity(
    verifier: CognitoIdentityVerifier, clock: FakeClock, pool_key: rsa.RSAPrivateKey
) -> None:
    identity = verifier.verify(signed_by(pool_key, id_claims(clock)))

    assert identity == Identity(subject="5f1c-user", email="ada@example.com", name="Ada Lovelace")


@pytest.mark.parametrize(
    ("changes", "name"),
    [
        ({}, "Ada Lovelace"),
        ({"name": None}, "ada"),
        ({"name": "  "}, "ada"),
        ({"name": None, "cognito:username": None}, "ada@example.com"),
    ],
)
def test_the_name_falls_back_to_the_username_then_the_email(
    verifier: CognitoIdentityVerifier,
    clock: FakeClock,
    pool_key: rsa.RSAPrivateKey,
    changes: dict[str, Any],
    name: str,
) -> None:
    identity = verifier.verify(signed_by(pool_key, id_claims(clock, **changes)))

    assert identity.name == name


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"aud": "another-client"}, "audience"),
        ({"aud": [AUDIENCE, "another-client"]}, "audience"),
        ({"aud": None}, "audience"),
        ({"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"}, "issuer"),
        ({"iss": None}, "iss"),
        ({"token_use": "access"}, "ID token"),
        ({"token_use": None}, "ID token"),
        ({"sub": None}, "sub"),
        ({"email": None}, "email"),
        ({"exp": None}, "exp"),
        ({"iat": None}, "iat"),
    ],
)
def test_a_token_with_a_wrong_or_missing_claim_is_refused(
    verifier: CognitoIdentityVerifier,
    clock: FakeClock,
    pool_key: rsa.RSAPrivateKey,
    changes: dict[str, Any],
    reason: str,
) -> None:
    error = assert_refused(verifier.verify, signed_by(pool_key, id_claims(clock, **changes)))

    assert reason in str(error)


def test_an_expired_token_is_refused(
    verifier: CognitoIdentityVerifier, clock: FakeClock, pool_key: rsa.RSAPrivateKey
) -> None:
    token = signed_by(pool_key, id_claims(clock))

    clock.advance(3600 + 31)

    assert "expired" in str(assert_refused(verifier.verify, token))


def test_a_token_issued_in_the_future_is_refused(
    verifier: CognitoIdentityVerifier, clock: FakeClock, pool_key: rsa.RSAPrivateKey
) -> None:
    later = int(clock.now().timestamp()) + 120

    assert_refused(verifier.verify, signed_by(pool_key, id_claims(clock, iat=later)))


def test_a_token_signed_by_an_unknown_key_is_refused(
    verifier: CognitoIdentityVerifier, clock: FakeClock, rotated_key: rsa.RSAPrivateKey
) -> None:
    error = assert_refused(verifier.verify, signed_by(rotated_key, id_claims(clock), "stranger"))

    assert "unknown signing key" in str(error)


def test_a_token_naming_the_pool_key_but_signed_by_another_is_refused(
    verifier: CognitoIdentityVerifier, clock: FakeClock, rotated_key: rsa.RSAPrivateKey
) -> None:
    assert_refused(verifier.verify, signed_by(rotated_key, id_claims(clock), KEY_ID))


def test_a_token_without_a_key_id_is_refused(
    verifier: CognitoIdentityVerifier, clock: FakeClock, pool_key: rsa.RSAPrivateKey
) -> None:
    assert_refused(verifier.verify, signed_by(pool_key, id_claims(clock), kid=None))


def test_a_tampered_token_is_refused(
    verifier: CognitoIdentityVerifier, clock: FakeClock, pool_key: rsa.RSAPrivateKey
) -> None:
    header, _, signature = signed_by(pool_key, id_claims(clock)).split(".")
    other = signed_by(pool_key, id_claims(clock, email="eve@example.com")).split(".")[1]

    assert_refused(verifier.verify, f"{header}.{other}.{signature}")


@pytest.mark.parametrize("alg", ["none", "None", ""])
def test_an_unsigned_token_is_refused(
    verifier: CognitoIdentityVerifier, clock: FakeClock, alg: str
) -> None:
    token = compact({"alg": alg, "kid": KEY_ID}, id_claims(clock), lambda _: b"")

    assert_refused(verifier.verify, token)


def test_hmac_made_with_the_public_key_is_refused(
    verifier: CognitoIdentityVerifier,
    clock: FakeClock,
    pool: DevIdentityProvider,
    pool_key: rsa.RSAPrivateKey,
) -> None:
    public_pem = pool_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    public_jwk = json.dumps(pool.jwks()["keys"][0]).encode()

    for secret in (public_pem, public_jwk):
        for alg in ("HS256", "HS512"):
            header = {"alg": alg, "typ": "JWT", "kid": KEY_ID}
            token = compact(header, id_claims(clock), hmac_signer(secret, alg))
            assert_refused(verifier.verify, token)


def test_other_rsa_algorithms_are_refused(
    verifier: CognitoIdentityVerifier, clock: FakeClock, pool_key: rsa.RSAPrivateKey
) -> None:
    for alg in ("RS512", "PS256"):
        token = jwt.encode(id_claims(clock), pool_key, algorithm=alg, headers={"kid": KEY_ID})
        assert_refused(verifier.verify, token)


@pytest.mark.parametrize("token", ["", "undefined", "garbage", "a.b.c", "Bearer x.y.z"])
def test_garbage_is_refused(verifier: CognitoIdentityVerifier, token: str) -> None:
    assert_refused(verifier.verify, token)


def test_a_token_over_8_kib_is_refused(
    verifier: CognitoIdentityVerifier,
    clock: FakeClock,
    pool_key: rsa.RSAPrivateKey,
    fetch: CountingFetch,
) -> None:
    token = signed_by(pool_key, id_claims(clock, padding="p" * 9000))

    assert "longer than" in str(assert_refused(verifier.verify, token))
    assert fetch.calls == []


def test_the_jwks_is_fetched_on_first_use_and_then_kept(
    clock: FakeClock, fetch: CountingFetch, pool_key: rsa.RSAPrivateKey
) -> None:
    verifier = CognitoIdentityVerifier(SETTINGS, clock, fetch)
    assert fetch.calls == []

    for _ in range(3):
        verifier.verify(signed_by(pool_key, id_claims(clock)))
        clock.advance(600)

    assert fetch.calls == [(JWKS_URL, 1.5)]


def test_an_unknown_key_triggers_at_most_one_refetch_a_minute(
    verifier: CognitoIdentityVerifier,
    clock: FakeClock,
    fetch: CountingFetch,
    pool_key: rsa.RSAPrivateKey,
    rotated_key: rsa.RSAPrivateKey,
) -> None:
    verifier.verify(signed_by(pool_key, id_claims(clock)))
    clock.advance(60)
    stranger = signed_by(rotated_key, id_claims(clock), "stranger")

    for _ in range(6):
        assert_refused(verifier.verify, stranger)
        clock.advance(10)
    assert len(fetch.calls) == 2

    assert_refused(verifier.verify, stranger)
    assert len(fetch.calls) == 3


def test_a_rotated_pool_key_is_picked_up_by_a_refetch(
    verifier: CognitoIdentityVerifier,
    clock: FakeClock,
    fetch: CountingFetch,
    pool: DevIdentityProvider,
    pool_key: rsa.RSAPrivateKey,
    rotated_key: rsa.RSAPrivateKey,
) -> None:
    verifier.verify(signed_by(pool_key, id_claims(clock)))
    clock.advance(120)

    successor = DevIdentityProvider(rotated_key, key_id="pool-key-2")
    fetch.document = {"keys": pool.jwks()["keys"] + successor.jwks()["keys"]}
    token = successor.issue(
        "ada@example.com", audience=AUDIENCE, issuer=ISSUER, issued_at=clock.now()
    )

    assert verifier.verify(token).email == "ada@example.com"
    assert len(fetch.calls) == 2


@pytest.mark.parametrize(
    "failure", [TimeoutError("timed out"), OSError("connection refused"), ValueError("not json")]
)
def test_a_failing_fetch_refuses_the_token(
    clock: FakeClock, pool_key: rsa.RSAPrivateKey, failure: Exception
) -> None:
    def failing_fetch(url: str, timeout_seconds: float) -> Mapping[str, Any]:
        raise failure

    verifier = CognitoIdentityVerifier(SETTINGS, clock, failing_fetch)

    error = assert_refused(verifier.verify, signed_by(pool_key, id_claims(clock)))

    assert "unavailable" in str(error)


@pytest.mark.parametrize("document", [{}, {"keys": "none"}, {"keys": None}, {"jwks": []}], ids=repr)
def test_a_document_that_is_not_a_jwks_refuses_the_token(
    clock: FakeClock, pool_key: rsa.RSAPrivateKey, document: dict[str, Any]
) -> None:
    verifier = CognitoIdentityVerifier(SETTINGS, clock, CountingFetch(document))

    assert_refused(verifier.verify, signed_by(pool_key, id_claims(clock)))


def test_a_fetch_recovers_after_the_refetch_interval(
    clock: FakeClock, pool: DevIdentityProvider, pool_key: rsa.RSAPrivateKey
) -> None:
    fetch = CountingFetch({"keys": []})
    verifier = CognitoIdentityVerifier(SETTINGS, clock, fetch)
    assert_refused(verifier.verify, signed_by(pool_key, id_claims(clock)))

    fetch.document = pool.jwks()
    clock.advance(61)

    assert verifier.verify(signed_by(pool_key, id_claims(clock))).subject == "5f1c-user"


@pytest.mark.parametrize(
    "change",
    [{"kty": "EC"}, {"alg": "RS512"}, {"use": "enc"}, {"n": "AQAB"}, {"e": "AQ+B"}],
    ids=lambda change: next(iter(change)),
)
def test_a_jwks_entry_unfit_for_rs256_signatures_is_ignored(
    clock: FakeClock,
    pool: DevIdentityProvider,
    pool_key: rsa.RSAPrivateKey,
    change: dict[str, str],
) -> None:
    entry = {**pool.jwks()["keys"][0], **change}
    verifier = CognitoIdentityVerifier(SETTINGS, clock, CountingFetch({"keys": [entry]}))

    error = assert_refused(verifier.verify, signed_by(pool_key, id_claims(clock)))

    assert "unknown signing key" in str(error)


def test_refusals_never_raise_anything_but_invalid_token(
    verifier: CognitoIdentityVerifier, clock: FakeClock, pool_key: rsa.RSAPrivateKey
) -> None:
    odd_claims: list[dict[str, Any]] = [
        id_claims(clock, exp="tomorrow"),
        id_claims(clock, iat=[1]),
        id_claims(clock, email=["a@b"]),
        id_claims(clock, sub={"id": 1}),
    ]
    for claims in odd_claims:
        with pytest.raises(InvalidToken):
            verifier.verify(signed_by(pool_key, claims))
