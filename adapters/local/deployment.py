"""What the local gateway takes from the deployment spec: routes, functions, authorizers,
gateway responses, the usage plan, stream triggers, schedules and the environment."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from adapters.deployment.model import DeploymentSpec, FunctionSpec, HttpEvent
from adapters.local.functions import FunctionDef
from adapters.local.gateway_responses import Customisation
from adapters.local.routing import Authorizer, Cors, Route
from adapters.local.schedules import Schedule
from adapters.local.streams import StreamTrigger
from adapters.local.usage import UsageLimits

logger = logging.getLogger("local_gateway")

DEFAULT_TIMEOUT_SECONDS = 6
DEFAULT_MEMORY_MB = 1024
_HEADER_SOURCE = "method.request.header."


def functions(spec: DeploymentSpec) -> dict[str, FunctionDef]:
    """Every function with its handler, timeout and memory (provider defaults applied)."""
    provider = spec.document.get("provider") or {}
    timeout = provider.get("timeout") or DEFAULT_TIMEOUT_SECONDS
    memory = provider.get("memorySize") or DEFAULT_MEMORY_MB
    return {
        name: FunctionDef(
            name,
            function.handler,
            float(function.timeout or timeout),
            int(function.memory_size or memory),
        )
        for name, function in spec.functions.items()
    }


def routes(spec: DeploymentSpec, authorizer_ttl: float | None = None) -> list[Route]:
    """The HTTP routes; `authorizer_ttl` replaces every authorizer's cache TTL."""
    return [_route(function, event, authorizer_ttl) for function, event in spec.routes]


def _route(function: FunctionSpec, event: HttpEvent, ttl: float | None) -> Route:
    authorizer = None
    if event.authorizer is not None:
        source = event.authorizer.identity_source
        if event.authorizer.type != "token" or not source.startswith(_HEADER_SOURCE):
            raise ValueError(f"{function.name}: only TOKEN authorizers on a header are supported")
        authorizer = Authorizer(
            function=event.authorizer.name,
            header=source[len(_HEADER_SOURCE) :],
            ttl_seconds=event.authorizer.result_ttl_seconds if ttl is None else ttl,
        )
    cors = None
    if event.cors is not None:
        cors = Cors(
            origins=event.cors.origins or ("*",),
            headers=event.cors.headers,
            allow_credentials=event.cors.allow_credentials,
            max_age=event.cors.max_age,
        )
    return Route(event.method, event.path, function.name, authorizer, event.private, cors)


def gateway_responses(spec: DeploymentSpec) -> dict[str, Customisation]:
    """The API's GatewayResponse resources, by response type."""
    found = {}
    for resource in (spec.resources.get("Resources") or {}).values():
        if isinstance(resource, Mapping) and resource.get("Type") == (
            "AWS::ApiGateway::GatewayResponse"
        ):
            properties = resource.get("Properties") or {}
            found[str(properties.get("ResponseType"))] = Customisation.from_properties(properties)
    return found


def usage_limits(
    spec: DeploymentSpec,
    rate: float | None = None,
    burst: int | None = None,
    quota: int | None = None,
) -> UsageLimits:
    """The first usage plan's limits, with any of them replaced."""
    plan = spec.usage_plans[0] if spec.usage_plans else None
    return UsageLimits(
        rate=rate if rate is not None else (plan.throttle_rate_limit if plan else None),
        burst=burst if burst is not None else (plan.throttle_burst_limit if plan else None),
        quota=quota if quota is not None else (plan.quota_limit if plan else None),
        period=(plan.quota_period if plan and plan.quota_period else "DAY").upper(),
    )


def stream_triggers(spec: DeploymentSpec) -> list[StreamTrigger]:
    """The enabled DynamoDB stream triggers, with the deployed name of their table."""
    triggers = []
    for function in spec.functions.values():
        for event in function.streams:
            if not event.enabled or event.type != "dynamodb" or event.table is None:
                continue
            triggers.append(
                StreamTrigger(
                    function=function.name,
                    table=spec.table(event.table).name,
                    batch_size=event.batch_size,
                    maximum_retry_attempts=_or_minus_one(event.maximum_retry_attempts),
                    bisect_on_error=event.bisect_batch_on_function_error,
                    report_batch_item_failures=(
                        event.function_response_type == "ReportBatchItemFailures"
                    ),
                    maximum_record_age_seconds=_or_minus_one(event.maximum_record_age_seconds),
                    starting_position=event.starting_position,
                    destination=_destination(event.on_failure),
                )
            )
    return triggers


def schedules(spec: DeploymentSpec) -> list[Schedule]:
    """Every schedule expression of every function."""
    return [
        Schedule(function.name, expression, event.enabled, event.input)
        for function in spec.functions.values()
        for event in function.schedules
        for expression in event.rates
    ]


def environment(spec: DeploymentSpec) -> dict[str, str]:
    """The functions' environment. They share one process here, so a variable that differs
    between functions keeps the provider's value (and a warning says so)."""
    merged = dict(spec.environment)
    for function in spec.functions.values():
        for name, value in function.environment.items():
            if name in merged and merged[name] != value and name in spec.environment:
                logger.warning("%s differs for %s; the provider's is used", name, function.name)
                continue
            merged.setdefault(name, value)
    return merged


def _or_minus_one(value: int | None) -> int:
    return -1 if value is None else int(value)


def _destination(declared: Any) -> str | None:
    if isinstance(declared, Mapping):
        arn = declared.get("arn")
        if isinstance(arn, Mapping) and "Fn::GetAtt" in arn:
            return str(arn["Fn::GetAtt"][0])
        return None if arn is None else str(arn)
    return None if declared is None else str(declared)
