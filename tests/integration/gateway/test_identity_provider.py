"""The development identity provider: one key across restarts, its JWKS, and id-token."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from adapters.local.idp import KEY_FILE, load_provider
from tests.integration.gateway.running import ROOT, Client, RunningGateway, command


def test_the_key_is_made_once_kept_private_and_reused(tmp_path: Path) -> None:
    first = load_provider(tmp_path)
    second = load_provider(tmp_path)

    assert first.key_id == second.key_id
    assert (tmp_path / KEY_FILE).stat().st_mode & 0o077 == 0


@pytest.mark.aws
def test_the_gateway_publishes_the_providers_keys(gateway: RunningGateway, client: Client) -> None:
    reply = client.request("GET", "/.well-known/jwks.json")

    assert reply.status == 200
    assert [key["kid"] for key in reply.json["keys"]] == [load_provider(gateway.state_dir).key_id]


@pytest.mark.aws
def test_the_id_token_command_signs_in_through_the_production_verification(
    gateway: RunningGateway, client: Client
) -> None:
    arguments = ["id-token", "cli-user@example.com", "--name", "Cli User"]
    printed = subprocess.run(
        [*command(), *arguments, "--state-dir", str(gateway.state_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    token = printed.stdout.strip()

    reply = client.request("POST", "/sso/cognito", {"id_token": token})

    assert reply.status == 200
    assert reply.json["user"]["email"] == "cli-user@example.com"
    assert reply.json["user"]["name"] == "Cli User"


@pytest.mark.aws
def test_a_token_of_another_key_is_refused(client: Client, tmp_path: Path) -> None:
    from adapters.local.idp import id_token

    stranger = id_token(load_provider(tmp_path), "mallory@example.com")

    reply = client.request("POST", "/sso/cognito", {"id_token": stranger})

    assert reply.status == 401
