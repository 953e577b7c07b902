"""API Gateway REST proxy events in, JSON responses with CORS headers out."""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ports.tokens import Capability, TokenType

MAX_BODY_BYTES = 64 * 1024

ALLOWED_HEADERS = "Authorization,Content-Type,X-Amz-Date,X-Api-Key,X-Amz-Security-Token"
ALLOWED_METHODS = "DELETE,GET,OPTIONS,PATCH,POST"


class HttpError(Exception):
    """An answer decided before the domain is reached: a bad body, a bad token, a bad id."""

    def __init__(
        self, status: int, code: str, message: str, extra: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = dict(extra or {})


@dataclass(frozen=True, slots=True)
class Request:
    """What a handler needs of a proxy event."""

    request_id: str
    method: str
    path: str
    body: Any
    path_parameters: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, list[str]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    authorizer: Mapping[str, Any] = field(default_factory=dict)

    def path_parameter(self, name: str) -> str:
        """A path parameter; a missing one means the route does not match (404)."""
        value = self.path_parameters.get(name)
        if not value:
            raise HttpError(404, "not_found", "No such object.")
        return value

    def header(self, name: str) -> str | None:
        """A request header, matched without regard to case."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)

    def capability(self) -> Capability:
        """The caller's capability, as the authorizer put it into the request context."""
        context = self.authorizer
        try:
            token_type = TokenType(str(context.get("token_type", "")))
        except ValueError:
            raise HttpError(401, "unauthorized", "Unauthorized") from None
        user_id = str(context.get("user_id") or context.get("principalId") or "")
        if not user_id:
            raise HttpError(401, "unauthorized", "Unauthorized")
        return Capability(
            user_id=user_id,
            token_type=token_type,
            account_id=str(context.get("account_id") or "") or None,
            market_id=str(context.get("market_id") or "") or None,
            is_admin=str(context.get("is_admin", "")).lower() == "true",
        )


def parse_event(event: Mapping[str, Any]) -> Request:
    """The request of a REST proxy event; an oversized or malformed body is refused."""
    context = event.get("requestContext") or {}
    raw = event.get("body")
    if isinstance(raw, str) and event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(raw, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise HttpError(400, "malformed_body", "The body is not valid base64 UTF-8.") from None
    body: Any = None
    if isinstance(raw, str) and raw.strip():
        if len(raw.encode("utf-8")) > MAX_BODY_BYTES:
            raise HttpError(413, "body_too_large", "The body is over 64 KiB.")
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            raise HttpError(400, "malformed_json", "The body is not valid JSON.") from None
    query = dict(event.get("multiValueQueryStringParameters") or {})
    for name, value in (event.get("queryStringParameters") or {}).items():
        query.setdefault(name, [value])
    return Request(
        request_id=str(context.get("requestId") or ""),
        method=str(event.get("httpMethod") or ""),
        path=str(event.get("path") or ""),
        body=body,
        path_parameters=event.get("pathParameters") or {},
        query=query,
        headers=event.get("headers") or {},
        authorizer=context.get("authorizer") or {},
    )


def cors_headers() -> dict[str, str]:
    """The CORS headers every answer carries."""
    return {
        "Access-Control-Allow-Origin": os.environ.get("CORS_ORIGIN", "*"),
        "Access-Control-Allow-Headers": ALLOWED_HEADERS,
        "Access-Control-Allow-Methods": ALLOWED_METHODS,
    }


def respond(status: int, body: object, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A proxy response with a JSON body."""
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **cors_headers(), **(headers or {})},
        "body": json.dumps(body, separators=(",", ":"), ensure_ascii=False),
    }


def error_body(code: str, message: str, **extra: object) -> dict[str, object]:
    """The error shape of the API."""
    return {"error_message": message, "error_code": code, **extra}
