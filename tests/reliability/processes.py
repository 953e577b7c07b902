"""The two processes behind the reliability tests: a serial moto DynamoDB and a gateway on it
that also hands its capability secret to the tests (see serve_with_secrets.py)."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.integration.gateway import running
from tests.integration.gateway.running import ROOT, RunningGateway, start_gateway
from tests.reliability.serial_dynamodb import READY
from tests.reliability.serve_with_secrets import SECRETS_FILE

STARTUP_SECONDS = 60
# A usage plan no test reaches: the 429s have their own tests in tests/integration.
UNLIMITED = ("--throttle-rate", "1000000", "--throttle-burst", "1000000", "--quota", "100000000")


class Dynamodb:
    """The moto server process; `url` is its endpoint."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.serial_dynamodb"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.url = _wait_for_line(self.process, READY)

    def stop(self) -> None:
        # Its state is thrown away, and a graceful stop waits for idle keep-alive connections.
        self.process.kill()
        self.process.wait()


def start_reliable_gateway(state_dir: Path, dynamodb_url: str, *options: str) -> RunningGateway:
    """A gateway on `dynamodb_url` with the test controls, the trusted request id header, an
    unlimited usage plan and the authorizer's TTL of serverless.yml (300 s), and `options`."""
    launcher = [sys.executable, "-m", "tests.reliability.serve_with_secrets"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(running, "command", lambda: launcher)
        return start_gateway(
            state_dir,
            "--dynamodb-endpoint",
            dynamodb_url,
            "--test-controls",
            "--trust-request-id-header",
            *UNLIMITED,
            "--no-reload",
            "--no-schedules",
            "--stream-poll-interval",
            "0.05",
            *options,
        )


def capability_secrets(gateway: RunningGateway) -> dict[str, Any]:
    """What serve_with_secrets wrote: `current` and `previous` ({kid, secret} or None),
    `issuer` and `algorithms`."""
    secrets: dict[str, Any] = json.loads((gateway.state_dir / SECRETS_FILE).read_text())
    return secrets


def _wait_for_line(process: subprocess.Popen[str], prefix: str) -> str:
    lines: queue.Queue[str] = queue.Queue()
    output: list[str] = []

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            lines.put(line)
        lines.put("")

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            break
        if not line and process.poll() is not None:
            break
        if line.startswith(prefix):
            return line[len(prefix) :].strip()
    _stop(process)
    raise RuntimeError("the process did not start:\n" + "".join(output))


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
