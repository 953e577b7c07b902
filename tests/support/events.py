"""Events shaped like the ones AWS sends: REST proxy, TOKEN authorizer, stream, schedule."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

ACCOUNT = "123456789012"
API_ID = "a1b2c3d4e5"
STAGE = "dev"
REGION = "us-east-1"


def method_arn(method: str, path: str) -> str:
    """The ARN API Gateway gives a TOKEN authorizer for a call."""
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/{STAGE}/{method}{path}"


def authorizer_event(token: str | None, method: str = "GET", path: str = "/get") -> dict[str, Any]:
    """A TOKEN authorizer event."""
    event: dict[str, Any] = {"type": "TOKEN", "methodArn": method_arn(method, path)}
    if token is not None:
        event["authorizationToken"] = token
    return event


def gateway_context(authorizer_answer: Mapping[str, Any]) -> dict[str, Any]:
    """The `requestContext.authorizer` the gateway builds from an authorizer's answer.

    REST APIs pass the context's values on as strings.
    """
    context = {key: _gateway_string(value) for key, value in authorizer_answer["context"].items()}
    return {"principalId": authorizer_answer["principalId"], "integrationLatency": 3, **context}


def _gateway_string(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def api_event(
    method: str,
    resource: str,
    *,
    path_parameters: Mapping[str, str] | None = None,
    body: object = None,
    raw_body: str | None = None,
    authorizer: Mapping[str, Any] | None = None,
    query: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    request_id: str | None = None,
    base64: bool = False,
) -> dict[str, Any]:
    """A REST proxy integration event for `resource` (a route like `/invest/{investible_id}`)."""
    path = resource
    for name, value in (path_parameters or {}).items():
        path = path.replace("{" + name + "}", value)
    text = raw_body if raw_body is not None else (None if body is None else json.dumps(body))
    if base64 and text is not None:
        import base64 as b64

        text = b64.b64encode(text.encode()).decode()
    all_headers = {"Content-Type": "application/json", "Host": "api.example.com"}
    all_headers.update(headers or {})
    now = time.time()
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in (query or {}).items()} or None,
        "multiValueQueryStringParameters": dict(query) if query else None,
        "pathParameters": dict(path_parameters) if path_parameters else None,
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": API_ID,
            "authorizer": dict(authorizer) if authorizer else None,
            "domainName": "api.example.com",
            "httpMethod": method,
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "pytest", "apiKey": "k"},
            "path": f"/{STAGE}{path}",
            "protocol": "HTTP/1.1",
            "requestId": request_id or str(uuid.uuid4()),
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "requestTimeEpoch": int(now * 1000),
            "resourceId": "abc123",
            "resourcePath": resource,
            "stage": STAGE,
        },
        "body": text,
        "isBase64Encoded": base64,
    }


def schedule_event() -> dict[str, Any]:
    """An EventBridge scheduled event."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/market-api-dev-expire"],
        "detail": {},
    }


WARMUP_EVENT = {"source": "serverless-plugin-warmup"}
