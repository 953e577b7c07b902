"""A local gateway started as `market-api serve --port 0` in its own process, and a small
HTTP client for it (http.client: a real socket, one keep-alive connection per client)."""

from __future__ import annotations

import http.client
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[3]
STARTUP_SECONDS = 60


@dataclass
class Reply:
    """An HTTP answer: status, headers (lower-case names) and the body, as JSON when it is."""

    status: int
    headers: dict[str, str]
    raw: bytes
    json: Any = None

    @property
    def error_code(self) -> str | None:
        return self.json.get("error_code") if isinstance(self.json, dict) else None


class Client:
    """Talks to one gateway on one kept-alive connection; never accepts a 500."""

    def __init__(self, url: str, forbid: tuple[int, ...] = (500,)) -> None:
        parts = urlsplit(url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._forbid = forbid
        self._connection: http.client.HTTPConnection | None = None
        self.statuses: list[int] = []

    def request(
        self,
        method: str,
        path: str,
        body: object = None,
        *,
        token: str | None = None,
        headers: Mapping[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Reply:
        """Send a request the way the API's clients do (JSON content type on every call)."""
        sent = {"Content-Type": "application/json", **(headers or {})}
        if token is not None:
            sent["Authorization"] = token
        data = raw if raw is not None else None if body is None else json.dumps(body).encode()
        reply = self._send(method, path, data, sent)
        self.statuses.append(reply.status)
        assert reply.status not in self._forbid, (method, path, reply.status, reply.raw[:500])
        return reply

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _send(self, method: str, path: str, data: bytes | None, headers: dict[str, str]) -> Reply:
        for attempt in (1, 2):
            if self._connection is None:
                self._connection = http.client.HTTPConnection(self._host, self._port, timeout=60)
            try:
                self._connection.request(method, path, body=data, headers=headers)
                response = self._connection.getresponse()
                payload = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()  # the server closed a kept-alive connection: open a new one
                if attempt == 2:
                    raise
                continue
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            answer = {name.lower(): value for name, value in response.getheaders()}
            return Reply(response.status, answer, payload, _json(payload))
        raise AssertionError("unreachable")


def _json(payload: bytes) -> Any:
    try:
        return json.loads(payload) if payload else None
    except ValueError:
        return None


@dataclass
class RunningGateway:
    """A gateway process, its URL and what it printed."""

    process: subprocess.Popen[str]
    url: str
    state_dir: Path
    output: list[str] = field(default_factory=list)

    def client(self, forbid: tuple[int, ...] = (500,)) -> Client:
        return Client(self.url, forbid)

    def local(self, method: str, path: str, body: object = None) -> Any:
        """Call a /_local/ endpoint; returns its JSON."""
        client = Client(self.url, forbid=())
        try:
            reply = client.request(method, "/_local/" + path.lstrip("/"), body)
        finally:
            client.close()
        assert reply.status == 200, (path, reply.status, reply.json)
        return reply.json

    def stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = self.local("GET", "stats")
        return stats

    def drain(self) -> dict[str, Any]:
        drained: dict[str, Any] = self.local("POST", "stream/drain?timeout=60")
        assert drained["drained"], drained
        return drained

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def command() -> list[str]:
    """The console script of the project, or the module when the script is not installed."""
    script = Path(sys.executable).parent / "market-api"
    return [str(script)] if script.exists() else [sys.executable, "-m", "adapters.local.cli"]


def start_gateway(state_dir: Path, *options: str) -> RunningGateway:
    """`market-api serve --port 0` with `options`; returns once it listens."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    process = subprocess.Popen(
        [*command(), "serve", "--port", "0", "--state-dir", str(state_dir), *options],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
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
            line = lines.get(timeout=deadline - time.monotonic())
        except queue.Empty:
            break
        if not line and process.poll() is not None:
            break
        if " listening on " in line:
            url = line.rsplit(" listening on ", 1)[1].strip()
            return RunningGateway(process, url, state_dir, output)
    process.kill()
    raise RuntimeError("the gateway did not start:\n" + "".join(output))
