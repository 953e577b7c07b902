"""Token verification works where `cryptography` is absent, as in the Lambda package."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from adapters.tokens.dev_identity import DevIdentityProvider

ROOT = Path(__file__).resolve().parents[3]

_LAMBDA_LIKE = """
import json, sys
sys.modules["cryptography"] = None  # as if it were not installed
from adapters.tokens.capability import JwtCapabilityTokens
from adapters.tokens.identity import CognitoIdentityVerifier
from ports.clock import SystemClock
from ports.config import CapabilitySettings, IdentitySettings, SigningSecret
from ports.tokens import Capability, TokenType

given = json.load(sys.stdin)
settings = IdentitySettings(issuer="dev", audience="local", jwks_url="http://unused")
verifier = CognitoIdentityVerifier(settings, SystemClock(), lambda url, timeout: given["jwks"])
identity = verifier.verify(given["id_token"])

secret = SigningSecret("k-1", b"s" * 32)
tokens = JwtCapabilityTokens(CapabilitySettings("api", secret, None), SystemClock())
account = tokens.verify(tokens.issue(Capability("u-1", TokenType.ACCOUNT)))

loaded = [name for name, module in sys.modules.items() if "cryptography" in name and module]
print(json.dumps({"email": identity.email, "user": account.user_id, "loaded": loaded}))
"""


def test_identity_and_capability_tokens_verify_without_cryptography() -> None:
    provider = DevIdentityProvider.generate()
    id_token = provider.issue(
        "ada@example.com", audience="local", issuer="dev", issued_at=datetime.now(UTC)
    )
    given = json.dumps({"jwks": provider.jwks(), "id_token": id_token})

    finished = subprocess.run(
        [sys.executable, "-c", _LAMBDA_LIKE],
        input=given,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )

    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout) == {
        "email": "ada@example.com",
        "user": "u-1",
        "loaded": [],
    }
