"""Everything one run measured, and what the machine was like while it ran."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass, field
from typing import Any

from bench.paths import RUNTIME_PYTHON

PACKAGES = ("boto3", "botocore", "pydantic", "PyJWT", "dependency-injector")
BENCH_PACKAGES = ("moto", "aws-lambda-powertools")


@dataclass
class Results:
    """The parts that ran (None for those skipped) and the errors of those that failed."""

    command: str
    started: str = ""
    seconds: float = 0.0
    machine: dict[str, Any] = field(default_factory=dict)
    cold: Any = None
    functions: list[Any] = field(default_factory=list)
    warm: Any = None
    trips: Any = None
    memory: Any = None
    stream: Any = None
    gateway: Any = None
    instructions: Any = None
    errors: dict[str, str] = field(default_factory=dict)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _versions(python: str, names: tuple[str, ...]) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json\n"
        f"names = {list(names)!r}\n"
        "found = {}\n"
        "for n in names:\n"
        "    try: found[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: found[n] = '-'\n"
        "print(json.dumps(found))\n"
    )
    done = subprocess.run([python, "-c", code], capture_output=True, text=True)
    import json

    try:
        parsed: dict[str, str] = json.loads(done.stdout)
    except ValueError:
        return {}
    return parsed


def machine() -> dict[str, Any]:
    """The CPU, the load, the interpreter and the versions that matter to the figures."""
    import sys

    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "load_before": os.getloadavg(),
        "python": platform.python_version(),
        "runtime_packages": _versions(str(RUNTIME_PYTHON), PACKAGES),
        "bench_packages": _versions(sys.executable, BENCH_PACKAGES),
        "kernel": platform.release(),
    }
