"""A development identity provider: Cognito-shaped ID tokens signed with a local RSA key.

For the local gateway and tests only. It imports `cryptography`, a development dependency
that the Lambda package does not ship, so no Lambda code path may import this module.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.api_jws import PyJWS

from adapters.tokens.rsa import ALGORITHM, RsaPublicKey

_SUBJECT_NAMESPACE = uuid.UUID("5d0f3c52-5a3e-4b8e-9a51-3f1d2c7e8b64")


class DevIdentityProvider:
    """Holds an RSA key, publishes its JWKS and signs ID tokens the way Cognito shapes them."""

    def __init__(self, private_key: rsa.RSAPrivateKey, key_id: str | None = None) -> None:
        numbers = private_key.public_key().public_numbers()
        self._private_key = private_key
        self._public_key = RsaPublicKey(modulus=numbers.n, exponent=numbers.e)
        self._key_id = key_id or _thumbprint(self._public_key)
        self._jws = PyJWS(algorithms=[ALGORITHM])

    @classmethod
    def generate(cls, key_size: int = 2048) -> DevIdentityProvider:
        """A provider with a fresh key, for one run of the local gateway or one test."""
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=key_size))

    @classmethod
    def from_pem(cls, pem: bytes | str, key_id: str | None = None) -> DevIdentityProvider:
        """A provider with the unencrypted PKCS#8 or PKCS#1 PEM key written by `private_pem`."""
        data = pem.encode("ascii") if isinstance(pem, str) else pem
        key = serialization.load_pem_private_key(data, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the development identity key must be an RSA key")
        return cls(key, key_id)

    @property
    def key_id(self) -> str:
        """The `kid` of the signing key: its RFC 7638 thumbprint unless one was given."""
        return self._key_id

    def private_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM, so a restart can keep the same key."""
        return self._private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def jwks(self) -> dict[str, Any]:
        """The JWKS document to serve at the provider's `jwks_url`."""
        key = {**self._public_key.to_jwk(), "kid": self._key_id, "alg": ALGORITHM, "use": "sig"}
        return {"keys": [key]}

    def issue(
        self,
        email: str,
        name: str | None = None,
        subject: str | None = None,
        lifetime_seconds: int = 3600,
        *,
        audience: str,
        issuer: str,
        issued_at: datetime | None = None,
    ) -> str:
        """A signed ID token for `email`.

        The subject defaults to a UUID derived from the email, so the same person gets the
        same subject across restarts. `issued_at` defaults to now.
        """
        issued = int((issued_at or datetime.now(UTC)).timestamp())
        claims: dict[str, Any] = {
            "sub": subject or str(uuid.uuid5(_SUBJECT_NAMESPACE, email.lower())),
            "aud": audience,
            "iss": issuer,
            "token_use": "id",
            "email": email,
            "email_verified": True,
            "cognito:username": email,
            "auth_time": issued,
            "iat": issued,
            "exp": issued + lifetime_seconds,
            "jti": str(uuid.uuid4()),
        }
        if name is not None:
            claims["name"] = name

        payload = json.dumps(claims, separators=(",", ":")).encode("utf-8")
        return self._jws.encode(
            payload, self._private_key, algorithm=ALGORITHM, headers={"kid": self._key_id}
        )


def _thumbprint(key: RsaPublicKey) -> str:
    """The RFC 7638 JWK thumbprint (SHA-256, base64url) of an RSA public key."""
    members = key.to_jwk()
    canonical = json.dumps(
        {"e": members["e"], "kty": "RSA", "n": members["n"]}, separators=(",", ":")
    )
    digest = hashlib.sha256(canonical.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
