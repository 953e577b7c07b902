"""The answers API Gateway gives by itself (a refused token, a throttle, an unknown route),
shaped by the API's `AWS::ApiGateway::GatewayResponse` resources when it has them.

A response type that the API does not customise falls back to DEFAULT_4XX or DEFAULT_5XX
for its headers and template, and keeps its own status code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class ResponseType(NamedTuple):
    """A built-in response type: its status, message and `x-amzn-ErrorType`."""

    name: str
    status: int
    message: str | None
    error_type: str


ACCESS_DENIED = ResponseType(
    "ACCESS_DENIED", 403, "User is not authorized to access this resource", "AccessDeniedException"
)
AUTHORIZER_CONFIGURATION_ERROR = ResponseType(
    "AUTHORIZER_CONFIGURATION_ERROR", 500, None, "AuthorizerConfigurationException"
)
BAD_GATEWAY = ResponseType(
    "DEFAULT_5XX", 502, "Internal server error", "InternalServerErrorException"
)
INTEGRATION_TIMEOUT = ResponseType(
    "INTEGRATION_TIMEOUT", 504, "Endpoint request timed out", "InternalServerErrorException"
)
INVALID_API_KEY = ResponseType("INVALID_API_KEY", 403, "Forbidden", "ForbiddenException")
MISSING_AUTHENTICATION_TOKEN = ResponseType(
    "MISSING_AUTHENTICATION_TOKEN",
    403,
    "Missing Authentication Token",
    "MissingAuthenticationTokenException",
)
QUOTA_EXCEEDED = ResponseType("QUOTA_EXCEEDED", 429, "Limit Exceeded", "LimitExceededException")
REQUEST_TOO_LARGE = ResponseType(
    "REQUEST_TOO_LARGE", 413, "Request Too Long", "RequestTooLargeException"
)
THROTTLED = ResponseType("THROTTLED", 429, "Too Many Requests", "TooManyRequestsException")
UNAUTHORIZED = ResponseType("UNAUTHORIZED", 401, "Unauthorized", "UnauthorizedException")

_HEADER_PREFIX = "gatewayresponse.header."
_VARIABLE = re.compile(r"\$!?\{?context((?:\.[A-Za-z0-9_]+)+)\}?")


@dataclass(frozen=True, slots=True)
class Customisation:
    """One GatewayResponse resource: status, header mappings and body templates."""

    status: int | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)
    templates: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_properties(cls, properties: Mapping[str, Any]) -> Customisation:
        """From the `Properties` of an `AWS::ApiGateway::GatewayResponse`."""
        status = properties.get("StatusCode")
        return cls(
            status=int(status) if status not in (None, "") else None,
            parameters={
                str(k): str(v) for k, v in (properties.get("ResponseParameters") or {}).items()
            },
            templates={
                str(k): str(v) for k, v in (properties.get("ResponseTemplates") or {}).items()
            },
        )


@dataclass(frozen=True, slots=True)
class GatewayAnswer:
    """A response the gateway makes itself."""

    status: int
    headers: dict[str, str]
    body: bytes
    response_type: str


class GatewayResponses:
    """Renders the built-in response types with the API's customisations."""

    def __init__(self, customisations: Mapping[str, Customisation]) -> None:
        self._custom = dict(customisations)

    def render(
        self,
        kind: ResponseType,
        context: Mapping[str, Any],
        request_headers: Mapping[str, str] | None = None,
    ) -> GatewayAnswer:
        """The answer of type `kind` for a request; `context` feeds `$context` variables."""
        default = "DEFAULT_5XX" if kind.status >= 500 else "DEFAULT_4XX"
        own = self._custom.get(kind.name)
        fallback = self._custom.get(default) or Customisation()
        status = (own.status if own and own.status else None) or kind.status
        parameters = own.parameters if own and own.parameters else fallback.parameters
        templates = own.templates if own and own.templates else fallback.templates

        variables = {
            **context,
            "error": {
                "message": kind.message,
                "messageString": json.dumps(kind.message),
                "responseType": kind.name,
            },
        }
        template = templates.get("application/json")
        if template is None:
            body = json.dumps({"message": kind.message})
        else:
            body = _VARIABLE.sub(lambda m: _lookup(variables, m.group(1)), template)

        headers = {
            "Content-Type": "application/json",
            "x-amzn-ErrorType": kind.error_type,
            "x-amzn-RequestId": str(context.get("requestId", "")),
        }
        for name, source in parameters.items():
            if name.startswith(_HEADER_PREFIX):
                value = _parameter_value(source, request_headers or {})
                if value is not None:
                    headers[name[len(_HEADER_PREFIX) :]] = value
        return GatewayAnswer(status, headers, body.encode("utf-8"), kind.name)


def _lookup(variables: Mapping[str, Any], dotted: str) -> str:
    value: Any = variables
    for part in dotted.strip(".").split("."):
        if not isinstance(value, Mapping) or part not in value:
            return ""
        value = value[part]
    return "null" if value is None else str(value)


def _parameter_value(source: str, request_headers: Mapping[str, str]) -> str | None:
    if len(source) >= 2 and source[0] == source[-1] == "'":
        return source[1:-1]
    prefix = "method.request.header."
    if source.startswith(prefix):
        wanted = source[len(prefix) :].lower()
        return next((v for k, v in request_headers.items() if k.lower() == wanted), None)
    return None
