"""Lambda functions run in this process, through their real entry points.

A function's module is imported on its first invocation (its cold start, init included) and
reused while warm. Each invocation runs in a worker thread so that the caller can stop
waiting at a timeout, as API Gateway and Lambda do; the thread itself finishes on its own.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from adapters.local.events import LambdaContext

Handler = Callable[[Any, Any], Any]


@dataclass(frozen=True, slots=True)
class FunctionDef:
    """A function of the deployment: its handler (`path/module.attribute`) and limits."""

    name: str
    handler: str
    timeout_seconds: float = 6.0
    memory_mb: int = 1024

    @property
    def module(self) -> str:
        """The handler's module as a dotted import path."""
        return self.handler.rsplit(".", 1)[0].replace("/", ".")

    @property
    def attribute(self) -> str:
        """The handler's name within its module."""
        return self.handler.rsplit(".", 1)[1]


@dataclass(frozen=True, slots=True)
class Invocation:
    """How one invocation went: its result, or its error, or that it ran out of time."""

    function: str
    cold: bool
    duration_ms: float
    result: Any = None
    error: BaseException | None = None
    timed_out: bool = False
    timeout_kind: str = ""

    @property
    def ok(self) -> bool:
        """Whether the function answered (whatever its answer)."""
        return self.error is None and not self.timed_out


@dataclass
class Faults:
    """Local-only failures injected into functions (enabled by an option)."""

    delay_ms: dict[str, float] = field(default_factory=dict)
    errors: set[str] = field(default_factory=set)


class InjectedFailure(RuntimeError):
    """The failure a test asked a function to have."""


class FunctionRuntime:
    """Loads, tracks and invokes the deployment's functions."""

    def __init__(
        self,
        functions: Mapping[str, FunctionDef],
        region: str,
        before_invoke: Callable[[], object] | None = None,
    ) -> None:
        self.functions = dict(functions)
        self.faults = Faults()
        self._region = region
        self.before_invoke = before_invoke
        self._lock = threading.Lock()
        self._handlers: dict[str, Handler] = {}
        self._counts: dict[str, dict[str, int]] = {}
        self._idle = threading.Condition()
        self._active = 0
        self._paused = False

    def invoke(
        self,
        name: str,
        event: Any,
        request_id: str,
        *,
        wait_seconds: float | None = None,
    ) -> Invocation:
        """Invoke `name` with `event`; stop waiting after the function's timeout, or after
        `wait_seconds` when that is shorter (reported as `timeout_kind="integration"`)."""
        definition = self.functions[name]
        if self.before_invoke is not None:
            self.before_invoke()
        limit = definition.timeout_seconds
        kind = "function"
        if wait_seconds is not None and wait_seconds < limit:
            limit, kind = wait_seconds, "integration"

        started = time.perf_counter()
        context = LambdaContext(name, request_id, definition.timeout_seconds, self._region)
        future: Future[tuple[bool, Any]] = Future()
        worker = threading.Thread(
            target=_settle, args=(future, self._run, definition, event, context), daemon=True
        )
        worker.start()
        try:
            cold, result = future.result(timeout=limit)
        except FutureTimeout:
            self._count(name, "timeouts")
            if kind == "function":
                # Lambda stops a function that ran out of time: the next call starts it afresh.
                with self._lock:
                    self._handlers.pop(name, None)
            elapsed = (time.perf_counter() - started) * 1000
            return Invocation(name, False, elapsed, timed_out=True, timeout_kind=kind)
        except BaseException as error:  # sys.exit() in a handler is a failed invocation too
            self._count(name, "errors")
            elapsed = (time.perf_counter() - started) * 1000
            return Invocation(name, getattr(error, "cold", False), elapsed, error=error)
        elapsed = (time.perf_counter() - started) * 1000
        return Invocation(name, cold, elapsed, result=result)

    def forget(self) -> None:
        """Drop every loaded handler: the next invocation of each is cold again."""
        with self._lock:
            self._handlers.clear()

    def while_idle(self, action: Callable[[], None], patience: float = 2.0) -> None:
        """Run `action` with no invocation running (waiting at most `patience` seconds for
        those under way) and none starting."""
        with self._idle:
            self._paused = True
            try:
                self._idle.wait_for(lambda: self._active == 0, timeout=patience)
                action()
            finally:
                self._paused = False
                self._idle.notify_all()

    def stats(self) -> dict[str, dict[str, Any]]:
        """Invocations, cold starts, errors and timeouts per function, and whether it is warm."""
        with self._lock:
            return {
                name: {**counts, "warm": name in self._handlers}
                for name, counts in self._counts.items()
            }

    def _run(self, definition: FunctionDef, event: Any, context: LambdaContext) -> tuple[bool, Any]:
        with self._idle:
            self._idle.wait_for(lambda: not self._paused)
            self._active += 1
        try:
            return self._run_active(definition, event, context)
        finally:
            with self._idle:
                self._active -= 1
                self._idle.notify_all()

    def _run_active(
        self, definition: FunctionDef, event: Any, context: LambdaContext
    ) -> tuple[bool, Any]:
        handler, cold = self._handler(definition)
        self._count(definition.name, "invocations")
        if cold:
            self._count(definition.name, "cold_starts")
        delay = self.faults.delay_ms.get(definition.name)
        if delay:
            time.sleep(delay / 1000)
        try:
            if definition.name in self.faults.errors:
                raise InjectedFailure(f"{definition.name} failed as asked (local fault)")
            return cold, handler(event, context)
        except Exception as error:
            error.cold = cold  # type: ignore[attr-defined]
            raise

    def _handler(self, definition: FunctionDef) -> tuple[Handler, bool]:
        with self._lock:
            handler = self._handlers.get(definition.name)
        if handler is not None:
            return handler, False
        module = importlib.import_module(definition.module)
        handler = getattr(module, definition.attribute)
        with self._lock:
            cold = definition.name not in self._handlers
            self._handlers[definition.name] = handler
        return handler, cold

    def _count(self, name: str, what: str) -> None:
        with self._lock:
            counts = self._counts.setdefault(name, {})
            counts[what] = counts.get(what, 0) + 1


def _settle(future: Future[tuple[bool, Any]], work: Callable[..., Any], *arguments: Any) -> None:
    """Run one invocation on its own daemon thread (a handler stuck forever must not keep the
    process from exiting) and settle its future."""
    if not future.set_running_or_notify_cancel():
        return
    try:
        future.set_result(work(*arguments))
    except BaseException as error:
        future.set_exception(error)
