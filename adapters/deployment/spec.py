"""`load_spec`: deploy/serverless.yml, resolved for a stage, as typed values.

The one reader of the deployment file for code: tests create their tables from it and the
local gateway takes routes, authorizers, usage plans, stream triggers and schedules from
it, so code and deployment cannot drift apart. Test and local use only (PyYAML).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from adapters.deployment.model import (
    ApiKeySpec,
    AuthorizerSpec,
    CorsSpec,
    DeploymentSpec,
    FunctionSpec,
    HttpEvent,
    ScheduleEvent,
    StreamEvent,
    TableSpec,
    UsagePlanSpec,
)
from adapters.deployment.variables import Resolver, as_text
from adapters.deployment.yaml_loader import load_yaml_file

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PATH = "deploy/serverless.yml"
# What Serverless allows when a route says only `cors: true`.
DEFAULT_CORS_HEADERS = (
    "Content-Type",
    "X-Amz-Date",
    "Authorization",
    "X-Api-Key",
    "X-Amz-Security-Token",
    "X-Amz-User-Agent",
)


def load_spec(
    path: str | Path = DEFAULT_PATH, stage: str = "dev", region: str = "us-east-1"
) -> DeploymentSpec:
    """The deployment of `stage` in `region`; a relative path is tried from here, then the root."""
    file = Path(path)
    if not file.is_absolute() and not file.exists():
        file = ROOT / file
    document = load_yaml_file(file)
    resolved = Resolver(document, file.parent, stage, region).resolve(document)
    provider = _mapping(resolved.get("provider"))
    gateway = _mapping(provider.get("apiGateway"))
    resources = _merged_resources(resolved.get("resources"))
    tables = _tables(resources)
    environment = _environment(provider.get("environment"))
    functions = _functions(resolved.get("functions"), environment, tables)
    return DeploymentSpec(
        service=as_text(resolved.get("service")),
        stage=stage,
        region=region,
        params=Resolver(document, file.parent, stage, region).params(),
        environment=environment,
        functions=functions,
        tables=tables,
        usage_plans=_usage_plans(gateway.get("usagePlan")),
        api_keys=_api_keys(gateway.get("apiKeys")),
        api_key_source_type=gateway.get("apiKeySourceType"),
        resources=resources,
        document=resolved,
    )


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _merged_resources(declared: Any) -> dict[str, Any]:
    """`resources` as one mapping; Serverless also takes a list of pieces to merge."""
    parts = declared if isinstance(declared, list) else [declared]
    merged: dict[str, Any] = {}
    for part in parts:
        # A piece that could not be read offline (a .js file) is left out.
        for section, content in _mapping(part).items():
            if isinstance(content, Mapping):
                merged.setdefault(section, {}).update(content)
            else:
                merged[section] = content
    return merged


def _tables(resources: Mapping[str, Any]) -> dict[str, TableSpec]:
    tables = {}
    for logical_name, resource in _mapping(resources.get("Resources")).items():
        if _mapping(resource).get("Type") != "AWS::DynamoDB::Table":
            continue
        props = _mapping(resource.get("Properties"))
        ttl = _mapping(props.get("TimeToLiveSpecification"))
        stream = _mapping(props.get("StreamSpecification"))
        throughput = props.get("ProvisionedThroughput")
        tables[logical_name] = TableSpec(
            logical_name=logical_name,
            name=as_text(props.get("TableName") or logical_name),
            key_schema=tuple(props.get("KeySchema") or ()),
            attribute_definitions=tuple(props.get("AttributeDefinitions") or ()),
            global_secondary_indexes=tuple(props.get("GlobalSecondaryIndexes") or ()),
            stream_view_type=stream.get("StreamViewType"),
            ttl_attribute=ttl.get("AttributeName") if _true(ttl.get("Enabled")) else None,
            billing_mode=props.get("BillingMode") or "PROVISIONED",
            provisioned_throughput=dict(throughput) if isinstance(throughput, Mapping) else None,
            raw=props,
        )
    return tables


def _true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _environment(declared: Any) -> dict[str, str]:
    return {name: as_text(value) for name, value in _mapping(declared).items()}


def _functions(
    declared: Any, environment: Mapping[str, str], tables: Mapping[str, TableSpec]
) -> dict[str, FunctionSpec]:
    pieces = declared if isinstance(declared, list) else [declared]
    functions: dict[str, FunctionSpec] = {}
    for piece in pieces:
        for name, body in _mapping(piece).items():
            body = _mapping(body)
            events = [e for e in body.get("events") or [] if isinstance(e, Mapping)]
            functions[name] = FunctionSpec(
                name=name,
                handler=as_text(body.get("handler")),
                environment={**environment, **_environment(body.get("environment"))},
                http=tuple(_http(e["http"]) for e in events if "http" in e),
                streams=tuple(_stream(e["stream"], tables) for e in events if "stream" in e),
                schedules=tuple(_schedule(e["schedule"]) for e in events if "schedule" in e),
                timeout=body.get("timeout"),
                memory_size=body.get("memorySize"),
                raw=body,
            )
    return functions


def _http(declared: Any) -> HttpEvent:
    if isinstance(declared, str):
        method, _, path = declared.partition(" ")
        declared = {"method": method, "path": path}
    path = "/" + as_text(declared.get("path")).strip().strip("/")
    return HttpEvent(
        method=as_text(declared.get("method")).upper(),
        path=path,
        private=_true(declared.get("private")),
        cors=_cors(declared.get("cors")),
        authorizer=_authorizer(declared.get("authorizer")),
        raw=declared,
    )


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return tuple(as_text(item) for item in value)


def _cors(declared: Any) -> CorsSpec | None:
    if declared is None or declared is False:
        return None
    if not isinstance(declared, Mapping):
        return CorsSpec(headers=DEFAULT_CORS_HEADERS) if _true(declared) else None
    origins = _strings(declared.get("origins") or declared.get("origin") or "*")
    max_age = declared.get("maxAge")
    return CorsSpec(
        origins=origins,
        headers=_strings(declared.get("headers")) or DEFAULT_CORS_HEADERS,
        methods=_strings(declared.get("methods")),
        allow_credentials=_true(declared.get("allowCredentials")),
        max_age=None if max_age is None else int(max_age),
    )


def _authorizer(declared: Any) -> AuthorizerSpec | None:
    if declared is None:
        return None
    if isinstance(declared, str):
        return AuthorizerSpec(name=declared)
    declared = _mapping(declared)
    ttl = declared.get("resultTtlInSeconds")
    return AuthorizerSpec(
        name=as_text(declared.get("name") or declared.get("arn")),
        type=as_text(declared.get("type") or "token").lower(),
        identity_source=as_text(
            declared.get("identitySource") or "method.request.header.Authorization"
        ),
        result_ttl_seconds=300 if ttl is None else int(ttl),
        arn=declared.get("arn"),
    )


def _stream_table(arn: Any, tables: Mapping[str, TableSpec]) -> str | None:
    attribute = _mapping(arn).get("Fn::GetAtt")
    if isinstance(attribute, list) and attribute:
        return str(attribute[0])
    if isinstance(arn, str):
        for table in tables.values():
            if f":table/{table.name}/stream" in arn:
                return table.logical_name
    return None


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _stream(declared: Any, tables: Mapping[str, TableSpec]) -> StreamEvent:
    if not isinstance(declared, Mapping):
        declared = {"arn": declared}
    destination = _mapping(declared.get("destinations")).get("onFailure")
    return StreamEvent(
        arn=declared.get("arn"),
        table=_stream_table(declared.get("arn"), tables),
        type=as_text(declared.get("type") or "dynamodb"),
        batch_size=int(declared.get("batchSize") or 100),
        starting_position=as_text(declared.get("startingPosition") or "TRIM_HORIZON"),
        enabled=declared.get("enabled") is not False,
        maximum_retry_attempts=_optional_int(declared.get("maximumRetryAttempts")),
        maximum_record_age_seconds=_optional_int(declared.get("maximumRecordAgeInSeconds")),
        bisect_batch_on_function_error=_true(declared.get("bisectBatchOnFunctionError")),
        function_response_type=declared.get("functionResponseType"),
        maximum_batching_window_seconds=_optional_int(declared.get("batchWindow")),
        parallelization_factor=_optional_int(declared.get("parallelizationFactor")),
        on_failure=destination,
        raw=declared,
    )


def _schedule(declared: Any) -> ScheduleEvent:
    if not isinstance(declared, Mapping):
        return ScheduleEvent(rates=_strings([declared]))
    rate = declared.get("rate")
    return ScheduleEvent(
        rates=_strings(rate if isinstance(rate, list) else [rate]),
        enabled=declared.get("enabled") is not False,
        input=declared.get("input"),
        name=declared.get("name"),
    )


def _usage_plans(declared: Any) -> tuple[UsagePlanSpec, ...]:
    if declared is None:
        return ()
    named = (
        [(name, body) for item in declared for name, body in _mapping(item).items()]
        if isinstance(declared, list)
        else [(None, declared)]
    )
    plans = []
    for name, body in named:
        quota = _mapping(_mapping(body).get("quota"))
        throttle = _mapping(_mapping(body).get("throttle"))
        rate = throttle.get("rateLimit")
        plans.append(
            UsagePlanSpec(
                name=name,
                quota_limit=_optional_int(quota.get("limit")),
                quota_period=quota.get("period"),
                quota_offset=_optional_int(quota.get("offset")),
                throttle_burst_limit=_optional_int(throttle.get("burstLimit")),
                throttle_rate_limit=None if rate is None else float(rate),
            )
        )
    return tuple(plans)


def _api_keys(declared: Any) -> tuple[ApiKeySpec, ...]:
    keys: list[ApiKeySpec] = []
    for item in declared or []:
        if isinstance(item, str):
            keys.append(ApiKeySpec(item))
        elif isinstance(item, Mapping) and "name" in item:
            value = item.get("value")
            keys.append(ApiKeySpec(as_text(item["name"]), None if value is None else str(value)))
        elif isinstance(item, Mapping):
            # `{planName: [keys]}`: keys grouped by the usage plan they belong to.
            for grouped in item.values():
                keys.extend(_api_keys(grouped))
    return tuple(keys)
