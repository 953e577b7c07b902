"""The packaged functions run as Lambda runs them, on this machine.

`unpack` lays the artifacts out as Lambda does: the function's zip in `var/task`, the layer's
zip in `opt` (its content under `opt/python`), and, in `var/runtime`, boto3 and its
dependencies copied from .venv-runtime, standing in for the copy the Python runtime bundles.

`PackagedLambdas` gives each function an interpreter of its own, started on first use (its
cold start) and kept for the next events, as a warm instance is. The interpreter is a bare
CPython 3.11 started with `-S`, so no site-packages of this machine can stand in for the
layer, and with an environment holding only what Lambda would set and the template's
variables.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import stat
import subprocess
import sys
import threading
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest

from tests.integration.deploy_fixtures import ROOT
from tests.integration.package_support.packaging import CODE_ZIP, LAYER_ZIP
from tests.integration.package_support.scenario import Outcome
from tests.integration.package_support.template import Function, Template

RUNTIME_VENV = ROOT / ".venv-runtime"
# What the Lambda Python runtime bundles: boto3 and the packages it needs.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py")
BOOTSTRAP = Path(__file__).with_name("lambda_bootstrap.py")
# Plain interpreters, tried in this order; the test process's own is a virtual environment.
INTERPRETERS = ("/usr/local/bin/python3.11", "/usr/bin/python3.11")
ANSWER_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class LambdaTree:
    """An unpacked function: what Lambda mounts at /var/task, /opt and /var/runtime."""

    root: Path

    @property
    def task(self) -> Path:
        return self.root / "var" / "task"

    @property
    def opt(self) -> Path:
        return self.root / "opt"

    @property
    def runtime(self) -> Path:
        return self.root / "var" / "runtime"

    @property
    def python_path(self) -> str:
        """PYTHONPATH as the runtime orders it: the function, the layer, the runtime's boto3."""
        return os.pathsep.join(str(p) for p in (self.task, self.opt / "python", self.runtime))

    def unpacked_files(self) -> list[Path]:
        """Every file that came out of the two zips, relative to the root."""
        return sorted(
            path.relative_to(self.root)
            for top in (self.task, self.opt)
            for path in top.rglob("*")
            if path.is_file()
        )

    def make_read_only(self, read_only: bool = True) -> None:
        """Lambda mounts the code and the layers read-only: nothing can be written there."""
        for top in (self.task, self.opt, self.runtime):
            for folder in [top, *(p for p in top.rglob("*") if p.is_dir())]:
                mode = folder.stat().st_mode
                writable = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
                folder.chmod(mode & ~writable if read_only else mode | stat.S_IWUSR)


def runtime_site_packages() -> Path:
    """.venv-runtime's site-packages, made by `make runtime-venv`."""
    found = sorted(RUNTIME_VENV.glob("lib/python3*/site-packages"))
    if not found or not all((found[0] / name).exists() for name in RUNTIME_PACKAGES):
        pytest.fail(f"{RUNTIME_VENV.name} lacks boto3: run `make runtime-venv` first")
    return found[0]


def unpack(package: Path, root: Path) -> LambdaTree:
    """Lay the packaged artifacts in `package` out under `root` as Lambda does."""
    tree = LambdaTree(root)
    with zipfile.ZipFile(package / CODE_ZIP) as code:
        code.extractall(tree.task)
    with zipfile.ZipFile(package / LAYER_ZIP) as layer:
        layer.extractall(tree.opt)
    site = runtime_site_packages()
    tree.runtime.mkdir(parents=True)
    for name in RUNTIME_PACKAGES:
        source = site / name
        if source.is_dir():
            shutil.copytree(source, tree.runtime / name)
        else:
            shutil.copy2(source, tree.runtime / name)
    shutil.copy2(BOOTSTRAP, tree.runtime / "bootstrap.py")
    return tree


def plain_interpreter() -> str:
    """A CPython 3.11 that is no virtual environment (the layer is built for 3.11)."""
    for candidate in INTERPRETERS:
        if Path(candidate).is_file():
            return candidate
    base = getattr(sys, "_base_executable", "")
    if sys.version_info[:2] == (3, 11) and base and Path(base).is_file():
        return base
    pytest.skip("no plain Python 3.11 interpreter on this machine")


def lambda_environment(
    function: Function, template: Template, tree: LambdaTree, extra: Mapping[str, str]
) -> dict[str, str]:
    """What Lambda puts in a function's environment, the template's variables, and `extra`."""
    logging_config = function.properties.get("LoggingConfig", {})
    settings = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PYTHONPATH": tree.python_path,
        "LAMBDA_TASK_ROOT": str(tree.task),
        "LAMBDA_RUNTIME_DIR": str(tree.runtime),
        "_HANDLER": function.handler,
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "AWS_LAMBDA_FUNCTION_NAME": function.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.properties.get("MemorySize", 128)),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "local",
        "AWS_LAMBDA_LOG_FORMAT": logging_config.get("LogFormat", "Text"),
        "AWS_LAMBDA_LOG_LEVEL": logging_config.get("ApplicationLogLevel", "INFO"),
        "AWS_REGION": template.region,
        "AWS_DEFAULT_REGION": template.region,
        "AWS_ACCESS_KEY_ID": "ASIAPACKAGETEST00000",
        "AWS_SECRET_ACCESS_KEY": "package-test-secret-access-key",
        "AWS_SESSION_TOKEN": "package-test-session-token",
        # Lambda has no AWS config files; keep this machine's out of reach too.
        "AWS_CONFIG_FILE": str(tree.root / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tree.root / "no-aws-credentials"),
    }
    return {**settings, **template.environment(function.key), **extra}


class LambdaProcess:
    """One function's execution environment: an interpreter that imported the handler."""

    def __init__(
        self, function: Function, tree: LambdaTree, environment: Mapping[str, str], log: Path
    ) -> None:
        self.function = function
        self.log = log
        self._log_file = log.open("w")
        timeout = str(function.properties.get("Timeout", 3))
        self._process = subprocess.Popen(
            [
                plain_interpreter(),
                "-S",
                str(tree.runtime / "bootstrap.py"),
                function.handler,
                timeout,
            ],
            cwd=tree.task,
            env=dict(environment),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log_file,
            text=True,
        )
        self._lines: queue.Queue[str] = queue.Queue()
        assert self._process.stdout is not None
        threading.Thread(target=self._read, args=(self._process.stdout,), daemon=True).start()
        self._init: dict[str, Any] | None = None

    @property
    def init(self) -> dict[str, Any]:
        """The init phase's report: where Python looked for modules and what it imported."""
        if self._init is None:
            self._init = self._answer()
        return self._init

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put("")

    def _answer(self) -> dict[str, Any]:
        try:
            line = self._lines.get(timeout=ANSWER_TIMEOUT_SECONDS)
        except queue.Empty:
            line = ""
        if not line:
            raise AssertionError(
                f"{self.function.key} gave no answer; its output:\n{self.output()}"
            )
        answer: dict[str, Any] = json.loads(line)
        return answer

    def invoke(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """Send one event and wait for the answer."""
        assert self._process.stdin is not None, "not started"
        if "init_error" in self.init:
            return {"error": "the handler did not import", "trace": self.init["init_error"]}
        self._process.stdin.write(json.dumps(event) + "\n")
        self._process.stdin.flush()
        return self._answer()

    def output(self) -> str:
        """What the function wrote to stdout and stderr: its logs."""
        self._log_file.flush()
        return self.log.read_text()

    def finish(self) -> None:
        """Close stdin: the bootstrap's loop ends and the interpreter exits."""
        if self._process.stdin is not None and not self._process.stdin.closed:
            self._process.stdin.close()

    def close(self) -> None:
        self.finish()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._log_file.close()


@dataclass
class PackagedLambdas:
    """Invokes the unpacked functions, each in its own interpreter, started on first use."""

    template: Template
    tree: LambdaTree
    extra_environment: Mapping[str, str]
    logs: Path
    processes: dict[str, LambdaProcess] = field(default_factory=dict)
    answers: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def start(self, function: str) -> LambdaProcess:
        """The function's environment, started if it is not yet."""
        if function not in self.processes:
            definition = self.template.functions[function]
            environment = lambda_environment(
                definition, self.template, self.tree, self.extra_environment
            )
            self.processes[function] = LambdaProcess(
                definition, self.tree, environment, self.logs / f"{function}.log"
            )
        return self.processes[function]

    def start_all(self) -> None:
        """Start every function at once: their cold starts overlap, as in a deployment."""
        for function in self.template.functions:
            self.start(function)
        for process in self.processes.values():
            assert process.init

    def __call__(self, function: str, event: Mapping[str, Any]) -> Outcome:
        answer = self.start(function).invoke(event)
        self.answers.append((function, answer))
        if "error" in answer:
            return Outcome(error=answer["error"])
        return Outcome(value=answer["result"])

    def close(self) -> None:
        for process in self.processes.values():
            process.finish()
        for process in self.processes.values():
            process.close()
