"""The default JWKS fetch goes over real HTTP with urllib, and never waits past its timeout."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from adapters.tokens.dev_identity import DevIdentityProvider
from adapters.tokens.identity import CognitoIdentityVerifier
from ports.config import IdentitySettings
from ports.tokens import InvalidToken
from tests.unit.tokens.support import FakeClock

ISSUER = "http://127.0.0.1/dev-pool"
AUDIENCE = "local-client"


class JwksServer:
    """A local HTTP server whose answer to every GET each test can choose."""

    def __init__(self) -> None:
        self.body = b"{}"
        self.status = 200
        self.delay_seconds = 0.0
        self.requests = 0
        self._release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                if server.delay_seconds:
                    server._release.wait(server.delay_seconds)
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}/dev-pool/.well-known/jwks.json"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._release.set()
        if self._thread.is_alive():
            self._http.shutdown()
        self._http.server_close()


@pytest.fixture
def server() -> Iterator[JwksServer]:
    running = JwksServer()
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def provider() -> DevIdentityProvider:
    return DevIdentityProvider.generate()


def verifier_for(
    url: str, clock: FakeClock, timeout_seconds: float = 2.0
) -> CognitoIdentityVerifier:
    settings = IdentitySettings(
        issuer=ISSUER, audience=AUDIENCE, jwks_url=url, jwks_timeout_seconds=timeout_seconds
    )
    return CognitoIdentityVerifier(settings, clock)


def token_from(provider: DevIdentityProvider, clock: FakeClock) -> str:
    return provider.issue(
        "grace@example.com", audience=AUDIENCE, issuer=ISSUER, issued_at=clock.now()
    )


def test_a_token_verifies_against_a_jwks_served_over_http(
    server: JwksServer, provider: DevIdentityProvider
) -> None:
    server.body = json.dumps(provider.jwks()).encode()
    clock = FakeClock()
    verifier = verifier_for(server.url, clock)

    identity = verifier.verify(token_from(provider, clock))

    assert identity.email == "grace@example.com"
    assert server.requests == 1


def test_a_slow_jwks_server_refuses_the_token_within_the_timeout(
    server: JwksServer, provider: DevIdentityProvider
) -> None:
    server.body = json.dumps(provider.jwks()).encode()
    server.delay_seconds = 5.0
    clock = FakeClock()
    verifier = verifier_for(server.url, clock, timeout_seconds=0.3)
    started = time.monotonic()

    with pytest.raises(InvalidToken, match="unavailable"):
        verifier.verify(token_from(provider, clock))

    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize(("status", "body"), [(500, b"{}"), (200, b"<html>"), (200, b"[1]")])
def test_a_broken_jwks_answer_refuses_the_token(
    server: JwksServer, provider: DevIdentityProvider, status: int, body: bytes
) -> None:
    server.status = status
    server.body = body
    clock = FakeClock()

    with pytest.raises(InvalidToken, match="unavailable"):
        verifier_for(server.url, clock).verify(token_from(provider, clock))


def test_a_jwks_url_that_is_not_http_is_never_opened(
    provider: DevIdentityProvider, tmp_path: Any
) -> None:
    local_file = tmp_path / "jwks.json"
    local_file.write_text(json.dumps(provider.jwks()))
    clock = FakeClock()

    with pytest.raises(InvalidToken, match="unavailable"):
        verifier_for(local_file.as_uri(), clock).verify(token_from(provider, clock))


def test_a_jwks_server_that_is_down_refuses_the_token(provider: DevIdentityProvider) -> None:
    unused = JwksServer()
    url = unused.url
    unused.stop()
    clock = FakeClock()

    with pytest.raises(InvalidToken, match="unavailable"):
        verifier_for(url, clock, timeout_seconds=0.5).verify(token_from(provider, clock))
