"""Each function's module imports only what that function uses (cold start depends on it).

Every module is imported in a fresh interpreter, as Lambda would at cold start, and the
modules it pulled in are compared with what it must never load.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
HANDLERS = sorted(
    p.stem
    for p in (ROOT / "adapters" / "aws_lambda").glob("*.py")
    if re.search(r"^def handler\(", p.read_text(), re.MULTILINE)
)

# Never in a Lambda function: test and local tooling, and what the layer does not ship.
NEVER = (
    "moto",
    "pytest",
    "yaml",
    "cryptography",
    "flask",
    "adapters.memory",
    "adapters.deployment",
    "adapters.local",
    "boto3",  # botocore alone makes the clients (adapters/aws_session.py)
)
# The authorizer answers from the token alone: no repository, no request validation.
# (dependency-injector itself imports pydantic when it is installed, so that is not here.)
NOT_IN_AUTHORIZER = (
    "adapters.dynamodb",
    "boto3.dynamodb",
    "adapters.aws_lambda.api",
    "adapters.aws_lambda.schemas",
)


RUNTIME_PYTHON = ROOT / ".venv-runtime" / "bin" / "python"


@pytest.fixture(scope="module")
def runtime_python() -> Path:
    """An interpreter with the runtime dependencies only, as the Lambda layer has them."""
    if not RUNTIME_PYTHON.exists():
        pytest.fail("no .venv-runtime: `make runtime-venv` (run by `make test`) creates it")
    return RUNTIME_PYTHON


def _imported_by(python: Path, module: str, then: str = "") -> set[str]:
    code = (
        "import importlib, json, sys\n"
        f"importlib.import_module('adapters.aws_lambda.{module}')\n"
        f"{then}\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([python, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


def _hits(modules: set[str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == f or m.startswith(f + ".") for f in forbidden))


def test_every_function_module_is_found():
    assert len(HANDLERS) == 20


@pytest.mark.parametrize("module", HANDLERS)
def test_a_function_module_imports_no_test_or_local_tooling(runtime_python: Path, module: str):
    assert _hits(_imported_by(runtime_python, module), NEVER) == []


def test_the_authorizer_imports_no_repository_and_no_validation(runtime_python: Path):
    modules = _imported_by(runtime_python, "capability_authorizer")

    assert _hits(modules, NOT_IN_AUTHORIZER + NEVER) == []


# The domain services each function's module reaches at import: at most the one it calls,
# since the container imports a service when its provider is first called.
SERVICES = tuple(
    f"domain.services.{name}"
    for name in ("expiry", "investibles", "investments", "markets", "sso", "summaries", "users")
)


@pytest.mark.parametrize(
    ("module", "own"),
    [
        ("update_investment", ["domain.services.investments"]),
        ("get_market", []),
        ("capability_authorizer", []),
    ],
)
def test_a_function_imports_no_domain_service_but_its_own(
    runtime_python: Path, module: str, own: list[str]
):
    assert _hits(_imported_by(runtime_python, module), SERVICES) == own


def test_a_function_makes_its_clients_without_boto3(runtime_python: Path):
    make_clients = (
        "import os\n"
        "os.environ.update(AWS_DEFAULT_REGION='us-east-1', AWS_ACCESS_KEY_ID='x', "
        "AWS_SECRET_ACCESS_KEY='x')\n"
        "from adapters.aws_lambda.container import _ssm_client\n"
        "from adapters.dynamodb.client import make_client\n"
        "_ssm_client(); make_client(endpoint_url='http://127.0.0.1:9')\n"
    )
    modules = _imported_by(runtime_python, "update_investment", then=make_clients)

    assert "botocore.client" in modules
    assert _hits(modules, ("boto3", "s3transfer")) == []


def test_a_function_builds_no_request_schema_at_import(runtime_python: Path):
    """Bodies are `defer_build`: importing a function builds no validator (the first request
    builds the one it uses), and the sign-in function loads no other route's schemas."""
    report = (
        "from pydantic import BaseModel\n"
        "def every(c):\n"
        "    for s in c.__subclasses__():\n"
        "        yield s\n"
        "        yield from every(s)\n"
        "print('BUILT', sorted(c.__name__ for c in every(BaseModel) if c.__pydantic_complete__))"
    )
    code = f"import adapters.aws_lambda.cognito_login\n{report}\n"
    out = subprocess.run(
        [runtime_python, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "BUILT []" in out.stdout
    modules = _imported_by(runtime_python, "cognito_login")
    assert _hits(modules, ("adapters.aws_lambda.schemas",)) == [
        "adapters.aws_lambda.schemas",
        "adapters.aws_lambda.schemas.fields",
        "adapters.aws_lambda.schemas.sso",
    ]
