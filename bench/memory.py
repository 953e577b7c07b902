"""Part 4: the peak memory of a warm API function, in fresh runtime-only processes.

bench/probes/memory.py runs update_investment many times: on the in-memory store (1,000
invocations) and on the real DynamoStore against the moto server (fewer: moto, not the
function, is slow there). Each runs twice: once for the resident set size (VmHWM, the
peak of the process image), once with tracemalloc tracing from the first line (Python's
own allocations; tracing inflates the resident size, so the two are kept apart).

Lambda's "Max Memory Used" counts the whole sandbox: the runtime's own process (its
bootstrap, the interpreter, the runtime interface client) as well as what the function
loads. A Python function that does nothing reports 30 to 40 MB. The estimate here is our
peak less that of a bare interpreter (`python -c pass`, measured) plus 40 MB, the top of
that range; the bound adds 40 MB to our whole peak, counting the interpreter twice.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from typing import Any

from bench.aws import lambda_environment
from bench.paths import PROBES, ROOT, RUNTIME_PYTHON

LAMBDA_MEMORY_MB = 128
RUNTIME_OVERHEAD_MB = 40


@dataclass(frozen=True)
class MemoryFigures:
    """The peaks of one store kind."""

    store: str
    invocations: int
    rss: dict[str, float]
    traced: dict[str, Any]
    bare_interpreter_mb: float

    @property
    def peak_mb(self) -> float:
        return self.rss["warm_rss_mb"]

    @property
    def lambda_estimate_mb(self) -> float:
        return self.peak_mb - self.bare_interpreter_mb + RUNTIME_OVERHEAD_MB

    @property
    def lambda_bound_mb(self) -> float:
        return self.peak_mb + RUNTIME_OVERHEAD_MB

    @property
    def growth_mb(self) -> float:
        """Traced Python memory held after the last invocation more than after the first."""
        return float(self.traced["warm_traced_mb"][0] - self.traced["first_traced_mb"][0])

    @property
    def ok(self) -> bool:
        return self.lambda_bound_mb <= LAMBDA_MEMORY_MB


def _probe(endpoint: str, store: str, count: int, trace: bool) -> dict[str, Any]:
    environment = lambda_environment("prod", endpoint, "update_investment")
    environment["PYTHONPATH"] = str(ROOT)
    argv = [str(RUNTIME_PYTHON), str(PROBES / "memory.py"), store, str(count)]
    done = subprocess.run(
        argv + (["tracemalloc"] if trace else []),
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"memory probe ({store}) failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(lines[-1][len("RESULT ") :])
    return result


def _bare_interpreter_mb() -> float:
    code = "print([l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0].split()[1])"
    done = subprocess.run([str(RUNTIME_PYTHON), "-c", code], capture_output=True, text=True)
    return int(done.stdout.strip()) / 1024


def measure(
    endpoint: str, memory_invocations: int, dynamodb_invocations: int
) -> list[MemoryFigures]:
    """The memory store and the DynamoDB store; the moto server must hold the tables."""
    bare = _bare_interpreter_mb()
    figures = []
    for store, count in (("memory", memory_invocations), ("dynamodb", dynamodb_invocations)):
        rss = _probe(endpoint, store, count, trace=False)
        traced = _probe(endpoint, store, count, trace=True)
        figures.append(MemoryFigures(store, count, rss, traced, bare))
    return figures
