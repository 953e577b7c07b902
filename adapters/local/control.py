"""The gateway's own endpoints, beside the API: the identity provider's keys, the OpenAPI
document and its docs page, and the local-only controls under /_local/.

Test controls (faults, usage plan changes) answer only when the gateway was started with
`--test-controls`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from adapters.local.events import HttpRequest
from adapters.local.idp import JWKS_PATH, id_token
from adapters.local.proxy import Answer, json_answer
from adapters.local.routing import describe

if TYPE_CHECKING:
    from adapters.local.app import LocalGateway

Endpoint = Callable[["LocalGateway", HttpRequest, str], Answer]


def handle(app: LocalGateway, request: HttpRequest) -> Answer | None:
    """The answer of a gateway endpoint, or None when the request is for the API."""
    path = request.path
    if path == JWKS_PATH and request.method == "GET":
        return json_answer(200, app.identity.jwks())
    if path == "/openapi.json" and request.method == "GET":
        return _openapi(app)
    if (path == "/docs" or path.startswith("/docs/")) and request.method == "GET":
        return _docs(path[len("/docs/") :] if path.startswith("/docs/") else "")
    if not path.startswith("/_local/"):
        return None
    if request.method == "OPTIONS":
        return json_answer(200, {})
    name = path[len("/_local/") :]
    for (method, prefix), endpoint in _ENDPOINTS.items():
        if request.method == method and (name == prefix or name.startswith(prefix + "/")):
            return endpoint(app, request, name[len(prefix) :].lstrip("/"))
    return json_answer(404, {"message": f"no local endpoint {request.method} {path}"})


def _openapi(app: LocalGateway) -> Answer:
    try:
        from adapters.local.openapi import openapi_document
    except ImportError:
        return json_answer(404, {"message": "the OpenAPI document is not available yet"})
    return json_answer(200, openapi_document(app.spec))


def _docs(asset: str) -> Answer:
    try:
        from adapters.local.docs_page import docs_asset
    except ImportError:
        return json_answer(404, {"message": "the docs page is not available yet"})
    found = docs_asset(asset)
    if found is None:
        return json_answer(404, {"message": f"no docs asset {asset!r}"})
    content_type, body = found
    return Answer(200, [("Content-Type", content_type)], body, notes={"response_type": "local"})


def _stats(app: LocalGateway, request: HttpRequest, rest: str) -> Answer:
    return json_answer(200, app.stats())


def _routes(app: LocalGateway, request: HttpRequest, rest: str) -> Answer:
    return json_answer(200, [describe(route) for route in app.gateway.routes.routes()])


def _stream(app: LocalGateway, request: HttpRequest, rest: str) -> Answer:
    return json_answer(200, {"streams": app.stream_stats()})


def _drain(app: LocalGateway, request: HttpRequest, rest: str) -> Answer:
    timeout = float(_query(request).get("timeout", "30"))
    drained = app.drain(timeout)
    return json_answer(200 if drained else 504, {"drained": drained, "streams": app.stream_stats()})


def _failures(app: LocalGateway, request: HttpRequest, rest: str) -> Answer:
    return json_answer(200, {"failures": app.failures.entries()})


def _schedules(app: LocalGateway, request: HttpRequest, rest: str) -> Answer:
    return json_answer(200, app.schedule_stats())


def _run_schedule(app: LocalGateway, request: HttpRequest, rest: str) -> Answer:
    if not rest:
        return json_answer(400, {"message": "name the function: POST /_local/schedules/<function>"})
    found = app.run_schedule(rest)
    if found is None:
        return json_answer(404, {"message": f"{rest} has no schedule"})
    return json_answer(200, found)


def _id_token(app: LocalGateway, request: HttpRequest, rest: str) -> Answer:
    query = _query(request)
    email = query.get("email")
    if not email:
        return json_answer(400, {"message": "pass ?email=..."})
    return json_answer(200, {"id_token": id_token(app.identity, email, query.get("name"))})


def _flush(app: LocalGateway, request: HttpRequest, rest: str) -> Answer:
    app.gateway.authorizer.cache.flush()
    return json_answer(200, app.gateway.authorizer.stats())


def _get_faults(app: LocalGateway, request: HttpRequest, rest: str) -> Answer:
    return json_answer(200, app.faults())


def _set_faults(app: LocalGateway, request: HttpRequest, rest: str) -> Answer:
    if not app.options.test_controls:
        return _disabled("faults")
    document = _json(request)
    if document is None:
        return json_answer(400, {"message": "send a JSON object"})
    try:
        return json_answer(200, app.set_faults(document))
    except (TypeError, ValueError) as error:
        return json_answer(400, {"message": str(error)})


def _set_usage_plan(app: LocalGateway, request: HttpRequest, rest: str) -> Answer:
    if not app.options.test_controls:
        return _disabled("usage-plan")
    document = _json(request)
    if document is None:
        return json_answer(400, {"message": "send a JSON object"})
    try:
        return json_answer(200, app.change_usage_plan(document))
    except (TypeError, ValueError) as error:
        return json_answer(400, {"message": str(error)})


def _usage_plan(app: LocalGateway, request: HttpRequest, rest: str) -> Answer:
    return json_answer(200, app.gateway.usage.stats())


def _disabled(name: str) -> Answer:
    message = f"/_local/{name} is off: start the gateway with --test-controls"
    return json_answer(403, {"message": message})


def _query(request: HttpRequest) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(request.query).items()}


def _json(request: HttpRequest) -> dict[str, Any] | None:
    try:
        document = json.loads(request.body or b"{}")
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


_ENDPOINTS: dict[tuple[str, str], Endpoint] = {
    ("GET", "stats"): _stats,
    ("GET", "routes"): _routes,
    ("GET", "stream"): _stream,
    ("POST", "stream/drain"): _drain,
    ("GET", "failures"): _failures,
    ("GET", "schedules"): _schedules,
    ("POST", "schedules"): _run_schedule,
    ("GET", "id-token"): _id_token,
    ("POST", "authorizer/flush"): _flush,
    ("GET", "faults"): _get_faults,
    ("POST", "faults"): _set_faults,
    ("GET", "usage-plan"): _usage_plan,
    ("POST", "usage-plan"): _set_usage_plan,
}
