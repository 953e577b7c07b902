"""Serverless Framework variables, resolved offline for one stage and region.

Sources understood: `self:` (a path in the file), `sls:stage`, `opt:stage`, `opt:region`,
`param:` (the stage's params, else `default`), `env:`, `aws:region` and `file(...)` with an
optional `:path` (YAML or JSON, relative to the file that names it). Variables nest
(`${self:a.${param:b}}`) and take fallbacks (`${opt:stage, 'dev'}`). A variable whose
source needs AWS or Node (`ssm:`, `cf:`, a `.js` file) and has no usable fallback stays in
the text as written, so nothing here ever needs credentials.

A value that is a whole variable keeps its type (`${param:quota}` may be a number); a
variable inside a longer string is rendered as text (booleans as `true`/`false`).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from adapters.deployment.yaml_loader import load_yaml_file

MAX_DEPTH = 32
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_SOURCE = re.compile(r"^(?:[a-zA-Z]+:|file\()")
_HOLE = "\x00{}\x00"


class Unresolved(Exception):
    """A variable this resolver cannot answer offline."""


def _split_alternatives(text: str) -> list[str]:
    """`a, 'b, c', d` split on the commas outside quotes and parentheses."""
    parts: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    parts.append("".join(current).strip())
    return parts


def as_text(value: Any) -> str:
    """A resolved value as it reads inside a longer string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _walk(value: Any, path: str) -> Any:
    for part in [p for p in path.split(".") if p]:
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


class Resolver:
    """Resolves every variable of a Serverless document for one stage and region."""

    def __init__(self, document: Mapping[str, Any], base: Path, stage: str, region: str) -> None:
        self._document = document
        self._base = base
        self.stage = stage
        self.region = region
        self._depth = 0
        declared = document.get("params") or {}
        self._raw_params = dict(declared.get("default") or {})
        self._raw_params.update(declared.get(stage) or {})
        self._params: dict[str, Any] = {}

    def resolve(self, value: Any, base: Path | None = None) -> Any:
        """`value` with every variable in it resolved, recursively."""
        if isinstance(value, str):
            return self._string(value, base or self._base)
        if isinstance(value, Mapping):
            return {key: self.resolve(item, base) for key, item in value.items()}
        if isinstance(value, list):
            return [self.resolve(item, base) for item in value]
        return value

    def params(self) -> dict[str, Any]:
        """The params of the stage: `default` overlaid with the stage's own."""
        return {name: self.param(name) for name in self._raw_params}

    def param(self, name: str) -> Any:
        """One param of the stage, resolved (None when not declared)."""
        if name not in self._params and name in self._raw_params:
            self._params[name] = self.resolve(self._raw_params[name])
        return self._params.get(name)

    def _string(self, text: str, base: Path) -> Any:
        holes: list[str] = []
        while True:
            start = text.rfind("${")
            end = text.find("}", start) if start >= 0 else -1
            if start < 0 or end < 0:
                break
            inner = text[start + 2 : end]
            whole = start == 0 and end == len(text) - 1
            try:
                value = self._variable(inner, base)
            except Unresolved:
                holes.append(text[start : end + 1])
                value = _HOLE.format(len(holes) - 1)
                whole = False
            if whole:
                return value
            text = text[:start] + as_text(value) + text[end + 1 :]
        for number in reversed(range(len(holes))):
            text = text.replace(_HOLE.format(number), holes[number])
        return text

    def _variable(self, inner: str, base: Path) -> Any:
        for alternative in _split_alternatives(inner):
            if not _SOURCE.match(alternative):
                return _literal(alternative)
            try:
                value = self._source(alternative, base)
            except Unresolved:
                continue
            if value is not None:
                return value
        raise Unresolved(inner)

    def _source(self, reference: str, base: Path) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise ValueError(f"variables nest too deep (a cycle?) at {reference!r}")
            return self._lookup(reference, base)
        finally:
            self._depth -= 1

    def _lookup(self, reference: str, base: Path) -> Any:
        if reference.startswith("file("):
            return self._file(reference, base)
        source, _, address = reference.partition(":")
        address = address.strip()
        if source == "self":
            return self.resolve(_walk(self._document, address))
        if source == "sls" and address == "stage":
            return self.stage
        if source == "opt" and address in ("stage", "region"):
            return self.stage if address == "stage" else self.region
        if source == "aws" and address == "region":
            return self.region
        if source == "param":
            return self.param(address)
        if source == "env":
            return os.environ.get(address)
        raise Unresolved(reference)

    def _file(self, reference: str, base: Path) -> Any:
        closing = reference.index(")")
        path = (base / reference[5:closing].strip().strip("'\"")).resolve()
        address = reference[closing + 1 :].lstrip(":").strip()
        if path.suffix not in (".yml", ".yaml", ".json") or not path.exists():
            raise Unresolved(reference)
        loaded = load_yaml_file(path)
        return self.resolve(_walk(loaded, address) if address else loaded, path.parent)


def _literal(text: str) -> Any:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if _NUMBER.fullmatch(text):
        return float(text) if "." in text else int(text)
    if text in ("true", "false"):
        return text == "true"
    return text
