"""Events and contexts as Lambda receives them from API Gateway (REST proxy, TOKEN
authorizer) and from the Lambda runtime (the `context` object)."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

ACCOUNT_ID = "123456789012"
API_ID = "local00api"


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """An HTTP request as the server read it; headers keep their order and repeats."""

    method: str
    target: str
    headers: Sequence[tuple[str, str]]
    body: bytes
    source_ip: str = "127.0.0.1"
    port: int = 0
    too_large: bool = False

    @property
    def path(self) -> str:
        """The path, without the query string."""
        return self.target.split("?", 1)[0] or "/"

    @property
    def query(self) -> str:
        """The raw query string."""
        return self.target.split("?", 1)[1] if "?" in self.target else ""

    def header(self, name: str) -> str | None:
        """The last value of a header, matched without regard to case."""
        wanted = name.lower()
        values = [value for key, value in self.headers if key.lower() == wanted]
        return values[-1] if values else None


@dataclass(frozen=True, slots=True)
class Stage:
    """Where the API is deployed, for ARNs and the request context."""

    name: str
    region: str
    account_id: str = ACCOUNT_ID
    api_id: str = API_ID


def new_request_id() -> str:
    """A request id shaped like API Gateway's."""
    return str(uuid.uuid4())


def proxy_event(
    request: HttpRequest,
    stage: Stage,
    *,
    resource: str,
    path_parameters: Mapping[str, str],
    request_id: str,
    authorizer: Mapping[str, Any] | None,
    api_key: str | None,
) -> dict[str, Any]:
    """The REST proxy integration event of a request."""
    now = time.time()
    headers = _headers_with_forwarding(request)
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in headers:
        single[name] = value
        multi.setdefault(name, []).append(value)

    query_multi: dict[str, list[str]] = {}
    for name, value in parse_qsl(request.query, keep_blank_values=True):
        query_multi.setdefault(name, []).append(value)
    body, is_base64 = encode_body(request.body)
    path = unquote(request.path)
    return {
        "resource": resource,
        "path": path,
        "httpMethod": request.method,
        "headers": single or None,
        "multiValueHeaders": multi or None,
        "queryStringParameters": {k: v[-1] for k, v in query_multi.items()} or None,
        "multiValueQueryStringParameters": query_multi or None,
        "pathParameters": dict(path_parameters) or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": _short_id(resource),
            "resourcePath": resource,
            "httpMethod": request.method,
            "extendedRequestId": _short_id(request_id) + "=",
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "path": f"/{stage.name}{path}",
            "accountId": stage.account_id,
            "protocol": "HTTP/1.1",
            "stage": stage.name,
            "domainPrefix": (single.get("Host") or "localhost").split(".")[0],
            "requestTimeEpoch": int(now * 1000),
            "requestId": request_id,
            "identity": _identity(request, api_key),
            "domainName": single.get("Host") or "localhost",
            "apiId": stage.api_id,
            "authorizer": dict(authorizer) if authorizer is not None else None,
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }


def authorizer_event(token: str, method_arn: str) -> dict[str, Any]:
    """The event of a TOKEN authorizer."""
    return {"type": "TOKEN", "authorizationToken": token, "methodArn": method_arn}


def authorizer_context(answer: Mapping[str, Any], latency_ms: int) -> dict[str, Any]:
    """`requestContext.authorizer`: the principal, and the context's values as strings."""
    context: dict[str, Any] = {"principalId": answer["principalId"]}
    for key, value in (answer.get("context") or {}).items():
        context[key] = _as_string(value)
    context["integrationLatency"] = latency_ms
    return context


def encode_body(body: bytes) -> tuple[str | None, bool]:
    """The event body: text when it is UTF-8, base64 otherwise."""
    if not body:
        return None, False
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True


@dataclass
class LambdaContext:
    """The `context` argument of a handler."""

    function_name: str
    aws_request_id: str
    timeout_seconds: float
    region: str
    memory_limit_in_mb: int = 256
    function_version: str = "$LATEST"
    identity: Any = None
    client_context: Any = None
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    @property
    def invoked_function_arn(self) -> str:
        """The function's ARN, unqualified."""
        return f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        """The function's log group, as Lambda names it."""
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        """A log stream name shaped like Lambda's."""
        return time.strftime("%Y/%m/%d/[$LATEST]local", time.gmtime())

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function's timeout."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _headers_with_forwarding(request: HttpRequest) -> list[tuple[str, str]]:
    headers = list(request.headers)
    names = {name.lower() for name, _ in headers}
    if "x-forwarded-for" not in names:
        headers.append(("X-Forwarded-For", request.source_ip))
    if "x-forwarded-port" not in names:
        headers.append(("X-Forwarded-Port", str(request.port)))
    if "x-forwarded-proto" not in names:
        headers.append(("X-Forwarded-Proto", "http"))
    if "x-amzn-trace-id" not in names:
        headers.append(
            ("X-Amzn-Trace-Id", f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}")
        )
    return headers


def _identity(request: HttpRequest, api_key: str | None) -> dict[str, Any]:
    return {
        "cognitoIdentityPoolId": None,
        "accountId": None,
        "cognitoIdentityId": None,
        "caller": None,
        "sourceIp": request.source_ip,
        "principalOrgId": None,
        "accessKey": None,
        "cognitoAuthenticationType": None,
        "cognitoAuthenticationProvider": None,
        "userArn": None,
        "userAgent": request.header("User-Agent"),
        "user": None,
        "apiKey": api_key,
        "apiKeyId": _short_id(api_key) if api_key else None,
        "clientCert": None,
    }


def _short_id(seed: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, seed).hex[:10]


def _as_string(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
