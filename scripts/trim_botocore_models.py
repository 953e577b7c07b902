#!/usr/bin/env python3
"""Write the cut-down botocore service models the functions' clients read.

For each service of `adapters.aws_session.OPERATIONS`, read the installed botocore's model,
keep the listed operations and every shape they reach, drop the documentation, and write
`adapters/botocore_data/<service>/<api version>/service-2.json`; and keep those services
alone in botocore's endpoint data, written to `adapters/botocore_data/endpoints-cut.json`.
Run it after changing the
operations a function calls (a unit test fails until then) or upgrading botocore:

    .venv/bin/python scripts/trim_botocore_models.py
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.aws_session import API_VERSIONS, DATA_PATH, ENDPOINTS, OPERATIONS  # noqa: E402

DROPPED_KEYS = {"documentation", "documentationUrl", "examples"}


def full_model(service: str) -> dict[str, Any]:
    """The installed botocore's model of `service`, at the version the functions use."""
    from botocore.loaders import Loader

    model: dict[str, Any] = Loader().load_service_model(
        service, "service-2", api_version=API_VERSIONS[service]
    )
    return model


def _references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "shape" and isinstance(value, str):
                yield value
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)


def reachable_shapes(model: dict[str, Any], operations: Iterable[str]) -> set[str]:
    """The names of the shapes the operations' inputs, outputs and errors reach."""
    pending = [name for op in operations for name in _references(model["operations"][op])]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.add(name)
            pending.extend(_references(model["shapes"][name]))
    return seen


def _undocumented(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _undocumented(v) for k, v in node.items() if k not in DROPPED_KEYS}
    if isinstance(node, list):
        return [_undocumented(v) for v in node]
    return node


def trimmed_model(service: str, model: dict[str, Any] | None = None) -> dict[str, Any]:
    """The cut-down model of `service`, from `model` (by default the installed one)."""
    full = model if model is not None else full_model(service)
    operations = OPERATIONS[service]
    missing = [op for op in operations if op not in full["operations"]]
    if missing:
        raise SystemExit(f"{service}: botocore has no operation {', '.join(missing)}")
    shapes = reachable_shapes(full, operations)
    trimmed = {key: value for key, value in full.items() if key not in ("operations", "shapes")}
    trimmed["operations"] = {op: full["operations"][op] for op in sorted(operations)}
    trimmed["shapes"] = {name: full["shapes"][name] for name in sorted(shapes)}
    result: dict[str, Any] = _undocumented(trimmed)
    return result


def full_endpoints() -> dict[str, Any]:
    """The installed botocore's endpoint data (`endpoints.json`)."""
    from botocore.loaders import Loader

    data: dict[str, Any] = Loader().load_data("endpoints")
    return data


def trimmed_endpoints(data: dict[str, Any] | None = None) -> dict[str, Any]:
    """The endpoint data with, in every partition, the services of OPERATIONS only."""
    full = data if data is not None else full_endpoints()
    partitions = [
        {
            **partition,
            "services": {
                name: service
                for name, service in partition["services"].items()
                if name in OPERATIONS
            },
        }
        for partition in full["partitions"]
    ]
    return {**full, "partitions": partitions}


def model_path(service: str) -> Path:
    """Where the cut-down model of `service` is written."""
    return DATA_PATH / service / API_VERSIONS[service] / "service-2.json"


def render(model: dict[str, Any]) -> str:
    """The file's text: compact, keys sorted, so that a regenerated model diffs cleanly."""
    return json.dumps(model, sort_keys=True, separators=(",", ":")) + "\n"


def main() -> None:
    for service in OPERATIONS:
        path = model_path(service)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = render(trimmed_model(service))
        path.write_text(text)
        print(f"{path.relative_to(ROOT)}: {len(OPERATIONS[service])} operations, {len(text)} bytes")
    text = render(trimmed_endpoints())
    ENDPOINTS.write_text(text)
    print(f"{ENDPOINTS.relative_to(ROOT)}: {len(text)} bytes")


if __name__ == "__main__":
    main()
