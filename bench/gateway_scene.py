"""What part 6 stands on: our gateway's process, the moto tables, and the scene (a market,
an investible and one member per client) with a token per gateway for each member.

The scene is made through our gateway's own sign-in flow. A second instance of our gateway
has its own embedded SSM (so its own secret): its members sign in to the market again.
serverless-offline's functions read the secret the benchmark put in the moto server's SSM,
so tokens for the same members are signed with it here.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

from bench.aws import FAKE_AWS, KEY_ID, SECRET, MotoServer
from bench.paths import GATEWAY_CLI, ROOT

STAGE = "dev"
ISSUER = "market-api-dev"


@dataclass
class Member:
    """One client's caller: a member of the market, with a token per gateway."""

    user_id: str
    tokens: dict[str, str]
    quantity: int = 0


@dataclass
class Scene:
    market_id: str
    investible_id: str
    members: list[Member]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def our_gateway(endpoint: str, state: Path, authorizer_ttl: float | None) -> Iterator[str]:
    """`market-api serve` on a free port, its DynamoDB on the moto server."""
    if not GATEWAY_CLI.exists():
        raise RuntimeError(f"{GATEWAY_CLI} not found: `make venv` installs the local gateway")
    argv = [
        str(GATEWAY_CLI),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--stage",
        STAGE,
        "--state-dir",
        str(state),
        "--dynamodb-endpoint",
        endpoint,
        "--no-reload",
        "--no-schedules",
        "--no-streams",
        "--throttle-rate",
        "1000000",
        "--throttle-burst",
        "1000000",
        "--quota",
        "1000000000",
    ]
    if authorizer_ttl is not None:
        argv += ["--authorizer-ttl", str(authorizer_ttl)]
    environment = {**os.environ, **FAKE_AWS}
    environment.pop("AWS_ENDPOINT_URL", None)
    process = subprocess.Popen(
        argv, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    lines: list[str] = []
    url = ""
    for line in process.stdout:
        lines.append(line)
        found = re.search(r"listening on (http://\S+)", line)
        if found:
            url = found.group(1)
            break
    if not url:
        process.wait()
        raise RuntimeError("the local gateway did not start:\n" + "".join(lines[-40:]))
    drain = threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True)  # type: ignore[union-attr]
    drain.start()
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _post(url: str, path: str, body: object, token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = token
    request = Request(url + path, data=json.dumps(body).encode(), headers=headers, method="POST")
    with urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())


def _id_token(state: Path, email: str) -> str:
    done = subprocess.run(
        [str(GATEWAY_CLI), "id-token", email, "--state-dir", str(state)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def make_scene(url: str, state: Path, clients: int) -> Scene:
    """A market, an investible and a member per client, through our gateway's own flows."""
    account = _post(url, "/sso/cognito", {"id_token": _id_token(state, "admin@bench.example")})
    created = _post(
        url, "/create", {"market_type": "INITIATIVE", "name": "Bench"}, account["uclusion_token"]
    )
    admin = created["token"]
    investible = _post(url, "/investibles/create", {"name": "Tacos"}, admin)["investible"]["id"]
    members = []
    for n in range(clients):
        joined = _post(
            url,
            "/sso/cognito",
            {
                "id_token": _id_token(state, f"client{n}@bench.example"),
                "market_token": created["market"]["invite_capability"],
            },
        )
        members.append(Member(joined["user"]["id"], {"ours": joined["uclusion_token"]}))
    return Scene(created["market"]["id"], investible, members)


def sign_for_offline(scene: Scene) -> None:
    """Tokens for the same members, signed with the secret in the moto server's SSM."""
    from adapters.tokens.capability import JwtCapabilityTokens
    from ports.clock import SystemClock
    from ports.config import CapabilitySettings, SigningSecret
    from ports.tokens import Capability, TokenType

    settings = CapabilitySettings(ISSUER, SigningSecret(KEY_ID, SECRET.encode()), None)
    tokens = JwtCapabilityTokens(settings, SystemClock())
    for member in scene.members:
        capability = Capability(member.user_id, TokenType.MARKET, market_id=scene.market_id)
        member.tokens["offline"] = tokens.issue(capability)


def tables_without_streams(moto: MotoServer) -> None:
    """The deployment's tables, but no streams: moto copies a whole table, its stream
    records included, for every item of a transaction, which would make the write route
    measure moto's stream more than either gateway. Neither gateway reads the streams here."""
    from adapters.deployment.spec import load_spec
    from adapters.deployment.tables import create_table_request

    client = moto.client("dynamodb")
    for table in load_spec(stage=STAGE, region="us-east-1").tables.values():
        request = create_table_request(table)
        request.pop("StreamSpecification", None)
        client.create_table(**request)


def login(url: str, state: Path, scene: Scene, key: str) -> None:
    """Market tokens from another instance of our gateway (its own SSM secret)."""
    for n, member in enumerate(scene.members):
        answer = _post(
            url,
            "/sso/cognito",
            {
                "id_token": _id_token(state, f"client{n}@bench.example"),
                "market_id": scene.market_id,
            },
        )
        member.tokens[key] = answer["uclusion_token"]
