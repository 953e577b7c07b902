"""Part 2: the warm overhead of the API frame, per invocation, on the in-memory store.

For `POST /invest` (update_investment) and `GET /get` (get_market), four things are timed
in the same process, interleaved, over batches of fresh events (a new request id each, as
the gateway sends): our handler; the service call alone; Powertools' REST resolver with
validation on, routing to the same service with the same model; and a floor that only
parses the body, validates it with the model and writes a JSON answer. Overhead is a
handler's time less the service's. A batch's mean is one sample; each way's figure is its
fastest sample, the one least disturbed by the machine's other work (as `timeit` advises):
on this shared machine the load changes within a run, and medians taken apart then drift
apart, so that a difference of two of them can come out below the floor.
"""

from __future__ import annotations

import gc
import json
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.quiet import quiet_logs


@dataclass
class RouteFigures:
    """Seconds per invocation, one sample per batch, for each way of serving the route."""

    route: str
    samples: dict[str, list[float]] = field(default_factory=dict)

    def best(self, name: str) -> float:
        """The fastest batch of one way of serving the route."""
        return min(self.samples[name])

    @property
    def ours_overhead(self) -> float:
        return self.best("ours") - self.best("service")

    @property
    def powertools_overhead(self) -> float:
        return self.best("powertools") - self.best("service")

    @property
    def ratio(self) -> float:
        return self.ours_overhead / self.powertools_overhead

    @property
    def disturbed(self) -> bool:
        """Whether the figures cannot be right: our frame does at least what the floor does
        (parse, validate, answer JSON), so an overhead under the floor's time means the
        machine's load moved between the samples, not that the frame got cheaper."""
        return self.ours_overhead < self.best("floor")


@dataclass
class Scene:
    """A decision market with an investible and a member, on the in-memory store."""

    context: dict[str, Any]
    user_id: str
    market_id: str
    investible_id: str
    quantity: int = 0
    answer: Any = None


def _timed(call: Callable[[Any], Any], inputs: Sequence[Any]) -> tuple[float, list[Any]]:
    gc.collect()
    started = time.perf_counter()
    results = [call(item) for item in inputs]
    return (time.perf_counter() - started) / len(inputs), results


def _scene(api: Any) -> Scene:
    from tests.support.events import gateway_context

    created = api.create_market("admin@bench.example")
    invite = created["market"]["invite_capability"]
    member = api.join("member@bench.example", invite)["uclusion_token"]
    investible = api.create_investible(created["token"])["investible"]["id"]
    context = gateway_context(api.authorize(member, "POST", "/invest"))
    return Scene(context, context["user_id"], context["market_id"], investible)


def _stakes(scene: Scene, count: int) -> list[tuple[int, int]]:
    """(quantity, former quantity) pairs that each replace the investment before them."""
    pairs = []
    for _ in range(count):
        quantity = 7 if scene.quantity == 6 else 6
        pairs.append((quantity, scene.quantity))
        scene.quantity = quantity
    return pairs


def _invest_events(scene: Scene, count: int) -> list[dict[str, Any]]:
    from tests.support.events import api_event

    return [
        api_event(
            "POST",
            "/invest",
            body={"investible_id": scene.investible_id, "quantity": q, "former_quantity": f},
            authorizer=scene.context,
        )
        for q, f in _stakes(scene, count)
    ]


def _get_events(scene: Scene, count: int) -> list[dict[str, Any]]:
    from tests.support.events import api_event

    return [api_event("GET", "/get", authorizer=scene.context) for _ in range(count)]


def _ok(results: list[dict[str, Any]], label: str) -> None:
    bad = [r for r in results if r.get("statusCode") != 200]
    if bad:
        raise RuntimeError(f"{label}: {len(bad)} answers were not 200, e.g. {bad[0]}")


def _invest_variants(scene: Scene, count: int) -> dict[str, Callable[[], float]]:
    from adapters.aws_lambda import update_investment
    from adapters.aws_lambda.schemas.markets import Invest
    from bench import powertools_app
    from bench.powertools_app import invest_body

    def ours() -> float:
        seconds, results = _timed(
            lambda e: update_investment.handler(e, None), _invest_events(scene, count)
        )
        _ok(results, "update_investment")
        return seconds

    def powertools() -> float:
        seconds, results = _timed(powertools_app.handler, _invest_events(scene, count))
        _ok(results, "powertools /invest")
        return seconds

    def service() -> float:
        calls = [
            (
                Invest(investible_id=scene.investible_id, quantity=q, former_quantity=f),
                str(uuid.uuid4()),
            )
            for q, f in _stakes(scene, count)
        ]
        seconds, answers = _timed(lambda c: invest_body(scene.user_id, scene.market_id, *c), calls)
        scene.answer = answers[-1]
        return seconds

    def floor() -> float:
        before = scene.quantity
        bodies = [e["body"] for e in _invest_events(scene, count)]
        scene.quantity = before  # those events are never sent
        answer = scene.answer
        seconds, _ = _timed(
            lambda b: (Invest.model_validate(json.loads(b)), json.dumps(answer))[1], bodies
        )
        return seconds

    return {"ours": ours, "powertools": powertools, "service": service, "floor": floor}


def _get_variants(scene: Scene, count: int) -> dict[str, Callable[[], float]]:
    from adapters.aws_lambda import get_market
    from adapters.aws_lambda.api import NoBody
    from bench import powertools_app
    from bench.powertools_app import get_body

    def ours() -> float:
        seconds, results = _timed(lambda e: get_market.handler(e, None), _get_events(scene, count))
        _ok(results, "get_market")
        return seconds

    def powertools() -> float:
        seconds, results = _timed(powertools_app.handler, _get_events(scene, count))
        _ok(results, "powertools /get")
        return seconds

    def service() -> float:
        seconds, answers = _timed(lambda _: get_body(scene.user_id, scene.market_id), range(count))
        scene.answer = answers[-1]
        return seconds

    def floor() -> float:
        answer = scene.answer
        seconds, _ = _timed(
            lambda _: (NoBody.model_validate({}), json.dumps(answer))[1], range(count)
        )
        return seconds

    return {"ours": ours, "powertools": powertools, "service": service, "floor": floor}


def measure(iterations: int, repeats: int, progress: Callable[[str], None]) -> list[RouteFigures]:
    """`repeats` rounds, each on a fresh in-memory store (so that its growth, and the
    garbage collector's work on it, stays the same from round to round), timing a batch of
    `iterations` invocations of each way of serving each route, in an order that rotates."""
    from adapters.memory import MemoryStore
    from tests.support.harness import wired

    figures = {
        "invest": RouteFigures("POST /invest (update_investment)"),
        "get": RouteFigures("GET /get (get_market)"),
    }
    with quiet_logs():
        for repeat in range(repeats + 1):
            with wired(MemoryStore()) as api:
                scene = _scene(api)
                batches = {
                    "invest": _invest_variants(scene, iterations),
                    "get": _get_variants(scene, iterations),
                }
                for route, variants in batches.items():
                    variants["service"]()  # the floor answers what the service answered
                    names = list(variants)
                    names = names[repeat % len(names) :] + names[: repeat % len(names)]
                    for name in names:
                        seconds = variants[name]()
                        if repeat:  # the first round warms every path up
                            figures[route].samples.setdefault(name, []).append(seconds)
            if repeat:
                progress(f"warm overhead: round {repeat}/{repeats}")
    return list(figures.values())
