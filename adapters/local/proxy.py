"""What goes back to the client: a Lambda proxy response, a CORS preflight, a local answer."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from adapters.local.routing import Route


class MalformedResponse(ValueError):
    """A function's answer is not a proxy response (API Gateway answers 502 for it)."""


@dataclass(slots=True)
class Answer:
    """An HTTP answer and, for the terminal log, who made it."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    function: str = ""
    cold: bool | None = None
    notes: dict[str, Any] = field(default_factory=dict)


def from_proxy(result: Any, request_id: str) -> Answer:
    """The answer of a REST proxy integration."""
    if not isinstance(result, Mapping):
        raise MalformedResponse("the answer is not an object")
    try:
        status = int(result.get("statusCode", 200))
    except (TypeError, ValueError):
        raise MalformedResponse("statusCode is not a number") from None
    if not 100 <= status <= 599:
        raise MalformedResponse("statusCode is out of range")

    headers: list[tuple[str, str]] = []
    for name, value in (result.get("headers") or {}).items():
        headers.append((str(name), _text(value)))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        if not isinstance(values, list):
            raise MalformedResponse("multiValueHeaders holds something other than lists")
        headers.extend((str(name), _text(value)) for value in values)
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    headers.append(("x-amzn-RequestId", request_id))

    body = result.get("body")
    if body is None:
        data = b""
    elif not isinstance(body, str):
        raise MalformedResponse("body is not a string")
    elif result.get("isBase64Encoded"):
        try:
            data = base64.b64decode(body, validate=True)
        except binascii.Error:
            raise MalformedResponse("body is not valid base64") from None
    else:
        data = body.encode("utf-8")
    return Answer(status, headers, data)


def preflight(routes: Sequence[Route], request_origin: str | None, request_id: str) -> Answer:
    """The OPTIONS answer of a resource whose routes enable CORS (a mock integration)."""
    cors = next(route.cors for route in routes if route.cors is not None)
    assert cors is not None
    methods = sorted({route.method for route in routes if route.cors is not None} | {"OPTIONS"})
    headers = [
        ("Content-Type", "application/json"),
        ("Access-Control-Allow-Origin", cors.origin_for(request_origin)),
        ("Access-Control-Allow-Headers", ",".join(cors.headers)),
        ("Access-Control-Allow-Methods", ",".join(methods)),
    ]
    if cors.allow_credentials:
        headers.append(("Access-Control-Allow-Credentials", "true"))
    if cors.max_age is not None:
        headers.append(("Access-Control-Max-Age", str(cors.max_age)))
    headers.append(("x-amzn-RequestId", request_id))
    return Answer(200, headers, b"", notes={"response_type": "cors_preflight"})


def json_answer(status: int, document: Any, headers: Mapping[str, str] | None = None) -> Answer:
    """A JSON answer of the gateway's own endpoints, readable from a browser too."""
    body = json.dumps(document, default=str).encode("utf-8")
    all_headers = [
        ("Content-Type", "application/json"),
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Allow-Headers", "Authorization,Content-Type"),
        ("Access-Control-Allow-Methods", "GET,POST,OPTIONS"),
    ]
    all_headers.extend((headers or {}).items())
    return Answer(status, all_headers, body, notes={"response_type": "local"})


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
