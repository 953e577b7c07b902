"""The bad inputs of tests/reliability/test_bad_input.py: per route, a valid body and the
values that must be refused; generic bad bodies; odd ids for paths, bodies and queries."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

BAD, TOO_BIG = frozenset({400}), frozenset({413})
READ_OK = frozenset({200, 400})
# An odd id in a path names nothing (404), is refused (400), or matches no route (403).
ODD_PATH = frozenset({400, 403, 404})


@dataclass(frozen=True)
class Scene:
    """A DECISION market: its admin, a member, an investible and the stages."""

    account_token: str
    admin_token: str
    member_token: str
    member_id: str
    investible_id: str
    stage_ids: tuple[str, ...]


@dataclass(frozen=True)
class Case:
    """One bad request: a JSON body (or raw bytes), and the statuses it may answer."""

    label: str
    body: Any = None
    raw: bytes | None = None
    statuses: frozenset[int] = BAD
    path: str | None = None


@dataclass(frozen=True)
class Route:
    """A route, the token it takes, a valid body, and its own bad values per field."""

    method: str
    path: str
    token: Callable[[Scene], str]
    base: Callable[[Scene], dict[str, Any]] | None = None
    required: tuple[str, ...] = ()
    reads: bool = False
    values: dict[str, list[Any]] = field(default_factory=dict)
    path_id: Callable[[Scene], str] | None = None


QUANTITIES: list[Any] = [0, 101, -101, -5, 1.5, 1.0, "5", True, None, 2**63, 10**30, [], {}]
FORMER_QUANTITIES: list[Any] = [101, -101, 1.5, "0", False, None, 2**63, []]
NAMES: list[Any] = [
    "a" * 256,
    "",
    "   ",
    "\u0000",
    "a\u0007b",
    "\ud800",
    "a\udc00b",
    "a\nb",
    "\u0085",
    "\uffff",
    None,
    5,
]
DESCRIPTIONS: list[Any] = ["d" * 20_001, "\u0000", "\ud800", "a\u001bb", 5]
EXPIRATIONS: list[Any] = [0, 3651, -1, 1.5, "14", True, None]
BOOLEANS: list[Any] = ["true", 1, 0, None, []]
ODD_IDS: list[Any] = [
    "a" * 129,
    "a" * 10_000,
    "../",
    "..%2F",
    "%2F",
    ".",
    "..",
    "' OR 1=1",
    "{}",
    "\u00fc",
    "",
    " ",
    "a/b",
    "#",
    "USER#x",
    "-a",
    "a\u0000",
    None,
    5,
    ["a"],
]
ODD_PATH_IDS = [
    "a" * 129,
    "a" * 2_000,
    ".",
    "..",
    "%2E%2E",
    "%2F",
    "..%2F..%2Fget",
    quote("' OR 1=1"),
    "%7B%7D",
    "%C3%BC",
    "%00",
    "%FF",
    "%20",
    "%23",
    "USER%23x%23INVESTMENT%23y",
    "*",
    "a.b",
]
HUNDRED_AND_ONE = 101


def versions_of(entry: Callable[[int], Any]) -> list[Any]:
    return [entry(i) for i in range(HUNDRED_AND_ONE)]


ROUTES: dict[str, Route] = {
    "POST /create": Route(
        "POST",
        "/create",
        lambda s: s.account_token,
        lambda s: {"market_type": "DECISION", "name": "Valid"},
        required=("market_type", "name"),
        values={
            "market_type": ["decision", "", "OTHER", 1, None],
            "name": NAMES,
            "description": DESCRIPTIONS,
            "investment_expiration": EXPIRATIONS,
            "allow_multi_vote": BOOLEANS,
        },
    ),
    "GET /get": Route("GET", "/get", lambda s: s.admin_token, reads=True),
    "PATCH /update": Route(
        "PATCH",
        "/update",
        lambda s: s.admin_token,
        lambda s: {"name": "Renamed"},
        values={
            "name": NAMES,
            "description": DESCRIPTIONS[:-1],
            "investment_expiration": EXPIRATIONS,
            "allow_multi_vote": BOOLEANS,
            "market_stage": ["active", "Closed", "", None, 1],
            "version": [0, -1, 1.5, "1", True],
        },
    ),
    "POST /invest": Route(
        "POST",
        "/invest",
        lambda s: s.member_token,
        lambda s: {"investible_id": s.investible_id, "quantity": 5, "former_quantity": 0},
        required=("investible_id", "quantity"),
        values={
            "investible_id": ODD_IDS,
            "quantity": QUANTITIES,
            "former_quantity": FORMER_QUANTITIES,
            "comment_id": ODD_IDS[:-3],
        },
    ),
    "DELETE /invest/{id}": Route(
        "DELETE", "/invest/{id}", lambda s: s.member_token, path_id=lambda s: s.investible_id
    ),
    "POST /list": Route(
        "POST",
        "/list",
        lambda s: s.admin_token,
        lambda s: {"list_type": "stages"},
        required=("list_type",),
        reads=True,
        values={
            "list_type": ["STAGES", "", "investibles", 1, None],
            "versions": [
                {},
                "all",
                [{"id": "x"}],
                [{"id": "x", "version": -1}],
                [{"id": "x", "version": "1"}],
                [{"id": "x", "version": 1, "extra": 1}],
                versions_of(lambda i: {"id": f"x{i}", "version": 1}),
                *[[{"id": odd, "version": 1}] for odd in ODD_IDS],
            ],
        },
    ),
    "POST /investibles": Route(
        "POST",
        "/investibles",
        lambda s: s.admin_token,
        lambda s: {"versions": []},
        reads=True,
        values={
            "versions": [
                {},
                [{"id": "x", "version": 1}],
                [{"investible": {"id": "x"}}],
                [{"investible": {"id": "x", "version": 1}, "market_infos": {}}],
                versions_of(lambda i: {"investible": {"id": f"x{i}", "version": 1}}),
                [
                    {
                        "investible": {"id": "x", "version": 1},
                        "market_infos": versions_of(lambda i: {"id": f"y{i}", "version": 1}),
                    }
                ],
                *[[{"investible": {"id": odd, "version": 1}}] for odd in ODD_IDS],
            ],
        },
    ),
    "POST /investments": Route(
        "POST",
        "/investments",
        lambda s: s.admin_token,
        lambda s: {"investments": []},
        reads=True,
        values={
            "user_id": ODD_IDS,
            "investments": [
                {},
                [{"type_object_id": "", "version": 1}],
                [{"type_object_id": "x" * 161, "version": 1}],
                [{"type_object_id": "investible_x", "version": -1}],
                [{"type_object_id": "investible_x"}],
                versions_of(lambda i: {"type_object_id": f"investible_{i}", "version": 1}),
            ],
        },
    ),
    "POST /investibles/create": Route(
        "POST",
        "/investibles/create",
        lambda s: s.admin_token,
        lambda s: {"name": "Valid"},
        required=("name",),
        values={
            "name": NAMES,
            "description": DESCRIPTIONS,
            "stage_id": ODD_IDS[:-3],
            "open_for_investment": BOOLEANS,
        },
    ),
    "GET /investibles/{id}": Route(
        "GET",
        "/investibles/{id}",
        lambda s: s.admin_token,
        reads=True,
        path_id=lambda s: s.investible_id,
    ),
    "PATCH /investibles/{id}": Route(
        "PATCH",
        "/investibles/{id}",
        lambda s: s.admin_token,
        lambda s: {"name": "Renamed"},
        values={
            "name": NAMES,
            "description": DESCRIPTIONS[:-1],
            "open_for_investment": BOOLEANS,
            "version": [0, -1, 1.5, "1", True],
        },
        path_id=lambda s: s.investible_id,
    ),
    "PATCH /investibles/state/{id}": Route(
        "PATCH",
        "/investibles/state/{id}",
        lambda s: s.admin_token,
        lambda s: {"current_stage_id": s.stage_ids[0], "stage_id": s.stage_ids[1]},
        required=("current_stage_id", "stage_id"),
        values={"current_stage_id": ODD_IDS, "stage_id": ODD_IDS},
        path_id=lambda s: s.investible_id,
    ),
    "GET /users/get": Route("GET", "/users/get", lambda s: s.member_token, reads=True),
    "POST /users/ban/{id}": Route(
        "POST",
        "/users/ban/{id}",
        lambda s: s.admin_token,
        lambda s: {"is_banned": True},
        required=("is_banned",),
        values={"is_banned": BOOLEANS},
        path_id=lambda s: s.member_id,
    ),
}


def wrong_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "true"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return 5
    if isinstance(value, list):
        return {"a": 1}
    return ["a"]


def body_cases(route: Route, base: dict[str, Any]) -> list[Case]:
    """The generic bad bodies, then each field's null, wrong type, own bad values, absence."""
    bad = READ_OK if route.reads else BAD
    cases = [
        Case("truncated JSON", raw=b'{"name": '),
        Case("single quotes", raw=b"{'name': 'x'}"),
        Case("trailing garbage", raw=json.dumps(base).encode() + b" x"),
        Case("NaN", raw=b'{"quantity": NaN}', statuses=bad),
        Case("Infinity", raw=b'{"quantity": Infinity}', statuses=bad),
        Case("nested 30,000 deep", raw=b"[" * 30_000 + b"]" * 30_000),
        Case("invalid UTF-8", raw=b'{"name": "\xff\xfe"}'),
        Case("lone surrogate escape", raw=b'{"name": "\\ud800"}', statuses=bad),
        Case("a JSON array", body=[base]),
        Case("a JSON string", body="text"),
        Case("a JSON number", body=42),
        Case("an extra field", body={**base, "colour": "red"}),
        Case("over 64 KiB", body={**base, "padding": "p" * 70_000}, statuses=TOO_BIG),
        Case("over 64 KiB of one name", body={**base, "name": "n" * 100_000}, statuses=TOO_BIG),
    ]
    if route.required or not route.reads:
        cases += [Case("an empty object", body={}, statuses=bad), Case("null", raw=b"null")]
    for name, value in base.items():
        cases.append(
            Case(f"{name} of the wrong type", {**base, name: wrong_type(value)}, statuses=bad)
        )
    for name in route.required:
        rest = {k: v for k, v in base.items() if k != name}
        cases.append(Case(f"{name} missing", rest, statuses=bad))
    for name, values in route.values.items():
        for value in values:
            label = f"{name}={short(value)}"
            cases.append(Case(label, {**base, name: value}, statuses=bad))
    return cases


def invest_literals(scene: Scene) -> list[Case]:
    """Quantities that only raw JSON can spell: 1e3, 5.0, -0, 1e400, a big exponent."""
    start = f'{{"investible_id": "{scene.investible_id}", "quantity": '.encode()
    return [
        Case(f"quantity {literal.decode()}", raw=start + literal + b"}")
        for literal in (b"1e3", b"5.0", b"-0", b"1e400", b"-1e400", b"5e-324", b"0x5", b"+5", b"05")
    ]


def path_cases(route: Route, base: dict[str, Any] | None) -> list[Case]:
    prefix = route.path.replace("{id}", "")
    return [
        Case(f"path id {short(odd)}", body=base, statuses=ODD_PATH, path=prefix + odd)
        for odd in ODD_PATH_IDS
    ] + [Case("no path id", body=base, statuses=ODD_PATH, path=prefix)]


def bodyless_cases(route: Route) -> list[Case]:
    harmless = frozenset({200, 404}) if route.reads else frozenset({200, 400, 404})
    return [
        Case("a malformed body on a bodyless route", raw=b"{oops"),
        Case("a JSON array body on a bodyless route", body=[1, 2]),
        Case("an ignored object body", body={"anything": 1}, statuses=harmless),
        Case("junk query", statuses=harmless, path=route.path + "?x=%00&x=" + "q" * 2000),
    ]


def cases_of(route_name: str, scene: Scene) -> list[Case]:
    route = ROUTES[route_name]
    base = route.base(scene) if route.base else None
    cases: list[Case] = []
    if base is not None:
        cases += body_cases(route, base)
    elif "{id}" not in route.path:
        cases += bodyless_cases(route)
    if route_name == "POST /invest":
        cases += invest_literals(scene)
    if route.path_id is not None:
        cases += path_cases(route, base)
    return cases


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:30]}...({len(text)} chars)"
