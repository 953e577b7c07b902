"""Part 1: cold starts, each in a fresh process of the runtime-only interpreter.

Every run is one new `.venv-runtime/bin/python bench/probes/cold.py ...` with the
environment of a deployed function, its settings read from SSM on a moto server. The wall
time of the process (spawn to exit) is the figure compared; the probe also reports its
steps: the import of the handler module (which builds the container), the first
`container.settings()` (the SSM client and one GetParameters), and the function's services.

Functions and floors are interleaved in a shuffled order each round, so that the noise of
this shared machine falls on all of them alike. The function code runs from two copies:
`compiled` (bytecode made beforehand, as deploy/scripts/stage_code.py puts it in the
deployment package: what Lambda runs) and `source` (no bytecode, so every cold start
compiles every module of ours it imports: what shipping the bytecode saves). The libraries
come precompiled in both, as in the layer.
"""

from __future__ import annotations

import compileall
import json
import os
import py_compile
import random
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bench import stats
from bench.aws import lambda_environment
from bench.functions import Function, deployed_functions
from bench.paths import NOT_PACKAGED, PACKAGED, PROBES, ROOT, RUNTIME_PYTHON

MODES = ("source", "compiled")
API_FLOOR = "api floor"
AUTHORIZER_FLOOR = "authorizer floor"
STAGE = "prod"


@dataclass(frozen=True)
class Task:
    """One kind of process to start: a function in a code copy, or a floor."""

    label: str
    mode: str  # a MODES entry, or "" for a floor
    argv: tuple[str, ...]
    function: Function | None = None


@dataclass
class Summary:
    """The figures of one task over every run."""

    label: str
    mode: str
    kind: str
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    phases: dict[str, list[float]] = field(default_factory=dict)
    maxrss_kb: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return stats.median(self.walls)

    @property
    def p90(self) -> float:
        return stats.p90(self.walls)

    @property
    def cpu(self) -> float:
        return stats.median(self.cpus)

    def phase(self, name: str) -> float:
        return stats.median(self.phases.get(name, []))

    def startup(self) -> float:
        """Interpreter start and exit: the wall time the probe's own steps do not cover."""
        per_run = [
            wall - sum(values[i] for values in self.phases.values())
            for i, wall in enumerate(self.walls)
        ]
        return stats.median(per_run)


@dataclass
class ColdStarts:
    """Every summary, by (label, mode)."""

    runs: int
    summaries: dict[tuple[str, str], Summary]

    def floor(self, label: str) -> Summary:
        return self.summaries[(label, "")]

    def of(self, function: str, mode: str) -> Summary:
        return self.summaries[(function, mode)]

    def floor_of(self, function: Function) -> Summary:
        return self.floor(AUTHORIZER_FLOOR if function.kind == "authorizer" else API_FLOOR)

    def ratio(self, function: Function, mode: str) -> float:
        """Median wall time over the floor's median wall time."""
        return self.of(function.name, mode).median / self.floor_of(function).median

    def cpu_ratio(self, function: Function, mode: str) -> float:
        """The same with CPU time, which the other load of a shared machine disturbs less."""
        return self.of(function.name, mode).cpu / self.floor_of(function).cpu

    def to_json(self) -> dict:
        return {
            "runs": self.runs,
            "summaries": [
                {
                    "label": s.label,
                    "mode": s.mode,
                    "kind": s.kind,
                    "walls": s.walls,
                    "cpus": s.cpus,
                    "phases": s.phases,
                    "maxrss_kb": s.maxrss_kb,
                }
                for s in self.summaries.values()
            ],
        }


def copy_code(target: Path, compiled: bool, root: Path = ROOT) -> Path:
    """The function code as the deployment package holds it, with or without bytecode."""
    for package in PACKAGED:
        shutil.copytree(
            root / package,
            target / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
    for excluded in NOT_PACKAGED:
        shutil.rmtree(target / excluded, ignore_errors=True)
    if compiled:  # as deploy/scripts/stage_code.py compiles the package
        for package in PACKAGED:
            compileall.compile_dir(
                target / package,
                ddir=package,
                quiet=1,
                invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
            )
    return target


def tasks(functions: list[Function], code: dict[str, Path]) -> list[Task]:
    probe = str(PROBES / "cold.py")
    found = [
        Task(API_FLOOR, "", (probe, "api-floor")),
        Task(AUTHORIZER_FLOOR, "", (probe, "authorizer-floor")),
    ]
    for mode in code:
        for function in functions:
            argv = (
                probe,
                "function",
                function.module,
                ",".join(function.providers),
                ",".join(function.deferred),
            )
            found.append(Task(function.name, mode, argv, function))
    return found


def run_once(
    task: Task, endpoint: str, code: dict[str, Path], extra: Mapping[str, str] | None = None
) -> dict[str, float]:
    """One process: its wall time, its CPU time (user + system) and the probe's steps."""
    name = task.function.name if task.function else "floor"
    environment = {**lambda_environment(STAGE, endpoint, name), **(extra or {})}
    cwd = code[task.mode] if task.mode else next(iter(code.values()))
    if task.mode:
        environment["PYTHONPATH"] = str(cwd)
        environment["LAMBDA_TASK_ROOT"] = str(cwd)
    started = time.perf_counter()
    child = subprocess.Popen(
        [str(RUNTIME_PYTHON), *task.argv],
        cwd=cwd,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    child.stdout.close()
    lines = [line for line in output.splitlines() if line.startswith("RESULT ")]
    if child.returncode != 0 or not lines:
        raise RuntimeError(f"{task.label} ({task.mode}) failed:\n{output}")
    cpu = usage.ru_utime + usage.ru_stime
    return {"wall": wall, "cpu": cpu, **json.loads(lines[-1][len("RESULT ") :])}


def measure(
    endpoint: str,
    runs: int,
    progress: Callable[[str], None],
    modes: tuple[str, ...] = MODES,
    root: Path = ROOT,
    only: tuple[str, ...] = (),
    extra: Mapping[str, str] | None = None,
) -> ColdStarts:
    """`runs` cold starts of every function in every mode, and of both floors.

    `root` is the tree whose code is measured (a prototype of a change, say); `only` limits
    the functions; `extra` adds environment variables.
    """
    if not RUNTIME_PYTHON.exists():
        raise RuntimeError("no .venv-runtime: run `make runtime-venv` first")
    functions = [f for f in deployed_functions(STAGE) if not only or f.name in only]
    with tempfile.TemporaryDirectory(prefix="market-api-cold-") as temporary:
        code = {mode: copy_code(Path(temporary) / mode, mode == "compiled", root) for mode in modes}
        every = tasks(functions, code)
        summaries = {
            (t.label, t.mode): Summary(t.label, t.mode, t.function.kind if t.function else "floor")
            for t in every
        }
        shuffler = random.Random(20240601)
        for task in every[:3]:  # discarded: the first processes find cold file caches
            run_once(task, endpoint, code, extra)
        for round_number in range(runs):
            order = list(every)
            shuffler.shuffle(order)
            for task in order:
                sample = run_once(task, endpoint, code, extra)
                summary = summaries[(task.label, task.mode)]
                summary.walls.append(sample.pop("wall"))
                summary.cpus.append(sample.pop("cpu"))
                summary.maxrss_kb.append(sample.pop("maxrss_kb"))
                for phase, seconds in sample.items():
                    summary.phases.setdefault(phase, []).append(seconds)
            progress(f"cold starts: round {round_number + 1}/{runs}")
    return ColdStarts(runs, summaries)
