"""Hot reload: when the service's source changes, its modules are dropped so that the next
invocation of every function imports the new code (a cold start, as after a deployment)."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, MutableMapping
from pathlib import Path

WATCHED = ("domain", "ports", "adapters")
# The gateway's own code and what it holds on to stay loaded.
KEPT = ("adapters.local",)


class SourceWatcher:
    """Notices changes to the `.py` files under some folders, checking at most every
    `interval` seconds."""

    def __init__(
        self,
        root: Path,
        folders: Iterable[str] = WATCHED,
        ignored: Iterable[str] = ("adapters/local",),
        interval: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._folders = [root / folder for folder in folders]
        self._ignored = {root / folder for folder in ignored}
        self._interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._checked = clock()
        self._snapshot = self._scan()

    def changed(self) -> bool:
        """Whether a file was added, removed or modified since the last change seen."""
        with self._lock:
            now = self._clock()
            if now - self._checked < self._interval:
                return False
            self._checked = now
            snapshot = self._scan()
            if snapshot == self._snapshot:
                return False
            self._snapshot = snapshot
            return True

    def _scan(self) -> dict[str, int]:
        found: dict[str, int] = {}
        pending = [folder for folder in self._folders if folder.is_dir()]
        while pending:
            folder = pending.pop()
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        path = Path(entry.path)
                        if path not in self._ignored and entry.name != "__pycache__":
                            pending.append(path)
                    elif entry.name.endswith(".py"):
                        found[entry.path] = entry.stat().st_mtime_ns
        return found


def purge_modules(
    modules: MutableMapping[str, object] | None = None,
    prefixes: Iterable[str] = WATCHED,
    kept: Iterable[str] = KEPT,
) -> list[str]:
    """Remove the service's modules from `modules` (`sys.modules`); returns their names.

    The top-level `adapters` package stays, so that `adapters.local` remains importable.
    """
    table: MutableMapping[str, object] = sys.modules if modules is None else modules
    prefixes = tuple(prefixes)
    kept = tuple(kept)
    dropped = []
    for name in list(table):
        if name == "adapters" or any(name == k or name.startswith(k + ".") for k in kept):
            continue
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            table.pop(name, None)
            dropped.append(name)
    return dropped


class Reloader:
    """Checks the watcher before invocations; when the code changed, drops the modules while
    no function runs, and has `forget` make every function cold."""

    def __init__(
        self,
        watcher: SourceWatcher,
        while_idle: Callable[[Callable[[], None]], None],
        forget: Callable[[], None],
    ) -> None:
        self._watcher = watcher
        self._while_idle = while_idle
        self._forget = forget
        self.reloads = 0

    def check(self) -> bool:
        """Reload when the code changed; True when it did."""
        if not self._watcher.changed():
            return False
        self._while_idle(self._reload)
        return True

    def _reload(self) -> None:
        purge_modules()
        self._forget()
        self.reloads += 1
