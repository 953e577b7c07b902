"""`python -m bench`: run the benchmarks, print the summary, write docs/performance.md.

Parts: cold (cold starts), warm (frame overhead), trips (DynamoDB round trips), memory,
stream (the consumer), gateway (the local gateway against serverless-offline).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pickle
import shutil
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

PARTS = ("trips", "stream", "memory", "warm", "cold", "gateway")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--parts", default=",".join(PARTS), help="comma-separated, of: " + ", ".join(PARTS)
    )
    parser.add_argument("--runs", type=int, default=15, help="cold starts per function")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="few runs and short loads: a look, not figures to publish",
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--code", type=Path, help="measure the code of this tree instead")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument(
        "--render",
        type=Path,
        metavar="PICKLE",
        help="write the page and the chart again from a run's saved figures, measuring nothing",
    )
    parser.add_argument(
        "--functions", default="", help="cold starts of these functions only (comma-separated)"
    )
    parser.add_argument(
        "--instructions",
        choices=("none", "some", "all"),
        default="some",
        help="count cold starts' instructions with valgrind (exact, slow): none, the "
        "functions in bench/instructions.py SOME (default), or all",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(argv)
    code = arguments.code.resolve() if arguments.code else None
    if code is not None:
        # Before anything imports adapters/domain/ports: the tree's code is the one measured.
        sys.path.insert(0, str(code))
        os.environ["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(code), os.environ.get("PYTHONPATH", "")])
        )

    from bench import aws, summary
    from bench.paths import CACHE, CHART, DOCS, ROOT
    from bench.results import Results, machine

    if arguments.render:
        _write(pickle.loads(arguments.render.read_bytes()), DOCS, CHART)
        print(f"wrote {DOCS} from {arguments.render}")
        return 0

    parts = [p for p in arguments.parts.split(",") if p]
    unknown = set(parts) - set(PARTS)
    if unknown:
        print(f"unknown parts: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    quick = arguments.quick
    root = code or ROOT
    only = tuple(name for name in arguments.functions.split(",") if name)
    runs = 3 if quick else arguments.runs
    command = "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:])
    results = Results(command=command.strip())
    results.started = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    results.machine = machine()
    began = time.perf_counter()

    def progress(message: str) -> None:
        print(f"[{time.perf_counter() - began:6.1f}s] {message}", file=sys.stderr, flush=True)

    def attempt(name: str, work: Callable[[], Any]) -> None:
        if name not in parts:
            return
        progress(f"{name}: starting")
        try:
            setattr(results, name, work())
        except Exception:
            results.errors[name] = traceback.format_exc()
            progress(f"{name}: FAILED\n{results.errors[name]}")

    from bench import consumer, roundtrips, warm

    attempt("trips", roundtrips.measure)
    attempt("stream", lambda: consumer.measure(repeats=1 if quick else 2))
    attempt("warm", lambda: warm.measure(200 if quick else 500, 3 if quick else 15, progress))

    if "memory" in parts:
        from bench import memory

        with aws.MotoServer() as moto:
            moto.prepare("prod", tables=True)
            attempt("memory", lambda: memory.measure(moto.url, 1000, 20 if quick else 60))

    if "cold" in parts:
        from bench import coldstart
        from bench.functions import deployed_functions

        # A server of its own: one that served the memory part has grown, and answers the
        # SSM reads of the cold starts more slowly.
        with aws.MotoServer() as moto:
            moto.prepare("prod")
            results.functions = [
                f for f in deployed_functions("prod") if not only or f.name in only
            ]
            attempt(
                "cold",
                lambda: coldstart.measure(moto.url, runs, progress, root=root, only=only),
            )
            if arguments.instructions != "none" and not quick and shutil.which("valgrind") is None:
                progress("instructions: valgrind is not installed, no instruction counts")
            elif arguments.instructions != "none" and not quick:
                from bench import instructions

                counted = only or (instructions.SOME if arguments.instructions == "some" else ())
                parts.append("instructions")
                attempt(
                    "instructions",
                    lambda: instructions.measure(moto.url, progress, root=root, only=counted),
                )

    if "gateway" in parts:
        from bench import gateway

        attempt(
            "gateway",
            lambda: gateway.measure(
                clients=4,
                seconds=2.0 if quick else 6.0,
                warm_up=3 if quick else 8,
                progress=progress,
            ),
        )

    results.seconds = time.perf_counter() - began
    results.machine["load_after"] = os.getloadavg()
    print(summary.summary(results))
    for name, error in results.errors.items():
        print(f"\n{name} failed:\n{error}", file=sys.stderr)

    raw = arguments.json or CACHE / "last-run.json"
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_text(json.dumps(_raw(results), indent=1, default=str))
    raw.with_suffix(".pickle").write_bytes(pickle.dumps(results))
    if not arguments.no_write and not quick and code is None:
        _write(results, DOCS, CHART)
        progress(f"wrote {DOCS.relative_to(ROOT)}")
    progress(f"raw figures in {raw} (and {raw.with_suffix('.pickle').name}, for --render)")
    return 1 if results.errors else 0


def _write(results: Any, page: Path, chart: Path) -> None:
    from bench import docs, tables

    drawn = False
    if results.cold is not None:
        from bench.chart import draw

        draw(results.cold, results.functions, tables.LAMBDA_MODE, chart)
        drawn = True
    page.write_text(docs.page(results, drawn))


def _raw(results: Any) -> dict[str, Any]:
    import dataclasses

    def plain(value: Any) -> Any:
        if hasattr(value, "to_json"):
            return value.to_json()
        if dataclasses.is_dataclass(value):
            return {k: plain(v) for k, v in vars(value).items() if not k.startswith("_")}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        return value

    return {k: plain(v) for k, v in vars(results).items()}
