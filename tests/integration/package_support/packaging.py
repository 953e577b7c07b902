"""The packaged deployment, made once per test session and shared by the modules that need it.

Two packagings are involved:

- the deployment as every stage ships it (arm64), which test_deployment_package.py already
  makes for dev, stage and prod: its output is reused when it is there, so the session
  packages it only once;
- the dev stage for this machine's architecture (`--param="architecture=<arch>"`), so that the
  package can run here; its layer is built for that architecture in its own folder.

Both are kept in `config.stash`, so every test module of the session gets the same folders.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

import pytest

from tests.integration.deploy_fixtures import (
    DEPLOY,
    REGION,
    STAGES,
    TEMPLATE,
    deploy_lock,
    missing_node_modules,
    missing_toolchain,
    offline_environment,
    run,
)

CODE_ZIP = "market-api.zip"
LAYER_ZIP = "dependencies.zip"
HOST_STAGE = "dev"
# The folder name test_deployment_package.py's session fixture packages every stage into.
DEPLOYMENT_TEST_FOLDER = "serverless-package"

_HOST_KEY = pytest.StashKey[Path]()
_STAGES_KEY = pytest.StashKey[dict[str, Path]]()
_MACHINES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}


def host_architecture() -> str:
    """This machine's architecture, as Lambda names it."""
    machine = platform.machine().lower()
    if machine not in _MACHINES:
        pytest.skip(f"Lambda has no architecture for a {machine} machine")
    return _MACHINES[machine]


def require_toolchain() -> None:
    """Skip without Node; fail, with the command to run, without deploy/node_modules."""
    reason = missing_toolchain()
    if reason:
        pytest.skip(reason)
    problem = missing_node_modules()
    if problem:
        pytest.fail(problem)


def package(out_dir: Path, stages: tuple[str, ...], architecture: str | None = None) -> None:
    """Stage the code, build the layer and run `serverless package` for each stage, offline.

    With `architecture`, the stages are packaged for it instead of the default (arm64).
    """
    home = out_dir / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = offline_environment(home)
    layer = [sys.executable, str(DEPLOY / "scripts" / "build_layer.py")]
    params = []
    if architecture is not None:
        layer += ["--arch", architecture]
        params = [f"--param=architecture={architecture}"]
    with deploy_lock():
        run([sys.executable, str(DEPLOY / "scripts" / "stage_code.py")], env)
        run(layer, env)
        for stage in stages:
            command = ["npx", "--no-install", "serverless", "package", "--stage", stage]
            command += ["--region", REGION, "--package", str(out_dir / stage), *params]
            run(command, env)


def is_complete(folder: Path) -> bool:
    """Whether a packaging output folder holds the template and both zips."""
    return all((folder / name).is_file() for name in (TEMPLATE, CODE_ZIP, LAYER_ZIP))


def host_package(config: pytest.Config, factory: pytest.TempPathFactory) -> Path:
    """The dev stage packaged for this machine's architecture: its output folder."""
    if _HOST_KEY not in config.stash:
        require_toolchain()
        out_dir = factory.mktemp("host-package")
        package(out_dir, (HOST_STAGE,), host_architecture())
        config.stash[_HOST_KEY] = out_dir / HOST_STAGE
    return config.stash[_HOST_KEY]


def stage_packages(config: pytest.Config, factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every stage as deployed, by stage: the deployment test's output, or a packaging of ours."""
    if _STAGES_KEY not in config.stash:
        earlier = _packaged_by_the_deployment_test(factory.getbasetemp())
        if earlier is None:
            require_toolchain()
            out_dir = factory.mktemp("stage-packages")
            package(out_dir, STAGES)
            earlier = {stage: out_dir / stage for stage in STAGES}
        config.stash[_STAGES_KEY] = earlier
    return config.stash[_STAGES_KEY]


def _packaged_by_the_deployment_test(basetemp: Path) -> dict[str, Path] | None:
    for folder in sorted(basetemp.glob(f"{DEPLOYMENT_TEST_FOLDER}*")):
        stages = {stage: folder / stage for stage in STAGES}
        if all(is_complete(path) for path in stages.values()):
            return stages
    return None
