"""Part 6: the local gateway against serverless-offline 13, on the same handlers.

Both serve deploy/serverless.yml's routes with the real authorizer in front, and both keep
their DynamoDB tables on the same moto server (bench/gateway_scene.py). Ours runs its
functions in its own process (`market-api serve --dynamodb-endpoint`, its SSM embedded);
serverless-offline runs each in a Python child process of .venv-runtime, reading SSM from
the moto server (bench/offline.py).

Each client thread keeps one connection open and sends requests back to back. With several
clients the figure is throughput; with one, the time of a request with nothing queued
behind another (moto answers one request at a time). A warm-up first lets every function
instance start (serverless-offline starts one per concurrent request). Our gateway caches
the authorizer's answer per token for the TTL of the config, as API Gateway does;
serverless-offline runs the authorizer on every request, so ours is also measured with the
cache off (`--authorizer-ttl 0`).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import loadgen, offline
from bench.aws import MotoServer
from bench.gateway_scene import (
    STAGE,
    Scene,
    free_port,
    login,
    make_scene,
    our_gateway,
    sign_for_offline,
    tables_without_streams,
)

ROUTES = ("GET /get", "POST /invest")
OURS = "local gateway"
OURS_NO_CACHE = "local gateway, no authorizer cache"
OFFLINE = f"serverless-offline {offline.VERSION}"


@dataclass(frozen=True)
class RouteLoad:
    """A gateway's figures on a route, with `clients` clients at once."""

    gateway: str
    route: str
    clients: int
    load: loadgen.Load


def _route(scene: Scene, gateway: str, route: str) -> tuple[loadgen.NextRequest, loadgen.OnAnswer]:
    def next_request(client: int) -> loadgen.Request:
        member = scene.members[client]
        headers = {"Authorization": member.tokens[gateway]}
        if route == "GET /get":
            return "GET", "/get", headers, None
        quantity = 2 if member.quantity == 1 else 1
        body = {
            "investible_id": scene.investible_id,
            "quantity": quantity,
            "former_quantity": member.quantity,
        }
        headers["Content-Type"] = "application/json"
        return "POST", "/invest", headers, json.dumps(body).encode()

    def on_answer(client: int, status: int, payload: bytes) -> None:
        if route == "GET /get":
            return
        member = scene.members[client]
        try:
            answer = json.loads(payload)
        except ValueError:
            return
        if status == 200:
            member.quantity = int(answer["quantity"])
        elif status == 409 and "current_quantity" in answer:
            member.quantity = int(answer["current_quantity"])

    return next_request, on_answer


def _merge(into: loadgen.Load | None, load: loadgen.Load) -> loadgen.Load:
    if into is None:
        return load
    into.latencies += load.latencies
    into.statuses.update(load.statuses)
    into.errors += load.errors
    into.seconds += load.seconds
    return into


def measure(
    clients: int, seconds: float, warm_up: int, progress: Callable[[str], None], rounds: int = 3
) -> list[RouteLoad]:
    """The three gateways run side by side on one moto server. Each route is measured with
    `clients` clients, then with one, in `rounds` turns where the gateways take turns in a
    rotating order, so that the tables grow alike under each of them."""
    offline.install(progress)
    offline.prepare_service()
    with MotoServer() as moto, tempfile.TemporaryDirectory(prefix="market-api-gw-") as temporary:
        tables_without_streams(moto)
        moto.prepare(STAGE)
        first, second = Path(temporary) / "a", Path(temporary) / "b"
        with (
            our_gateway(moto.url, first, None) as ours,
            our_gateway(moto.url, second, 0.0) as no_cache,
            offline.Offline(moto.url, free_port(), free_port(), STAGE) as theirs,
        ):
            scene = make_scene(ours, first, clients)
            login(no_cache, second, scene, "no cache")
            sign_for_offline(scene)
            targets = [
                (OURS, ours, "ours"),
                (OURS_NO_CACHE, no_cache, "no cache"),
                (OFFLINE, theirs.url, "offline"),
            ]
            loads: dict[tuple[str, str, int], loadgen.Load] = {}
            for route in ROUTES:
                for count in (clients, 1):
                    for turn in range(rounds):
                        for label, url, key in targets[turn % 3 :] + targets[: turn % 3]:
                            requests, answers = _route(scene, key, route)
                            first_turn = turn == 0 and count == clients
                            load = loadgen.run(
                                url,
                                requests,
                                answers,
                                count,
                                seconds / rounds,
                                warm_up if first_turn else 1,
                            )
                            loads[(label, route, count)] = _merge(
                                loads.get((label, route, count)), load
                            )
                    for label, _, _ in targets:
                        found = loads[(label, route, count)]
                        progress(
                            f"gateway: {label}, {route}, {count} client(s): "
                            f"{found.per_second:.0f}/s, p50 {found.p50 * 1000:.1f} ms"
                        )
    return [RouteLoad(label, route, count, load) for (label, route, count), load in loads.items()]
