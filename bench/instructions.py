"""Cold starts counted in instructions (valgrind, `--instructions`): one run of every
function and floor under cachegrind, which counts the instructions the process executes.

Wall and CPU times on a shared machine move by tens of percent from run to run; an
instruction count does not (hash seeds fixed), so the effect of a change to the code can be
read from it to a fraction of a percent. It leaves out what costs time without
instructions (waiting for the SSM answer, page faults, cache misses) and runs each
process about 40 times slower, so it is an option, not part of the default run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.aws import lambda_environment
from bench.coldstart import API_FLOOR, AUTHORIZER_FLOOR, MODES, STAGE, copy_code
from bench.functions import Function, deployed_functions
from bench.paths import PROBES, ROOT, RUNTIME_PYTHON

_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")
# Counted by default: the authorizer, a read, a write, and the heaviest sign-in route.
SOME = ("capability_authorizer", "get_market", "update_investment", "cognito_login")


@dataclass
class Instructions:
    """Instructions executed by each process, by (label, mode); floors have mode ""."""

    counts: dict[tuple[str, str], int]

    def ratio(self, function: Function, mode: str) -> float:
        floor = AUTHORIZER_FLOOR if function.kind == "authorizer" else API_FLOOR
        return self.counts[(function.name, mode)] / self.counts[(floor, "")]

    def to_json(self) -> dict[str, int]:
        return {f"{label}|{mode}": count for (label, mode), count in self.counts.items()}


def _count(argv: list[str], environment: Mapping[str, str], cwd: Path) -> int:
    done = subprocess.run(
        [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
            str(RUNTIME_PYTHON),
            *argv,
        ],
        env={**environment, "PYTHONHASHSEED": "0"},
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    found = _REFS.search(done.stderr)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"valgrind failed on {argv}:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def measure(
    endpoint: str,
    progress: Callable[[str], None],
    root: Path = ROOT,
    modes: tuple[str, ...] = MODES,
    only: tuple[str, ...] = (),
) -> Instructions:
    """One counted run of each floor, and of each function (or of `only`) in each mode.

    The counts do not depend on timing, so the processes run side by side, one per core.
    """
    if shutil.which("valgrind") is None:
        raise RuntimeError(
            "valgrind is not installed (apt-get install valgrind), or use --instructions none"
        )
    probe = str(PROBES / "cold.py")
    jobs: dict[tuple[str, str], tuple[list[str], dict[str, str], Path]] = {}
    with tempfile.TemporaryDirectory(prefix="market-api-ir-") as temporary:
        base = Path(temporary)
        floor_environment = lambda_environment(STAGE, endpoint, "floor")
        for label, kind in ((API_FLOOR, "api-floor"), (AUTHORIZER_FLOOR, "authorizer-floor")):
            jobs[(label, "")] = ([probe, kind], floor_environment, base)
        functions = [f for f in deployed_functions(STAGE) if not only or f.name in only]
        for mode in modes:
            code = copy_code(base / mode, mode == "compiled", root)
            for function in functions:
                environment = {
                    **lambda_environment(STAGE, endpoint, function.name),
                    "PYTHONPATH": str(code),
                }
                argv = [
                    probe,
                    "function",
                    function.module,
                    ",".join(function.providers),
                    ",".join(function.deferred),
                ]
                jobs[(function.name, mode)] = (argv, environment, code)
        counts: dict[tuple[str, str], int] = {}
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            futures = {key: pool.submit(_count, *job) for key, job in jobs.items()}
            for done, (key, future) in enumerate(futures.items(), start=1):
                counts[key] = future.result()
                if done % 10 == 0 or done == len(futures):
                    progress(f"instructions: {done}/{len(futures)}")
    return Instructions(counts)
