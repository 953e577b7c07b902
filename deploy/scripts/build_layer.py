#!/usr/bin/env python3
"""Build the Lambda layer of runtime dependencies into deploy/.build/layer/python.

The list comes from [project].dependencies in pyproject.toml, less what the Lambda runtime
already provides (boto3 and its own dependencies). Wheels are fetched for the Lambda platform,
not for this machine, so no Docker is needed; every dependency must publish a wheel for it.
The arm64 layer, the one every stage deploys, goes to deploy/.build/layer; a layer for another
architecture to deploy/.build/layer-<arch> (serverless.yml's `custom.layerFolders`).

Usage: build_layer.py [--arch arm64|x86_64] [--python 3.11] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent.parent
ROOT = DEPLOY.parent
BUILD = DEPLOY / ".build"
DEFAULT_ARCH = "arm64"
PIP_CACHE = BUILD / "pip-cache"

# The Lambda Python runtime ships these; packaging them again only slows every cold start.
PROVIDED_BY_RUNTIME = {"boto3", "botocore", "s3transfer", "jmespath", "urllib3"}
# Never wanted in the layer, even if a dependency pulls it in: PyJWT only needs it for RSA,
# and the capability tokens are HMAC.
FORBIDDEN = {"cryptography", "cffi", "pycparser"}

# Type stubs, stale bytecode and the Cython sources dependency-injector ships next to its
# compiled modules: none is read at run time, and they are over half of the layer.
BUILD_ONLY_SUFFIXES = {".pyi", ".pyc", ".c", ".h", ".pyx", ".pxd"}

PLATFORMS = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}


def layer_folder(arch: str) -> Path:
    """Where the layer of `arch` is built: its zip holds the `python/` folder inside."""
    return BUILD / ("layer" if arch == DEFAULT_ARCH else f"layer-{arch}")


def distribution_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if not match:
        raise SystemExit(f"cannot read a package name from {requirement!r}")
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def runtime_requirements() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [
        requirement
        for requirement in project["dependencies"]
        if distribution_name(requirement) not in PROVIDED_BY_RUNTIME
    ]


def is_current(layer: Path, spec: dict[str, object]) -> bool:
    stamp = layer / ".stamp.json"
    if not stamp.exists() or not (layer / "python").is_dir():
        return False
    return json.loads(stamp.read_text()) == spec


def install(site: Path, requirements: list[str], arch: str, python: str) -> None:
    shutil.rmtree(site.parent, ignore_errors=True)
    site.mkdir(parents=True)
    command = [
        sys.executable, "-m", "pip", "install",
        "--quiet", "--disable-pip-version-check", "--no-compile",
        "--platform", PLATFORMS[arch],
        "--implementation", "cp",
        "--python-version", python,
        "--only-binary=:all:",
        "--cache-dir", str(PIP_CACHE),
        "--target", str(site),
        *requirements,
    ]  # fmt: skip
    subprocess.run(command, check=True)


def prune(site: Path) -> None:
    for path in list(site.rglob("*")):
        if not path.exists():
            continue
        if path.is_dir() and path.name in {"__pycache__", "tests", "test"}:
            shutil.rmtree(path)
        elif path.is_file() and path.suffix in BUILD_ONLY_SUFFIXES:
            path.unlink()
    shutil.rmtree(site / "bin", ignore_errors=True)

    present = {distribution_name(p.name.split("-")[0]) for p in site.glob("*.dist-info")}
    unwanted = present & (FORBIDDEN | PROVIDED_BY_RUNTIME)
    if unwanted:
        raise SystemExit(f"the layer would ship {sorted(unwanted)}: drop them from the deps")


def bytecode_compiler(python: str) -> list[str] | None:
    """A command that runs CPython `python` (e.g. "3.11"), whose bytecode Lambda can load."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == python:
        return [sys.executable]
    found = shutil.which(f"python{python}")
    return [found] if found else None


def compile_bytecode(site: Path, python: str) -> None:
    # /opt is read-only on Lambda, so without shipped bytecode every cold start compiles
    # pydantic again. Unchecked-hash pycs stay valid although the zip resets every mtime.
    interpreter = bytecode_compiler(python)
    if interpreter is None:
        print(
            f"build_layer: no Python {python} here; the layer ships without bytecode "
            "(slower cold starts)",
            file=sys.stderr,
        )
        return
    command = [
        *interpreter, "-m", "compileall", "-q", "-j", "0",
        "--invalidation-mode", "unchecked-hash", str(site),
    ]  # fmt: skip
    subprocess.run(command, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=sorted(PLATFORMS), default=DEFAULT_ARCH)
    parser.add_argument("--python", default="3.11")
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args()

    requirements = runtime_requirements()
    # What the layer is built from: a change to any of it means a rebuild.
    spec = {
        "requirements": requirements,
        "arch": args.arch,
        "python": args.python,
        "bytecode": bytecode_compiler(args.python) is not None,
        "builder": hashlib.sha256(Path(__file__).read_bytes()).hexdigest(),
    }
    layer = layer_folder(args.arch)
    site = layer / "python"
    if is_current(layer, spec) and not args.force:
        print(f"build_layer: {site.relative_to(ROOT)} is up to date")
        return

    install(site, requirements, args.arch, args.python)
    prune(site)
    compile_bytecode(site, args.python)
    (layer / ".stamp.json").write_text(json.dumps(spec, indent=2))
    print(f"build_layer: {', '.join(requirements)} for {args.arch} in {site.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
