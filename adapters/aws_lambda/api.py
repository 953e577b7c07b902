"""The frame every API function runs in: translate, validate, call one service, answer.

`endpoint` turns a small function of (request, caller, body) into a Lambda handler that
answers warm-up pings at once, validates the body with its pydantic model, checks the
token type the route takes, maps domain errors to statuses, and logs one JSON line.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from adapters.aws_lambda.http import HttpError, Request, error_body, parse_event, respond
from adapters.aws_lambda.logs import RequestLine, cold_start, log
from adapters.aws_lambda.warmup import WARM, is_warmup
from domain import errors
from ports.tokens import Capability, TokenType

B = TypeVar("B", bound=BaseModel)

_STATUS: tuple[tuple[type[errors.DomainError], int], ...] = (
    (errors.DuplicateRequest, 208),
    (errors.InvalidRequest, 400),
    (errors.Forbidden, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.StaleWrite, 409),
    (errors.Gone, 410),
    (errors.TemporarilyUnavailable, 503),
)


@dataclass(frozen=True, slots=True)
class Answer:
    """A handler's answer when it is not a plain 200."""

    status: int
    body: object


@dataclass(slots=True)
class Call(Generic[B]):
    """One validated call: the request, who makes it, and the parsed body (read, never
    changed: not frozen only because a frozen dataclass is slower to make, one a request)."""

    request: Request
    caller: Capability
    body: B

    @property
    def market_id(self) -> str:
        """The caller's market (market tokens always carry one)."""
        return self.caller.market_id or ""

    @property
    def user_id(self) -> str:
        """The caller's user id."""
        return self.caller.user_id


class NoBody(BaseModel):
    """The body of routes that take none: the fields of an object sent are ignored, and
    anything else is refused (built only then)."""

    model_config = ConfigDict(defer_build=True)


_NO_BODY = NoBody.model_construct()


def status_of(error: errors.DomainError) -> int:
    """The HTTP status of a domain error, by its class."""
    return next((status for kind, status in _STATUS if isinstance(error, kind)), 400)


def domain_error_response(error: errors.DomainError) -> dict[str, Any]:
    """The answer to a refused request."""
    if isinstance(error, errors.DuplicateRequest):
        return respond(208, error.result)
    if isinstance(error, errors.StaleWrite):
        error = errors.ConcurrentUpdate("Other changes raced this one; try again.")
    headers = {}
    if isinstance(error, errors.TemporarilyUnavailable):
        headers["Retry-After"] = str(error.retry_after)
    return respond(
        status_of(error), error_body(error.code, error.message, **error.details()), headers
    )


def validation_response(error: ValidationError) -> dict[str, Any]:
    """A 400 naming each invalid field; the input itself is never echoed."""
    problems = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in error.errors()]
    return respond(400, error_body("invalid_request", "The request is not valid.", errors=problems))


def endpoint(
    route: str,
    body: type[B],
    token: TokenType | None = TokenType.MARKET,
    success: int = 200,
) -> Callable[[Callable[[Call[B]], object]], Callable[[Mapping[str, Any], Any], dict[str, Any]]]:
    """Make a Lambda handler of `serve` for `route`, taking `body` and a `token` type."""

    def wrap(
        serve: Callable[[Call[B]], object],
    ) -> Callable[[Mapping[str, Any], Any], dict[str, Any]]:
        line = RequestLine(log, route)

        def handler(event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
            if is_warmup(event):
                return dict(WARM)
            started = time.perf_counter()
            response = _serve(event, route, body, token, success, serve)
            cold, init_ms = cold_start.take()
            line.write(
                _request_id(event),
                response["statusCode"],
                (time.perf_counter() - started) * 1000,
                cold,
                init_ms,
            )
            return response

        handler.route = route  # type: ignore[attr-defined]
        handler.body_model = body  # type: ignore[attr-defined]
        handler.token_type = token  # type: ignore[attr-defined]
        handler.success = success  # type: ignore[attr-defined]
        return handler

    return wrap


def _serve(
    event: Mapping[str, Any],
    route: str,
    model: type[B],
    token: TokenType | None,
    success: int,
    serve: Callable[[Call[B]], object],
) -> dict[str, Any]:
    try:
        request = parse_event(event)
        caller = request.capability() if token is not None else _anonymous()
        if token is not None and caller.token_type is not token:
            raise errors.WrongTokenType(f"This route takes a {token.value} token.")
        if token is TokenType.MARKET and not caller.market_id:
            raise errors.WrongTokenType("This route takes a market token.")
        # A route that takes no body ignores the fields of a JSON object sent to it, so only
        # a body that is no object needs the model to refuse it.
        body = request.body
        parsed = (
            _NO_BODY
            if model is NoBody and (body is None or type(body) is dict)
            else model.model_validate({} if body is None else body)
        )
        answer = serve(Call(request, caller, parsed))
        if isinstance(answer, Answer):
            return respond(answer.status, answer.body)
        return respond(success, answer)
    except HttpError as error:
        return respond(error.status, error_body(error.code, error.message, **error.extra))
    except ValidationError as error:
        return validation_response(error)
    except errors.DomainError as error:
        return domain_error_response(error)
    except Exception:
        log.exception(
            "unhandled error",
            extra={"fields": {"route": route, "request_id": _request_id(event)}},
        )
        return respond(500, error_body("internal_error", "Something went wrong on our side."))


def _anonymous() -> Capability:
    return Capability(user_id="", token_type=TokenType.ACCOUNT)


def _request_id(event: Mapping[str, Any]) -> str:
    return str((event.get("requestContext") or {}).get("requestId") or "")
