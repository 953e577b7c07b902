"""Stands in for the Lambda runtime's bootstrap inside one function's interpreter.

Copied next to the runtime's boto3 in the unpacked tree and run there by a bare interpreter,
so it may import the standard library only. Like Lambda, it imports the handler once (the
init phase), then answers one event per line of stdin with one JSON line on its own channel:
the handler's output goes to stderr with everything else the function writes.

    python -S bootstrap.py adapters/aws_lambda/get_market.handler 10

The second argument is the function's timeout in seconds, for the context's remaining time.

Every report also says which modules the import system had to compile from source, and which
modules of the mounted code have no bytecode file: the package ships compiled bytecode so that
a cold start, which cannot write to the read-only /var/task and /opt, compiles nothing.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import json
import os
import sys
import sysconfig
import time
import traceback
import uuid
from typing import Any

# Where the modules that matter came from, reported so the test can tell the layer from a leak.
WATCHED = (
    "domain",
    "ports",
    "adapters",
    "pydantic",
    "pydantic_core",
    "jwt",
    "dependency_injector",
    "boto3",
    "botocore",
    "urllib3",
    "cryptography",
    "yaml",
    "moto",
)


class Context:
    """The attributes of Lambda's context object that a handler may read."""

    def __init__(self, request_id: str, timeout: float) -> None:
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.invoked_function_arn = f"arn:aws:lambda:local:000000000000:{self.function_name}"
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


# Source files the import system compiled because it found no usable bytecode for them.
COMPILED: list[str] = []


def watch_compilations() -> None:
    """Note every module compiled from source: a module whose shipped bytecode is used is not.

    SourceFileLoader is the loader the path finder uses for `.py` files; it compiles through
    `source_to_code` only when the cached bytecode is missing, stale or of another Python.
    """
    loader = importlib.machinery.SourceFileLoader
    compile_source = loader.source_to_code

    def source_to_code(self: Any, data: Any, path: Any, *, _optimize: int = -1) -> Any:
        COMPILED.append(str(path))
        return compile_source(self, data, path, _optimize=_optimize)

    loader.source_to_code = source_to_code  # type: ignore[method-assign]


def without_bytecode() -> list[str]:
    """Modules of the function's code or its layer (PYTHONPATH but the runtime's own folder)
    imported with no bytecode file beside them."""
    runtime = os.environ.get("LAMBDA_RUNTIME_DIR", "/var/runtime")
    mounted = tuple(
        os.path.join(folder, "")
        for folder in os.environ.get("PYTHONPATH", "").split(os.pathsep)
        if folder and folder != runtime
    )
    missing = []
    for name, module in list(sys.modules.items()):
        source = getattr(module, "__file__", None) or ""
        if not (source.endswith(".py") and source.startswith(mounted)):
            continue
        cached = getattr(module, "__cached__", None)
        if not cached or not os.path.isfile(cached):
            missing.append(name)
    return sorted(missing)


def bytecode_report() -> dict[str, list[str]]:
    return {"compiled_from_source": list(COMPILED), "without_bytecode": without_bytecode()}


def origins() -> dict[str, str | None]:
    found = {}
    for name in WATCHED:
        module = sys.modules.get(name)
        if module is not None:
            found[name] = getattr(module, "__file__", None) or str(getattr(module, "__path__", ""))
    return found


def main() -> None:
    # The protocol keeps the real stdout; whatever the function prints goes to stderr.
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)

    def send(message: dict[str, Any]) -> None:
        channel.write(json.dumps(message) + "\n")

    module_path, _, attribute = sys.argv[1].rpartition(".")
    timeout = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    watch_compilations()
    started = time.perf_counter()
    try:
        handler = getattr(importlib.import_module(module_path.replace("/", ".")), attribute)
    except BaseException:
        send({"init_error": traceback.format_exc(), "sys_path": sys.path})
        return
    send(
        {
            "init_ms": round((time.perf_counter() - started) * 1000, 1),
            "executable": sys.executable,
            "version": list(sys.version_info[:3]),
            "no_site": bool(sys.flags.no_site),
            "sys_path": sys.path,
            "stdlib": sorted({sysconfig.get_path("stdlib"), sysconfig.get_path("platstdlib")}),
            "origins": origins(),
            **bytecode_report(),
        }
    )

    for line in sys.stdin:
        event = json.loads(line)
        try:
            result = handler(event, Context(str(uuid.uuid4()), timeout))
            answer: dict[str, Any] = {"result": json.loads(json.dumps(result))}
        except Exception as error:
            answer = {"error": f"{type(error).__name__}: {error}", "trace": traceback.format_exc()}
        answer["origins"] = origins()
        answer.update(bytecode_report())
        send(answer)


if __name__ == "__main__":
    main()
