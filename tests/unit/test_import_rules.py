"""Import rules: the domain and its ports use the standard library only, adapters keep their
private modules to themselves, and the domain's unit suite runs without any AWS package."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OWN_PACKAGES = {"domain", "ports"}
AWS_PACKAGES = ("boto3", "botocore", "moto")
BLOCKER_FLAG = "MARKET_API_AWS_PACKAGES_BLOCKED"


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(root: Path, path: Path) -> Iterator[str]:
    """Every module a file imports, relative imports resolved to absolute names.

    For `from package import name` both `package` and `package.name` are given, since the
    name may be a submodule.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    own = module_name(root, path)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                if node.level - 1 >= len(anchor):
                    raise AssertionError(f"{path}: relative import beyond the top package")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names if alias.name != "*")


def python_files(root: Path, *packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (root / package).rglob("*.py"))


def foreign_imports(root: Path, *packages: str) -> list[str]:
    """Imports in `packages` of anything but the standard library and the domain's packages."""
    allowed = set(sys.stdlib_module_names) | OWN_PACKAGES
    return [
        f"{path.relative_to(root)}: {name}"
        for path in python_files(root, *packages)
        for name in imported_modules(root, path)
        if name.partition(".")[0] not in allowed
    ]


def is_module(root: Path, name: str) -> bool:
    base = root.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def private_crossings(root: Path) -> list[str]:
    """Imports of another adapters subpackage's private module (a name starting with `_`)."""
    found = []
    for path in python_files(root, "adapters"):
        parts = path.relative_to(root / "adapters").parts
        own_subpackage = parts[0] if len(parts) > 1 else None
        for name in imported_modules(root, path):
            pieces = name.split(".")
            if pieces[0] != "adapters" or len(pieces) < 3 or pieces[1] == own_subpackage:
                continue
            private = any(p.startswith("_") and p != "__init__" for p in pieces[2:])
            if private and is_module(root, name):
                found.append(f"{path.relative_to(root)}: {name}")
    return found


def test_the_domain_and_its_ports_import_only_the_standard_library_and_each_other() -> None:
    assert python_files(ROOT, "domain", "ports"), "no source found: is ROOT right?"

    assert foreign_imports(ROOT, "domain", "ports") == []


def test_no_adapter_imports_a_private_module_of_another_adapter() -> None:
    assert private_crossings(ROOT) == []


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def test_the_standard_library_rule_catches_third_party_imports_absolute_or_relative(
    tmp_path: Path,
) -> None:
    root = write(
        tmp_path,
        {
            "domain/__init__.py": "",
            "domain/ok.py": "import json\nfrom . import model\nfrom ports.clock import Clock\n",
            "domain/services/__init__.py": "",
            "domain/services/bad.py": "from ..model import x\nimport boto3.session\n",
            "ports/__init__.py": "",
            "ports/sneaky.py": "def f():\n    from pydantic import BaseModel\n",
        },
    )

    assert foreign_imports(root, "domain", "ports") == [
        "domain/services/bad.py: boto3.session",
        "ports/sneaky.py: pydantic",
        "ports/sneaky.py: pydantic.BaseModel",
    ]


def test_the_private_module_rule_catches_crossings_but_not_imports_at_home(
    tmp_path: Path,
) -> None:
    root = write(
        tmp_path,
        {
            "adapters/__init__.py": "",
            "adapters/tokens/__init__.py": "",
            "adapters/tokens/_claims.py": "",
            "adapters/tokens/capability.py": "from adapters.tokens._claims import x\n",
            "adapters/tokens/relative.py": "from ._claims import x\nfrom . import _claims\n",
            "adapters/http/__init__.py": "",
            "adapters/http/one.py": "from adapters.tokens._claims import x\n",
            "adapters/http/two.py": "from adapters.tokens import _claims\n",
            "adapters/http/three.py": "from ..tokens.capability import _private_name\n",
        },
    )

    assert private_crossings(root) == [
        "adapters/http/one.py: adapters.tokens._claims",
        "adapters/http/two.py: adapters.tokens._claims",
    ]


SITECUSTOMIZE = f"""
import sys
from importlib.abc import MetaPathFinder

BLOCKED = {AWS_PACKAGES!r}


class AwsPackageBlocker(MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"{{fullname}} is blocked for this run", name=fullname)
        return None


sys.meta_path.insert(0, AwsPackageBlocker())
"""


def blocked_environment(blocker_dir: Path) -> dict[str, str]:
    (blocker_dir / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    paths = [str(blocker_dir), str(ROOT), os.environ.get("PYTHONPATH", "")]
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in paths if p),
        BLOCKER_FLAG: "1",
    }


@pytest.mark.skipif(BLOCKER_FLAG in os.environ, reason="already running under the blocker")
def test_the_domain_unit_suite_passes_without_any_aws_package(tmp_path: Path) -> None:
    env = blocked_environment(tmp_path)
    probe = subprocess.run(
        [sys.executable, "-c", "import boto3"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode != 0 and "blocked for this run" in probe.stderr, probe.stderr

    run = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/unit/domain", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout
