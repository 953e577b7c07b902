"""Resources and methods of a REST API, and how API Gateway picks one for a request path.

Literal path segments win over `{parameter}` segments, which win over a greedy `{name+}`.
A path that matches no resource, or a resource without the method, is what API Gateway
calls a missing authentication token.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote


@dataclass(frozen=True, slots=True)
class Cors:
    """The CORS settings of a route, as the preflight answers them."""

    origins: tuple[str, ...] = ("*",)
    headers: tuple[str, ...] = ("Content-Type", "Authorization")
    allow_credentials: bool = False
    max_age: int | None = None

    def origin_for(self, request_origin: str | None) -> str:
        """The `Access-Control-Allow-Origin` value for a request from `request_origin`."""
        if "*" in self.origins:
            return "*"
        if request_origin in self.origins:
            return request_origin
        return self.origins[0]


@dataclass(frozen=True, slots=True)
class Authorizer:
    """A TOKEN authorizer: the function, where the token is read, and the cache TTL."""

    function: str
    header: str = "Authorization"
    ttl_seconds: float = 300


@dataclass(frozen=True, slots=True)
class Route:
    """One method on one resource, integrated with a Lambda function by proxy."""

    method: str
    path: str
    function: str
    authorizer: Authorizer | None = None
    private: bool = False
    cors: Cors | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """The route of a request and the path parameters it binds."""

    route: Route
    parameters: Mapping[str, str]


@dataclass
class _Resource:
    path: str
    literals: dict[str, _Resource] = field(default_factory=dict)
    parameter: tuple[str, _Resource] | None = None
    greedy: tuple[str, _Resource] | None = None
    methods: dict[str, Route] = field(default_factory=dict)


class RouteTable:
    """The API's resource tree."""

    def __init__(self, routes: list[Route] | tuple[Route, ...] = ()) -> None:
        self._root = _Resource("/")
        for route in routes:
            self.add(route)

    def add(self, route: Route) -> None:
        """Add a method on a resource, creating the resource and its parents."""
        node = self._root
        for segment in _segments(route.path):
            node = self._child(node, segment)
        node.methods[route.method.upper()] = route

    def routes(self) -> Iterator[Route]:
        """Every route, parents first."""
        pending = [self._root]
        while pending:
            node = pending.pop(0)
            yield from node.methods.values()
            pending.extend(node.literals.values())
            pending.extend(entry[1] for entry in (node.parameter, node.greedy) if entry)

    def resource(self, path: str) -> tuple[Mapping[str, Route], dict[str, str]] | None:
        """The methods of the resource `path` falls on, and the parameters it binds."""
        segments = [unquote(s) for s in _segments(path)]
        found = _find(self._root, segments, {})
        if found is None:
            return None
        node, parameters = found
        return node.methods, parameters

    def match(self, method: str, path: str) -> Match | None:
        """The route for a request, or None (a missing authentication token)."""
        found = self.resource(path)
        if found is None:
            return None
        methods, parameters = found
        route = methods.get(method.upper()) or methods.get("ANY")
        return Match(route, parameters) if route else None

    def _child(self, node: _Resource, segment: str) -> _Resource:
        path = node.path.rstrip("/") + "/" + segment
        if segment.startswith("{") and segment.endswith("+}"):
            if node.greedy is None:
                node.greedy = (segment[1:-2], _Resource(path))
            return node.greedy[1]
        if segment.startswith("{") and segment.endswith("}"):
            if node.parameter is None:
                node.parameter = (segment[1:-1], _Resource(path))
            elif node.parameter[0] != segment[1:-1]:
                raise ValueError(f"two parameter names at one level: {path}")
            return node.parameter[1]
        return node.literals.setdefault(segment, _Resource(path))


def _segments(path: str) -> list[str]:
    return [segment for segment in path.split("/") if segment]


def _find(
    node: _Resource, segments: list[str], bound: dict[str, str]
) -> tuple[_Resource, dict[str, str]] | None:
    if not segments:
        return node, bound
    head, rest = segments[0], segments[1:]
    literal = node.literals.get(head)
    if literal is not None:
        found = _find(literal, rest, bound)
        if found is not None:
            return found
    if node.parameter is not None:
        name, child = node.parameter
        found = _find(child, rest, {**bound, name: head})
        if found is not None:
            return found
    if node.greedy is not None:
        name, child = node.greedy
        return child, {**bound, name: "/".join(segments)}
    return None


def describe(route: Route) -> dict[str, Any]:
    """A route as the control endpoints list it."""
    return {
        "method": route.method,
        "path": route.path,
        "function": route.function,
        "authorizer": route.authorizer.function if route.authorizer else None,
        "private": route.private,
        "cors": route.cors is not None,
    }
