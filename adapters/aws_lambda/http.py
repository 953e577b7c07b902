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
# A string of at most this many characters is within MAX_BODY_BYTES whatever it holds.
_SURELY_SMALL = MAX_BODY_BYTES // 4

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


@dataclass(slots=True)
class Request:
    """What a handler needs of a proxy event (read, never changed: not frozen only because a
    frozen dataclass is slower to make, and one is made per request)."""

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
        claims = (
            context.get("token_type"),
            context.get("user_id") or context.get("principalId"),
            context.get("account_id"),
            context.get("market_id"),
            context.get("is_admin"),
        )
        try:
            return _capabilities[claims]
        except KeyError:
            cacheable = True
        except TypeError:  # a value that is no string: made each time, never kept
            cacheable = False
        kind, user_id, account_id, market_id, is_admin = claims
        token_type = _TOKEN_TYPES.get(kind)  # type: ignore[arg-type]
        if token_type is None or not user_id:
            raise HttpError(401, "unauthorized", "Unauthorized")
        capability = Capability(
            str(user_id), token_type, _optional(account_id), _optional(market_id), _true(is_admin)
        )
        if cacheable:
            if len(_capabilities) >= _CACHED_CAPABILITIES:
                _capabilities.clear()
            _capabilities[claims] = capability
        return capability


_TOKEN_TYPES: dict[object, TokenType] = {kind.value: kind for kind in TokenType}
# The capabilities of recent callers, by the context values they are made of: a warm function
# mostly serves the same few callers, and a Capability (frozen) is dearer to make than to find.
_CACHED_CAPABILITIES = 256
_capabilities: dict[tuple[object, ...], Capability] = {}


def _optional(value: object) -> str | None:
    return str(value) if value else None


def _true(value: object) -> bool:
    # REST APIs pass the authorizer's context on as strings; a direct invocation may not.
    return value is True or (isinstance(value, str) and value.lower() == "true")


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
    if isinstance(raw, str) and raw and not raw.isspace():
        if len(raw) > _SURELY_SMALL and len(raw.encode("utf-8")) > MAX_BODY_BYTES:
            raise HttpError(413, "body_too_large", "The body is over 64 KiB.")
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            raise HttpError(400, "malformed_json", "The body is not valid JSON.") from None
    query: dict[str, list[str]] = {}
    multi, single = event.get("multiValueQueryStringParameters"), event.get("queryStringParameters")
    if multi or single:
        query.update(multi or {})
        for name, value in (single or {}).items():
            query.setdefault(name, [value])
    return Request(
        str(context.get("requestId") or ""),
        str(event.get("httpMethod") or ""),
        str(event.get("path") or ""),
        body,
        event.get("pathParameters") or {},
        query,
        event.get("headers") or {},
        context.get("authorizer") or {},
    )


class _Headers:
    """The fixed headers of every answer, made on the first answer: a function's environment
    does not change while its process lives, and reading it costs a microsecond a call.
    (Made on first use rather than at import because the local gateway sets the environment
    after it may have imported the functions' modules.)"""

    def __init__(self) -> None:
        self._headers: dict[str, str] | None = None

    def current(self) -> dict[str, str]:
        if self._headers is None:
            self._headers = {
                "Content-Type": "application/json",
                "Access-Control-Allow-Origin": os.environ.get("CORS_ORIGIN", "*"),
                "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                "Access-Control-Allow-Methods": ALLOWED_METHODS,
            }
        return self._headers


_headers = _Headers()
_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def respond(status: int, body: object, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A proxy response with a JSON body and the CORS headers every answer carries."""
    fixed = _headers.current()
    return {
        "statusCode": status,
        "headers": {**fixed, **headers} if headers else fixed.copy(),
        "body": _encode(body),
    }


def error_body(code: str, message: str, **extra: object) -> dict[str, object]:
    """The error shape of the API."""
    return {"error_message": message, "error_code": code, **extra}
