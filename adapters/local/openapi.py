"""The API's OpenAPI 3.1 document, built from the deployment's routes and their handlers.

Routes, and which of them sit behind the authorizer, come from the deployment spec; request
bodies, token types and success statuses from each route's handler; answers from the JSON
Schemas below, which follow domain/views.py (tests/integration/test_openapi.py holds them to
it). `scripts/write_openapi.py` writes the document to docs/openapi.json.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import BaseModel, ValidationError

from adapters.aws_lambda.api import NoBody
from adapters.deployment.model import DeploymentSpec
from adapters.deployment.spec import load_spec
from adapters.local.openapi_schemas import (
    ANSWER_SCHEMAS,
    ID_TOKEN,
    MARKET_IDS,
    SCHEMAS_PREFIX,
    Schema,
    array,
    ref,
)
from ports.tokens import TokenType

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "deploy" / "serverless.yml"

_GROUPS = {
    "markets": "Markets, their stages and members, and investments (no prefix).",
    "investibles": "Investibles of the caller's market.",
    "users": "The members of the caller's market.",
    "sso": "Sign-in: an identity token in, a capability token out.",
    "summaries": "What changed in the caller's markets, by version.",
}
_TOKEN_WORDS = {
    TokenType.MARKET: "Takes a market token.",
    TokenType.ACCOUNT: "Takes an account token.",
}


@dataclass(frozen=True, slots=True)
class _Answer:
    """What a route answers besides the statuses every route shares."""

    schema: Schema
    write: bool = False  # 208 for a duplicate request, 409 when a compare-and-set fails
    not_found: bool = True  # 404: it reads the caller's market or an object in it
    gone: bool = False  # 410: a banned user signs in to the market
    token_in_query: bool = False  # the handler reads the token from the header or `idToken`
    query: tuple[Schema, ...] = field(default=())


_ANSWERS: dict[str, _Answer] = {
    "POST /create": _Answer(ref("CreatedMarket"), write=True, not_found=False),
    "GET /get": _Answer(ref("CurrentMarket")),
    "PATCH /update": _Answer(ref("Market"), write=True),
    "POST /invest": _Answer(ref("Investment"), write=True),
    "DELETE /invest/{investible_id}": _Answer(ref("Investment"), write=True),
    "POST /list": _Answer({"anyOf": [array(ref("Stage")), array(ref("Presence"))]}),
    "POST /investibles": _Answer(array(ref("InvestibleWithInfos"))),
    "POST /investments": _Answer(array(ref("Investment"))),
    "POST /investibles/create": _Answer(ref("InvestibleWithInfos"), write=True),
    "GET /investibles/{investible_id}": _Answer(ref("InvestibleWithInfos")),
    "PATCH /investibles/{investible_id}": _Answer(ref("InvestibleWithInfos"), write=True),
    "PATCH /investibles/state/{investible_id}": _Answer(ref("InvestibleWithInfos"), write=True),
    "GET /users/get": _Answer(ref("Presence")),
    "POST /users/ban/{user_id}": _Answer(ref("Presence"), write=True),
    "POST /sso/cognito": _Answer(
        {"oneOf": [ref("AccountLogin"), ref("MarketLogin")]}, write=True, gone=True
    ),
    "GET /summaries/versioned": _Answer(
        array(ref("Membership")), not_found=False, token_in_query=True
    ),
    "GET /summaries/versions": _Answer(
        ref("SignaturesAnswer"), not_found=False, token_in_query=True, query=(MARKET_IDS,)
    ),
}

# Statuses and the shared responses (components/responses) that answer them.
_REFUSALS = {
    "400": ("BadRequest", "Malformed JSON, wrong types, out-of-range values or unknown fields."),
    "401": ("Unauthorized", "A missing, malformed, forged or expired token."),
    "403": ("Forbidden", "A valid token that may not do this."),
    "404": ("NotFound", "No such object in the caller's market."),
    "409": ("Conflict", "A compare-and-set failed; the body holds the current value."),
    "410": ("Gone", "The user is banned from this market."),
    "413": ("PayloadTooLarge", "The body is over 64 KiB."),
    "429": ("TooManyRequests", "The usage plan's throttle or quota (from the gateway)."),
    "503": ("ServiceUnavailable", "A dependency throttled the API; retry after Retry-After."),
}
_SHARED = ("400", "401", "403", "413", "429", "503")
_CORS_HEADER = {"Access-Control-Allow-Origin": {"$ref": "#/components/headers/AllowOrigin"}}


@dataclass(frozen=True, slots=True)
class _Route:
    """One http event of the deployment and the module of its handler."""

    function: str
    method: str
    path: str
    authorized: bool
    module: ModuleType
    handler: Any

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def openapi_document(spec: DeploymentSpec | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every HTTP route of `spec` (deploy/serverless.yml)."""
    schemas: dict[str, Schema] = dict(ANSWER_SCHEMAS)
    paths: dict[str, dict[str, Schema]] = {}
    for route in _routes(spec):
        operations = paths.setdefault(route.path, {})
        if route.method.lower() in operations:
            raise ValueError(f"{route.key} is deployed twice")
        operations[route.method.lower()] = _operation(route, schemas)
    document = {
        "openapi": "3.1.0",
        "info": _info(),
        "servers": _SERVERS,
        "tags": [{"name": name, "description": text} for name, text in _GROUPS.items()],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": _shared_responses(),
            "headers": _HEADERS,
            "securitySchemes": _SECURITY_SCHEMES,
        },
    }
    return _sorted(document)


def openapi_json(document: dict[str, Any]) -> str:
    """The document as committed: sorted keys, two-space indents, a final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _routes(spec: DeploymentSpec | None) -> Iterator[_Route]:
    for function, http in (spec or load_spec(SPEC_PATH)).routes:
        module = importlib.import_module(function.module)
        route = _Route(
            function=function.name,
            method=http.method.upper(),
            path="/" + http.path.strip("/"),
            authorized=http.authorizer is not None,
            module=module,
            handler=getattr(module, function.attribute),
        )
        handled = getattr(route.handler, "route", None)
        if handled != route.key:
            raise ValueError(f"{function.name} is deployed as {route.key} but handles {handled}")
        yield route


def _operation(route: _Route, schemas: dict[str, Schema]) -> Schema:
    handler = route.handler
    answer = _ANSWERS.get(route.key)
    if answer is None:
        raise ValueError(f"{route.key} has no answer schema in {__name__}")
    operation: Schema = {
        "operationId": route.function,
        "summary": _summary(route.module),
        "tags": [_group(route.path)],
        "responses": _responses(_success_status(handler), answer),
        "security": _security(route, answer),
    }
    if handler.token_type is not None:
        operation["description"] = _TOKEN_WORDS[handler.token_type]
    elif answer.token_in_query:
        operation["description"] = "Takes an account token, in `Authorization` or `idToken`."
    else:
        operation["description"] = "Takes no capability token: an identity token in the body."
    parameters = [_path_parameter(name) for name in re.findall(r"{(\w+)}", route.path)]
    parameters += list(answer.query) + ([ID_TOKEN] if answer.token_in_query else [])
    if parameters:
        operation["parameters"] = parameters
    if handler.body_model is not NoBody:
        operation["requestBody"] = _request_body(handler.body_model, schemas)
    return operation


def _success_status(handler: Any) -> int:
    # `endpoint` keeps its success status in the handler's closure, not as an attribute.
    status = getattr(handler, "success", None)
    if status is None:
        status = inspect.getclosurevars(handler).nonlocals.get("success", 200)
    return int(status)


def _summary(module: ModuleType) -> str:
    first_line = (module.__doc__ or "").strip().splitlines()[0]
    text = first_line.split(": ", 1)[-1].rstrip(".")
    return text[:1].upper() + text[1:]


def _group(path: str) -> str:
    segments = path.strip("/").split("/")
    return segments[0] if len(segments) > 1 and segments[0] in _GROUPS else "markets"


def _security(route: _Route, answer: _Answer) -> list[Schema]:
    if answer.token_in_query:
        return [{"capabilityToken": []}, {"capabilityTokenQuery": []}]
    return [{"capabilityToken": []}] if route.authorized else []


def _path_parameter(name: str) -> Schema:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": f"The {name.removesuffix('_id').replace('_', ' ')}'s id.",
        "schema": {"type": "string", "minLength": 1},
    }


def _request_body(model: type[BaseModel], schemas: dict[str, Schema]) -> Schema:
    schema = model.model_json_schema(ref_template=SCHEMAS_PREFIX + "{model}")
    for name, definition in {**schema.pop("$defs", {}), model.__name__: schema}.items():
        if schemas.setdefault(name, definition) != definition:
            raise ValueError(f"Two different schemas are named {name}")
    return {
        "required": not _accepts_nothing(model),
        "content": {"application/json": {"schema": ref(model.__name__)}},
    }


def _accepts_nothing(model: type[BaseModel]) -> bool:
    try:
        model.model_validate({})
    except ValidationError:
        return False
    return True


def _responses(success: int, answer: _Answer) -> Schema:
    responses: Schema = {str(success): _json_response("The answer.", answer.schema)}
    statuses = list(_SHARED)
    if answer.write:
        responses["208"] = _json_response(
            "The same gateway request was already applied; the original answer.", answer.schema
        )
        statuses.append("409")
    if answer.not_found:
        statuses.append("404")
    if answer.gone:
        statuses.append("410")
    for status in statuses:
        responses[status] = {"$ref": "#/components/responses/" + _REFUSALS[status][0]}
    return responses


def _json_response(description: str, schema: Schema, headers: Schema | None = None) -> Schema:
    return {
        "description": description,
        "headers": {**_CORS_HEADER, **(headers or {})},
        "content": {"application/json": {"schema": schema}},
    }


def _shared_responses() -> Schema:
    retry = {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}
    return {
        name: _json_response(text, ref("Error"), retry if status == "503" else None)
        for status, (name, text) in _REFUSALS.items()
    }


_HEADERS: Schema = {
    "AllowOrigin": {
        "description": "CORS: every answer carries it, the gateway's own errors included.",
        "required": True,
        "schema": {"type": "string"},
    },
    "RetryAfter": {
        "description": "Seconds to wait before trying again.",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    },
}
_SECURITY_SCHEMES: Schema = {
    "capabilityToken": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": (
            "A capability token (JWT), sent raw or after `Bearer `. Account tokens create"
            " markets and read the summaries; market tokens do everything else."
        ),
    },
    "capabilityTokenQuery": {
        "type": "apiKey",
        "in": "query",
        "name": "idToken",
        "description": "An account token in the `idToken` query parameter (summaries only).",
    },
}
_SERVERS = [
    {"url": "/", "description": "The API that serves this document (`market-api serve`)."},
    {
        "url": "https://{restApiId}.execute-api.{region}.amazonaws.com/{stage}",
        "description": "A deployed stage on API Gateway.",
        "variables": {
            "restApiId": {"default": "abcdef1234"},
            "region": {"default": "us-east-1"},
            "stage": {"default": "dev", "enum": ["dev", "stage", "prod"]},
        },
    },
]


def _info() -> Schema:
    return {
        "title": "market-api",
        "version": _project_version(),
        "description": (
            "Markets, investibles and investments. Every answer is JSON with CORS headers;"
            " errors are `{error_message, error_code}`, and writes are safe to send twice."
        ),
        "license": {"name": "MIT", "identifier": "MIT"},
    }


def _project_version() -> str:
    pyproject = ROOT / "pyproject.toml"
    if pyproject.is_file():
        return str(tomllib.loads(pyproject.read_text())["project"]["version"])
    return metadata.version("market-api")


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list | tuple):
        return [_sorted(item) for item in value]
    return value
