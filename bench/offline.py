"""serverless-offline 13 (the last release for Serverless 3) running the same handlers.

It is installed with npm into the cache folder (bench/paths.py: CACHE), never into
deploy/. Its service folder holds a wrapper config derived from deploy/serverless.yml and
links to the code: the functions, their handlers, routes, authorizer and environment are
the deployment's. What the wrapper changes, and why:

- `plugins`: serverless-offline alone (warm-up and alarms have nothing to do offline, and
  ./scripts/offline_package.js is the packaging hook);
- `resources`, the layer and the functions' IAM roles go: offline needs no CloudFormation;
- the API key: the deployment names it by an SSM reference that CloudFormation resolves,
  so the wrapper gives the value the benchmark seeded in SSM, the one the authorizer hands
  back as `usageIdentifierKey`.

The handlers run in `.venv-runtime`'s python (serverless-offline puts $VIRTUAL_ENV/bin
first on PATH) and reach DynamoDB and SSM through AWS_ENDPOINT_URL.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from bench.aws import API_KEY, FAKE_AWS
from bench.paths import CACHE, ROOT, RUNTIME_PYTHON, SPEC

VERSION = "13.9.0"
INSTALL = CACHE / f"serverless-offline-{VERSION}"
SERVICE = CACHE / "offline-service"


def install(progress: Any) -> Path:
    """serverless-offline and its peer, serverless 3, in the cache folder (once)."""
    marker = INSTALL / "node_modules" / "serverless-offline" / "package.json"
    if marker.exists():
        return INSTALL
    if shutil.which("npm") is None:
        raise RuntimeError("npm is not installed")
    INSTALL.mkdir(parents=True, exist_ok=True)
    (INSTALL / "package.json").write_text('{"name": "bench-offline", "private": true}\n')
    progress(f"installing serverless-offline@{VERSION} into {INSTALL} (once)")
    subprocess.run(
        [
            "npm",
            "install",
            "--no-audit",
            "--no-fund",
            "--ignore-scripts",
            f"serverless-offline@{VERSION}",
        ],
        cwd=INSTALL,
        check=True,
        capture_output=True,
    )
    return INSTALL


def wrapper_config() -> dict[str, Any]:
    """deploy/serverless.yml with the changes the module docstring lists."""
    import yaml

    config: dict[str, Any] = yaml.safe_load(SPEC.read_text())
    config["plugins"] = ["serverless-offline"]
    config["configValidationMode"] = "off"
    config.pop("resources", None)
    config.pop("layers", None)
    provider = config["provider"]
    provider.pop("layers", None)
    provider["apiGateway"]["apiKeys"] = [{"name": "market-api-bench", "value": API_KEY}]
    for function in config["functions"].values():
        function.pop("role", None)
    return config


def prepare_service() -> Path:
    """The service folder: the wrapper config, and links to the code and the plugin."""
    import yaml

    SERVICE.mkdir(parents=True, exist_ok=True)
    (SERVICE / "serverless.yml").write_text(yaml.safe_dump(wrapper_config(), sort_keys=False))
    links = {name: ROOT / name for name in ("adapters", "domain", "ports")}
    links["node_modules"] = INSTALL / "node_modules"
    for name, target in links.items():
        link = SERVICE / name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(target)
    return SERVICE


class Offline:
    """`serverless offline start` on a free port, until stopped."""

    def __init__(self, endpoint: str, http_port: int, lambda_port: int, stage: str = "dev"):
        self.url = f"http://127.0.0.1:{http_port}"
        self._endpoint = endpoint
        self._ports = (http_port, lambda_port)
        self._stage = stage
        self._process: subprocess.Popen[str] | None = None
        self.output: list[str] = []

    def __enter__(self) -> Offline:
        cli = INSTALL / "node_modules" / "serverless" / "bin" / "serverless.js"
        environment = {
            **os.environ,
            **FAKE_AWS,
            "AWS_ENDPOINT_URL": self._endpoint,
            "VIRTUAL_ENV": str(RUNTIME_PYTHON.parent.parent),
            "SLS_TELEMETRY_DISABLED": "1",
            "SLS_NOTIFICATIONS_MODE": "off",
            "SLS_DEPRECATION_DISABLE": "*",
        }
        environment.pop("PYTHONPATH", None)
        self._process = subprocess.Popen(
            [
                "node",
                str(cli),
                "offline",
                "start",
                "--stage",
                self._stage,
                "--host",
                "127.0.0.1",
                "--httpPort",
                str(self._ports[0]),
                "--lambdaPort",
                str(self._ports[1]),
                "--noPrependStageInUrl",
                "--noTimeout",
            ],
            cwd=SERVICE,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self._process.stdout is not None
        deadline = time.monotonic() + 120
        for line in self._process.stdout:
            self.output.append(line.rstrip())
            if re.search(r"Server ready", line):
                break
            if time.monotonic() > deadline:
                break
        else:
            raise RuntimeError("serverless-offline stopped:\n" + "\n".join(self.output[-40:]))
        import threading

        threading.Thread(target=self._drain, daemon=True).start()
        return self

    def _drain(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            if '"duration_ms"' in line or len(self.output) < 2000:
                self.output.append(line.rstrip())

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
