#!/usr/bin/env python3
"""Copy the runtime code (domain/, ports/, adapters/) from the repository root into deploy/,
and compile the copy's bytecode.

Serverless resolves handler paths and package patterns against the folder of serverless.yml,
and the zip it builds is rooted there, so the packages must sit beside it. The copies are
git-ignored and replaced on every run: edit the originals at the repository root.

What is left out: tests, the repository's own bytecode (it may be stale, or of another Python),
`adapters/local/` (the local gateway) and `adapters/deployment/` (the reader of serverless.yml,
used by the tests and the local gateway only). Everything else under the packages is copied,
files that are not Python too (such as the service models in `adapters/botocore_data/`).

Then the copy is compiled: Lambda mounts the function's code read-only, so Python cannot
write the `.pyc` files it compiles, and without shipped bytecode every cold start compiles
every module it imports again. The `.pyc` files are unchecked-hash ones (PEP 552), as
scripts/build_layer.py makes for the layer: a zip resets every file time, which would make
timestamp-based ones stale, and the code under /var/task never changes once deployed. They
must come from the Python version Lambda runs (serverless.yml's `provider.runtime`), so this
script refuses to run under another.
"""

from __future__ import annotations

import compileall
import py_compile
import re
import shutil
import sys
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent.parent
ROOT = DEPLOY.parent
PACKAGES = ("domain", "ports", "adapters")
# Left out of the copy; serverless.yml's package patterns exclude the same again (but for the
# bytecode, which the compilation below puts back).
IGNORED_NAMES = shutil.ignore_patterns("__pycache__", "*.pyc", "tests", "test_*.py")
# Development only: the local gateway, and the serverless.yml reader it and the tests use.
NOT_SHIPPED = {ROOT / "adapters" / "local", ROOT / "adapters" / "deployment"}
MARKER = ".staged-copy"
RUNTIME = re.compile(r"^\s+runtime:\s*['\"]?python(\d+)\.(\d+)['\"]?\s*(?:#.*)?$", re.MULTILINE)


def lambda_python() -> tuple[int, int]:
    """The Python version of serverless.yml's runtime (`python3.11` -> (3, 11)).

    Read with a regular expression: this script runs before any dependency is installed.
    Every `runtime:` of the file must name the same Python.
    """
    found = {
        (int(major), int(minor))
        for major, minor in RUNTIME.findall((DEPLOY / "serverless.yml").read_text())
    }
    if len(found) != 1:
        raise SystemExit(
            f"stage_code: expected one Python runtime in serverless.yml, found {sorted(found)}"
        )
    return found.pop()


def require_lambda_python() -> None:
    wanted = lambda_python()
    if sys.version_info[:2] != wanted:
        running = ".".join(map(str, sys.version_info[:3]))
        version = ".".join(map(str, wanted))
        raise SystemExit(
            f"stage_code: serverless.yml runs python{version} but this is Python {running} "
            f"({sys.executable}), and the function package's bytecode must come from "
            f"Python {version}: run it with that version (serverless.sh takes it from "
            f"PYTHON, e.g. PYTHON=python{version} or the project's .venv/bin/python)"
        )


def ignored(folder: str, names: list[str]) -> set[str]:
    skipped = set(IGNORED_NAMES(folder, names))
    skipped.update(name for name in names if Path(folder, name) in NOT_SHIPPED)
    return skipped


def stage(package: str) -> None:
    source, target = ROOT / package, DEPLOY / package
    if not source.is_dir():
        raise SystemExit(f"stage_code: {source} does not exist")
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.exists():
        if not (target / MARKER).exists():
            raise SystemExit(f"stage_code: {target} is not a staged copy; refusing to replace it")
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=ignored)
    (target / MARKER).write_text("Copied by deploy/scripts/stage_code.py; edit ../../ instead.\n")


def compile_bytecode(package: str) -> None:
    """Write `__pycache__/<module>.cpython-3XX.pyc` beside every module of the copy.

    compileall writes whatever PYTHONDONTWRITEBYTECODE says (that only stops the import
    system). Optimisation level 0, the one Lambda imports with; the file names recorded in
    the bytecode are relative to the zip's root (the import system replaces them with the
    real path on import), so the output does not depend on where the repository sits.
    """
    compiled = compileall.compile_dir(
        DEPLOY / package,
        ddir=package,
        quiet=1,
        optimize=0,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    if not compiled:
        raise SystemExit(f"stage_code: {package}/ did not compile (see above)")


def main() -> None:
    require_lambda_python()
    for package in PACKAGES:
        stage(package)
        compile_bytecode(package)
    print(
        f"stage_code: copied {', '.join(PACKAGES)} into {DEPLOY.relative_to(ROOT)}/ "
        f"and compiled them for Python {'.'.join(map(str, sys.version_info[:2]))}"
    )


if __name__ == "__main__":
    main()
