"""Packaging the deployment offline, once, and reading what Serverless wrote.

`serverless package` needs Node and deploy/node_modules (made by `npm ci` in deploy/), the
runtime packages copied beside serverless.yml and the dependency layer; this module prepares
both, then packages every stage with no AWS credentials in the environment.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SERVERLESS = DEPLOY / "node_modules" / ".bin" / "serverless"
STAGES = ("dev", "stage", "prod")
REGION = "us-east-1"
TEMPLATE = "cloudformation-template-update-stack.json"
PACKAGE_TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class PackagedStage:
    """What `serverless package --stage <stage>` left in its output folder."""

    stage: str
    folder: Path
    seconds: float
    # The files of domain/, ports/ and adapters/ that should ship (bytecode aside), listed
    # when copied.
    runtime_files: frozenset[str]
    # cfn-lint's exit code and report on the template, with deploy/.cfnlintrc.yaml.
    lint_returncode: int
    lint_report: str

    @property
    def template(self) -> dict[str, Any]:
        return json.loads((self.folder / TEMPLATE).read_text())

    @property
    def template_path(self) -> Path:
        return self.folder / TEMPLATE

    def artifact(self, name: str) -> zipfile.ZipFile:
        return zipfile.ZipFile(self.folder / name)


def missing_toolchain() -> str | None:
    """Why packaging cannot run here at all, or None when Node and npx are installed."""
    for tool in ("node", "npx"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed: the deployment package needs Node.js"
    return None


def missing_node_modules() -> str | None:
    if SERVERLESS.exists():
        return None
    return (
        f"{SERVERLESS.relative_to(ROOT)} is missing: run `npm ci --prefix deploy` "
        "(or `cd deploy && npm ci`) before the deployment tests"
    )


RUNTIME_PACKAGES = ("domain", "ports", "adapters")
# Parts of the runtime packages that only development uses: the local gateway, and the reader
# of serverless.yml that it and the tests use.
DEVELOPMENT_ONLY = (("adapters", "local"), ("adapters", "deployment"))


def runtime_files() -> frozenset[str]:
    """The files of the runtime packages at the repository root that should ship, as zip entry
    names: every file, Python or not (data such as service models ships too), but tests, the
    development-only folders and the repository's own bytecode. The package's bytecode is
    compiled afresh, and checked apart (`expected_bytecode`)."""
    found = set()
    for package in RUNTIME_PACKAGES:
        for path in (ROOT / package).rglob("*"):
            if not path.is_file():
                continue
            parts = path.relative_to(ROOT).parts
            if any(parts[: len(folder)] == folder for folder in DEVELOPMENT_ONLY):
                continue
            if {"tests", "__pycache__"} & set(parts) or path.suffix == ".pyc":
                continue
            if path.name.startswith("test_") and path.suffix == ".py":
                continue
            found.add("/".join(parts))
    return frozenset(found)


def expected_bytecode(files: frozenset[str], python: str = "cpython-311") -> frozenset[str]:
    """The `.pyc` file beside each module of `files` (PEP 3147), as zip entry names."""
    pycs = set()
    for name in files:
        folder, _, file_name = name.rpartition("/")
        if file_name.endswith(".py"):
            pycs.add(f"{folder}/__pycache__/{file_name.removesuffix('.py')}.{python}.pyc")
    return frozenset(pycs)


def offline_environment(home: Path) -> dict[str, str]:
    """The current environment with every AWS credential and setting removed.

    AWS_SDK_LOAD_CONFIG is dropped rather than set to 0: the SDK reads any non-empty value as
    true and then fails on the missing ~/.aws/config.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(
        HOME=str(home),
        AWS_EC2_METADATA_DISABLED="true",
        MARKET_API_OFFLINE_PACKAGE="1",
        SLS_TELEMETRY_DISABLED="1",
        SLS_NOTIFICATIONS_MODE="off",
        npm_config_update_notifier="false",
    )
    return env


@contextmanager
def deploy_lock() -> Iterator[None]:
    """Serialise packaging runs: they share the staged code and the layer in deploy/."""
    lock_path = DEPLOY / ".build" / "package.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(
        command,
        cwd=DEPLOY,
        env=env,
        capture_output=True,
        text=True,
        timeout=PACKAGE_TIMEOUT_SECONDS,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )


def cfn_lint_command(template: Path) -> list[str]:
    cfn_lint = shutil.which("cfn-lint", path=str(Path(sys.executable).parent)) or "cfn-lint"
    return [cfn_lint, "--config-file", str(DEPLOY / ".cfnlintrc.yaml"), "--", str(template)]


def package_stages(out_dir: Path) -> dict[str, PackagedStage]:
    """Stage the code, build the layer, package every stage into out_dir/<stage>, lint it.

    Each template is linted in the background while the next stage packages: both are
    single-threaded, and this halves the time on two cores.
    """
    home = out_dir / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = offline_environment(home)
    timings: dict[str, float] = {}
    lints: dict[str, subprocess.Popen[str]] = {}

    with deploy_lock():
        expected_files = runtime_files()
        run([sys.executable, str(DEPLOY / "scripts" / "stage_code.py")], env)
        run([sys.executable, str(DEPLOY / "scripts" / "build_layer.py")], env)
        for stage in STAGES:
            folder = out_dir / stage
            started = time.monotonic()
            run(
                [
                    "npx", "--no-install", "serverless", "package",
                    "--stage", stage, "--region", REGION, "--package", str(folder),
                ],
                env,
            )  # fmt: skip
            timings[stage] = time.monotonic() - started
            lints[stage] = subprocess.Popen(
                cfn_lint_command(folder / TEMPLATE),
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )

    packaged = {}
    for stage, lint in lints.items():
        report, _ = lint.communicate(timeout=PACKAGE_TIMEOUT_SECONDS)
        packaged[stage] = PackagedStage(
            stage=stage,
            folder=out_dir / stage,
            seconds=timings[stage],
            runtime_files=expected_files,
            lint_returncode=lint.returncode,
            lint_report=report,
        )
    return packaged


def serverless_config() -> dict[str, Any]:
    """serverless.yml as plain YAML: variables stay unresolved, anchors are expanded."""
    return yaml.safe_load((DEPLOY / "serverless.yml").read_text())


def stage_params(stage: str) -> dict[str, Any]:
    params = serverless_config()["params"]
    return {**params["default"], **params.get(stage, {})}


def resources_of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in template["Resources"].items()
        if resource["Type"] == kind
    }


def getatt_target(value: Any) -> str | None:
    """The logical id that a {"Fn::GetAtt": [id, attr]} names, wherever it sits in value."""
    if isinstance(value, dict):
        if "Fn::GetAtt" in value:
            return str(value["Fn::GetAtt"][0])
        for inner in value.values():
            found = getatt_target(inner)
            if found:
                return found
    if isinstance(value, list):
        for inner in value:
            found = getatt_target(inner)
            if found:
                return found
    return None


def resource_paths(template: dict[str, Any]) -> dict[str, str]:
    """Logical id of each API Gateway resource -> its full path, e.g. /investibles/{id}."""
    resources = resources_of_type(template, "AWS::ApiGateway::Resource")

    def path_of(logical_id: str) -> str:
        properties = resources[logical_id]["Properties"]
        parent = properties["ParentId"]
        prefix = path_of(parent["Ref"]) if "Ref" in parent else ""
        return f"{prefix}/{properties['PathPart']}"

    return {logical_id: path_of(logical_id) for logical_id in resources}
