"""The REST API's request pipeline: route, CORS preflight, authorizer, API key and usage
plan, the proxy integration with its timeout, and the gateway's own error responses."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adapters.local.authorizer import TokenAuthorizer, Verdict
from adapters.local.events import HttpRequest, Stage, new_request_id, proxy_event
from adapters.local.functions import FunctionRuntime
from adapters.local.gateway_responses import (
    ACCESS_DENIED,
    AUTHORIZER_CONFIGURATION_ERROR,
    BAD_GATEWAY,
    INTEGRATION_TIMEOUT,
    INVALID_API_KEY,
    MISSING_AUTHENTICATION_TOKEN,
    QUOTA_EXCEEDED,
    REQUEST_TOO_LARGE,
    THROTTLED,
    UNAUTHORIZED,
    GatewayResponses,
    ResponseType,
)
from adapters.local.policy import method_arn
from adapters.local.proxy import Answer, MalformedResponse, from_proxy, preflight
from adapters.local.routing import Match, Route, RouteTable
from adapters.local.usage import Admission, UsagePlan

logger = logging.getLogger("local_gateway")

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # API Gateway's limit on a request body
REQUEST_ID_HEADER = "X-Local-Request-Id"
_REFUSALS = {
    Admission.INVALID_API_KEY: INVALID_API_KEY,
    Admission.THROTTLED: THROTTLED,
    Admission.QUOTA_EXCEEDED: QUOTA_EXCEEDED,
}


@dataclass(frozen=True, slots=True)
class GatewaySettings:
    """How this gateway differs from the deployed one, for tests."""

    integration_timeout: float = 29.0
    trust_request_id_header: bool = False
    api_key_source: str = "HEADER"


class Gateway:
    """Answers API requests the way API Gateway does."""

    def __init__(
        self,
        stage: Stage,
        routes: RouteTable,
        runtime: FunctionRuntime,
        authorizer: TokenAuthorizer,
        usage: UsagePlan,
        responses: GatewayResponses,
        settings: GatewaySettings,
    ) -> None:
        self.stage = stage
        self.routes = routes
        self.runtime = runtime
        self.authorizer = authorizer
        self.usage = usage
        self.responses = responses
        self.settings = settings
        self.requests = 0
        self._lock = threading.Lock()

    def handle(self, request: HttpRequest) -> Answer:
        """The answer to one API request."""
        with self._lock:
            self.requests += 1
        request_id = self._request_id(request)
        context: dict[str, Any] = {
            "requestId": request_id,
            "stage": self.stage.name,
            "path": f"/{self.stage.name}{request.path}",
            "httpMethod": request.method,
            "identity": {"sourceIp": request.source_ip},
        }

        def refuse(kind: ResponseType) -> Answer:
            return self._refuse(kind, context, request)

        if request.too_large or len(request.body) > MAX_PAYLOAD_BYTES:
            return refuse(REQUEST_TOO_LARGE)
        resource = self.routes.resource(request.path)
        if resource is None:
            return refuse(MISSING_AUTHENTICATION_TOKEN)
        methods, parameters = resource
        if request.method == "OPTIONS" and "OPTIONS" not in methods:
            with_cors = [route for route in methods.values() if route.cors is not None]
            if not with_cors:
                return refuse(MISSING_AUTHENTICATION_TOKEN)
            return preflight(with_cors, request.header("Origin"), request_id)
        route = methods.get(request.method) or methods.get("ANY")
        if route is None:
            return refuse(MISSING_AUTHENTICATION_TOKEN)
        context["resourcePath"] = route.path
        return self._call(request, Match(route, parameters), request_id, context, refuse)

    def _call(
        self,
        request: HttpRequest,
        match: Match,
        request_id: str,
        context: dict[str, Any],
        refuse: Callable[[ResponseType], Answer],
    ) -> Answer:
        route = match.route
        authorizer_context = None
        api_key = None
        if route.authorizer is not None:
            arn = method_arn(
                self.stage.region,
                self.stage.account_id,
                self.stage.api_id,
                self.stage.name,
                request.method,
                request.path,
            )
            token = request.header(route.authorizer.header)
            verdict = self.authorizer.authorize(route.authorizer, token, arn, request_id)
            if verdict.verdict is Verdict.UNAUTHORIZED:
                return refuse(UNAUTHORIZED)
            if verdict.verdict is Verdict.FAILED:
                return refuse(AUTHORIZER_CONFIGURATION_ERROR)
            if verdict.verdict is Verdict.DENY:
                return refuse(ACCESS_DENIED)
            authorizer_context = verdict.context
            context["authorizer"] = dict(verdict.context or {})
            if self.settings.api_key_source == "AUTHORIZER":
                api_key = verdict.api_key
        if route.private:
            if self.settings.api_key_source != "AUTHORIZER":
                api_key = request.header("X-API-Key")
            admission = self.usage.admit(api_key)
            if admission is not Admission.ADMITTED:
                return refuse(_REFUSALS[admission])

        event = proxy_event(
            request,
            self.stage,
            resource=route.path,
            path_parameters=match.parameters,
            request_id=request_id,
            authorizer=authorizer_context,
            api_key=api_key if route.private else None,
        )
        return self._integrate(route, event, request_id, refuse)

    def _integrate(
        self,
        route: Route,
        event: dict[str, Any],
        request_id: str,
        refuse: Callable[[ResponseType], Answer],
    ) -> Answer:
        done = self.runtime.invoke(
            route.function, event, request_id, wait_seconds=self.settings.integration_timeout
        )
        if done.timed_out and done.timeout_kind == "integration":
            answer = refuse(INTEGRATION_TIMEOUT)
        elif done.error is not None or done.timed_out:
            if done.error is not None:
                logger.error(
                    "%s failed: %s: %s", route.function, type(done.error).__name__, done.error
                )
            answer = refuse(BAD_GATEWAY)
        else:
            try:
                answer = from_proxy(done.result, request_id)
            except MalformedResponse as error:
                logger.error("%s gave a malformed proxy response: %s", route.function, error)
                answer = refuse(BAD_GATEWAY)
        answer.function = route.function
        answer.cold = done.cold
        return answer

    def unreadable(self, status: int, message: str) -> Answer:
        """The answer to a request the HTTP server could not read (no route, no headers to
        trust): the API's DEFAULT_4XX, or DEFAULT_5XX, with this status and message."""
        if status >= 500:
            kind = ResponseType("DEFAULT_5XX", status, message, "InternalServerErrorException")
        else:
            kind = ResponseType("DEFAULT_4XX", status, message, "BadRequestException")
        return self._refuse(kind, {"requestId": new_request_id(), "stage": self.stage.name})

    def _refuse(
        self, kind: ResponseType, context: dict[str, Any], request: HttpRequest | None = None
    ) -> Answer:
        headers = {} if request is None else {name: value for name, value in request.headers}
        rendered = self.responses.render(kind, context, headers)
        return Answer(
            rendered.status,
            list(rendered.headers.items()),
            rendered.body,
            notes={"response_type": rendered.response_type},
        )

    def _request_id(self, request: HttpRequest) -> str:
        if self.settings.trust_request_id_header:
            given = request.header(REQUEST_ID_HEADER)
            if given:
                return given[:128]
        return new_request_id()
