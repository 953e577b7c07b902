"""Hot reload: touching the service's source makes the next invocation a cold start."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from adapters.local.reload import SourceWatcher, purge_modules
from tests.integration.gateway.flows import new_market
from tests.integration.gateway.running import ROOT, Client, RunningGateway

pytestmark = pytest.mark.aws

SOURCE = ROOT / "adapters" / "aws_lambda" / "get_user.py"


def cold_starts(gateway: RunningGateway, function: str) -> int:
    return int(gateway.stats()["functions"].get(function, {}).get("cold_starts", 0))


def test_touching_a_source_file_makes_the_next_call_cold(
    gateway: RunningGateway, client: Client
) -> None:
    token = new_market(client)["token"]
    client.request("GET", "/users/get", token=token)
    warm_before = cold_starts(gateway, "get_user")
    client.request("GET", "/users/get", token=token)
    still_warm = cold_starts(gateway, "get_user")
    reloads = gateway.stats()["reloads"]
    stat = SOURCE.stat()

    try:
        os.utime(SOURCE, ns=(stat.st_atime_ns, time.time_ns()))
        reply = client.request("GET", "/users/get", token=token)
    finally:
        os.utime(SOURCE, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    assert reply.status == 200
    assert still_warm == warm_before
    assert cold_starts(gateway, "get_user") == warm_before + 1
    assert gateway.stats()["reloads"] > reloads


def test_the_watcher_sees_added_changed_and_removed_files(tmp_path: Path) -> None:
    package = tmp_path / "domain"
    package.mkdir()
    module = package / "model.py"
    module.write_text("A = 1\n")
    watcher = SourceWatcher(tmp_path, folders=["domain"], interval=0)

    unchanged = watcher.changed()
    os.utime(module, ns=(0, module.stat().st_mtime_ns + 1_000_000))
    touched = watcher.changed()
    (package / "new.py").write_text("")
    added = watcher.changed()
    (package / "new.py").unlink()
    removed = watcher.changed()
    (package / "notes.txt").write_text("not python")
    ignored = watcher.changed()

    assert (unchanged, touched, added, removed, ignored) == (False, True, True, True, False)


def test_purging_keeps_the_gateway_and_drops_the_service() -> None:
    names = ["domain", "domain.model", "adapters", "adapters.dynamodb.store", "ports.clock"]
    names += ["adapters.local", "adapters.local.app", "domainless", "json"]
    modules: dict[str, object] = dict.fromkeys(names)

    dropped = purge_modules(modules)

    assert sorted(dropped) == ["adapters.dynamodb.store", "domain", "domain.model", "ports.clock"]
    assert sorted(modules) == [
        "adapters",
        "adapters.local",
        "adapters.local.app",
        "domainless",
        "json",
    ]
