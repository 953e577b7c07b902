"""The local gateway put together from deploy/serverless.yml: the server, the API pipeline,
the backend (embedded moto by default), stream pollers, schedules and the identity provider."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.deployment.spec import ROOT, load_spec
from adapters.local import control, deployment, terminal
from adapters.local.authorizer import AuthorizerCache, TokenAuthorizer
from adapters.local.embedded import LocalAws
from adapters.local.events import ACCOUNT_ID, HttpRequest, Stage, new_request_id
from adapters.local.functions import FunctionRuntime
from adapters.local.gateway import Gateway, GatewaySettings
from adapters.local.gateway_responses import GatewayResponses
from adapters.local.idp import AUDIENCE, ISSUER, JWKS_PATH, load_provider
from adapters.local.proxy import Answer
from adapters.local.reload import Reloader, SourceWatcher
from adapters.local.routing import RouteTable
from adapters.local.schedules import Schedule, Scheduler, scheduled_event
from adapters.local.server import GatewayServer
from adapters.local.stream_poller import FailureLog, StreamPoller, invoker
from adapters.local.stream_source import DynamoStreamSource
from adapters.local.usage import UsagePlan


@dataclass(frozen=True)
class ServeOptions:
    """Everything `market-api serve` can be told."""

    host: str = "127.0.0.1"
    port: int = 3000
    stage: str = "dev"
    region: str = "us-east-1"
    spec_path: Path = ROOT / "deploy" / "serverless.yml"
    state_dir: Path = Path(".local")
    dynamodb_endpoint: str | None = None
    aws: bool = False
    authorizer_ttl: float | None = None
    throttle_rate: float | None = None
    throttle_burst: int | None = None
    quota: int | None = None
    integration_timeout: float = 29.0
    trust_request_id_header: bool = False
    test_controls: bool = False
    reload: bool = True
    reload_interval: float = 0.25
    schedules: bool = True
    streams: bool = True
    stream_poll_interval: float = 0.25
    function_logs: bool = False


class LocalGateway:
    """`start()` binds the port, prepares the backend and starts every background loop."""

    def __init__(self, options: ServeOptions) -> None:
        self.options = options
        self.spec = load_spec(options.spec_path, options.stage, options.region)
        self.identity = load_provider(options.state_dir)
        self.failures = FailureLog(options.state_dir / "failures.jsonl")
        self.aws = LocalAws(options.region, options.dynamodb_endpoint, options.aws)
        self.server = GatewayServer((options.host, options.port), self.handle, self.refuse)
        self.poller: StreamPoller | None = None
        self.scheduler: Scheduler | None = None
        self.reloader: Reloader | None = None
        self.gateway: Gateway = None  # type: ignore[assignment]  # made in start()
        self.on_demand_runs: dict[str, int] = {}
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL clients use (a wildcard host is reached on 127.0.0.1)."""
        host = self.options.host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        return f"http://{host}:{self.server.port}"

    def start(self) -> None:
        """Make everything ready and serve on a background thread."""
        options = self.options
        terminal.route_function_logs(options.state_dir, options.function_logs)
        environment = {
            **deployment.environment(self.spec),
            "IDENTITY_ISSUER": ISSUER,
            "IDENTITY_AUDIENCE": AUDIENCE,
            "IDENTITY_JWKS_URL": self.url + JWKS_PATH,
        }
        os.environ.pop("DYNAMODB_ENDPOINT_URL", None)
        if options.dynamodb_endpoint:
            environment["DYNAMODB_ENDPOINT_URL"] = options.dynamodb_endpoint
        os.environ.update(environment)
        self.aws.start()
        api_keys = self.aws.prepare(self.spec, environment)

        runtime = self._runtime()
        limits = deployment.usage_limits(
            self.spec, options.throttle_rate, options.throttle_burst, options.quota
        )
        self.gateway = Gateway(
            Stage(options.stage, options.region),
            RouteTable(deployment.routes(self.spec, options.authorizer_ttl)),
            runtime,
            TokenAuthorizer(runtime, AuthorizerCache()),
            UsagePlan(api_keys, limits),
            GatewayResponses(deployment.gateway_responses(self.spec)),
            GatewaySettings(
                integration_timeout=options.integration_timeout,
                trust_request_id_header=options.trust_request_id_header,
                api_key_source=(self.spec.api_key_source_type or "HEADER").upper(),
            ),
        )
        if options.streams:
            self._start_streams()
        if options.schedules:
            self.scheduler = Scheduler(deployment.schedules(self.spec), self._fire)
            self.scheduler.start()
        self._thread = threading.Thread(
            target=self.server.serve_forever, name="gateway", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and every background loop."""
        if self._thread is not None:
            self.server.shutdown()  # waits for serve_forever, which only runs once started
        self.server.server_close()
        if self.poller is not None:
            self.poller.stop()
        if self.scheduler is not None:
            self.scheduler.stop()
        self.aws.stop()

    def wait(self) -> None:
        """Block until the server stops."""
        if self._thread is not None:
            self._thread.join()

    def handle(self, request: HttpRequest) -> Answer:
        """A request: one of the gateway's own endpoints, or the API."""
        return control.handle(self, request) or self.gateway.handle(request)

    def refuse(self, status: int, message: str) -> Answer:
        """The answer to a request the HTTP server could not read."""
        return self.gateway.unreadable(status, message)

    # What the control endpoints read and change.

    def stats(self) -> dict[str, Any]:
        """Counters of requests, the authorizer cache, functions, usage and backend."""
        gateway = self.gateway
        return {
            "requests": gateway.requests,
            "authorizer": gateway.authorizer.stats(),
            "functions": gateway.runtime.stats(),
            "usage_plan": gateway.usage.stats(),
            "reloads": self.reloader.reloads if self.reloader else 0,
            "backend": {
                "mode": self.aws.mode,
                "throttled": self.aws.gate.throttled if self.aws.gate else 0,
            },
        }

    def stream_stats(self) -> list[dict[str, Any]]:
        """Positions, counts and lag of every stream mapping."""
        return self.poller.stats() if self.poller else []

    def drain(self, timeout: float) -> bool:
        """Wait until the streams have caught up with every write so far."""
        return self.poller.drain(timeout) if self.poller else True

    def schedule_stats(self) -> dict[str, Any]:
        """The schedules, when each fires next, and how often each ran."""
        scheduler = self.scheduler
        return {
            "schedules": [
                {"function": s.function, "expression": s.expression, "enabled": s.enabled}
                for s in deployment.schedules(self.spec)
            ],
            "next": scheduler.next_runs() if scheduler else {},
            "timer_runs": dict(scheduler.runs) if scheduler else {},
            "on_demand_runs": dict(self.on_demand_runs),
        }

    def run_schedule(self, function: str) -> dict[str, Any] | None:
        """Run a function's schedule now; None when it has none."""
        found = [s for s in deployment.schedules(self.spec) if s.function == function]
        schedule = found[0] if found else None
        if schedule is None:
            return None
        self.on_demand_runs[function] = self.on_demand_runs.get(function, 0) + 1
        done = self._fire(schedule)
        error = None if done.error is None else f"{type(done.error).__name__}: {done.error}"
        return {"function": function, "result": done.result, "error": error, "cold": done.cold}

    def faults(self) -> dict[str, Any]:
        """The local faults in force."""
        runtime = self.gateway.runtime
        return {
            "dynamodb_throttle_rate": self.aws.gate.dynamodb_throttle_rate if self.aws.gate else 0,
            "function_delay_ms": dict(runtime.faults.delay_ms),
            "function_errors": sorted(runtime.faults.errors),
        }

    def set_faults(self, document: dict[str, Any]) -> dict[str, Any]:
        """Change the local faults; raises ValueError for an unusable document."""
        runtime = self.gateway.runtime
        known = set(runtime.functions)
        if "dynamodb_throttle_rate" in document and self.aws.gate is not None:
            rate = float(document["dynamodb_throttle_rate"])
            if not 0.0 <= rate <= 1.0:
                raise ValueError("dynamodb_throttle_rate is between 0 and 1")
            self.aws.gate.dynamodb_throttle_rate = rate
        if "function_delay_ms" in document:
            delays = {str(k): float(v) for k, v in dict(document["function_delay_ms"]).items()}
            _known(delays, known)
            runtime.faults.delay_ms = delays
        if "function_errors" in document:
            errors = {str(name) for name in document["function_errors"]}
            _known(errors, known)
            runtime.faults.errors = errors
        return self.faults()

    def change_usage_plan(self, document: dict[str, Any]) -> dict[str, Any]:
        """New usage plan limits (`reset` starts from the spec's), counters zeroed."""
        usage = self.gateway.usage
        changes = {k: document[k] for k in ("rate", "burst", "quota") if k in document}
        if document.get("reset"):
            spec_limits = deployment.usage_limits(self.spec)
            usage.change(spec_limits.with_changes(**changes))
        else:
            usage.change(usage.limits.with_changes(**changes))
        return usage.stats()

    # Assembly.

    def _runtime(self) -> FunctionRuntime:
        runtime = FunctionRuntime(deployment.functions(self.spec), self.options.region)
        if self.options.reload:
            watcher = SourceWatcher(ROOT, interval=self.options.reload_interval)
            self.reloader = Reloader(watcher, runtime.while_idle, runtime.forget)
            runtime.before_invoke = self.reloader.check
        return runtime

    def _start_streams(self) -> None:
        mappings = []
        for trigger in deployment.stream_triggers(self.spec):
            arn = self.aws.stream_arn(trigger.table)
            if arn is None:
                continue
            source = DynamoStreamSource(
                self.aws.client("dynamodbstreams"),
                arn,
                trigger.starting_position,
                housekeeping=self.aws.trim_stream_iterators,
                fresh_iterators=self.aws.mode != "aws",
            )
            mappings.append((trigger, source))
        runtime = self.gateway.runtime
        self.poller = StreamPoller(
            mappings,
            lambda trigger: invoker(runtime, trigger.function),
            self.failures,
            self.options.stream_poll_interval,
        )
        self.poller.start()

    def _fire(self, schedule: Schedule) -> Any:
        event = (
            dict(schedule.input)
            if schedule.input
            else scheduled_event(schedule.function, self.options.region, ACCOUNT_ID)
        )
        return self.gateway.runtime.invoke(schedule.function, event, new_request_id())


def _known(names: Any, known: set[str]) -> None:
    unknown = set(names) - known
    if unknown:
        raise ValueError(f"no such functions: {sorted(unknown)}")
