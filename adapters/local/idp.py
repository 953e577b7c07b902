"""The development identity provider: one RSA key kept in the state folder across restarts,
Cognito-shaped ID tokens, and the issuer and audience the local functions trust."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from adapters.tokens.dev_identity import DevIdentityProvider

ISSUER = "https://idp.market-api.invalid/local"
AUDIENCE = "market-api-local"
KEY_FILE = "dev-idp.pem"
JWKS_PATH = "/.well-known/jwks.json"

_lock = threading.Lock()


def load_provider(state_dir: Path) -> DevIdentityProvider:
    """The provider whose key is in `state_dir`, made (and saved, owner-only) on first use."""
    path = state_dir / KEY_FILE
    with _lock:
        if path.exists():
            return DevIdentityProvider.from_pem(path.read_bytes())
        provider = DevIdentityProvider.generate()
        state_dir.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(provider.private_pem())
        try:
            os.link(temporary, path)  # atomic, and never replaces a key another process made
        except FileExistsError:
            provider = DevIdentityProvider.from_pem(path.read_bytes())
        finally:
            temporary.unlink()
        return provider


def id_token(provider: DevIdentityProvider, email: str, name: str | None = None) -> str:
    """An ID token for `email` that the local functions accept."""
    return provider.issue(email, name or email.split("@")[0], audience=AUDIENCE, issuer=ISSUER)
