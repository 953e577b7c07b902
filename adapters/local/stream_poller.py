"""The background poller of the stream event source mappings, and their failure destination."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from adapters.local.events import new_request_id
from adapters.local.functions import FunctionRuntime
from adapters.local.streams import Outcome, Record, ShardConsumer, StreamTrigger, outcome_of

logger = logging.getLogger("local_gateway.streams")

STEPS_PER_CYCLE = 1000
SHARD_REFRESH_SECONDS = 5.0


class StreamSource(Protocol):
    """Where a mapping reads records from."""

    stream_arn: str

    def shards(self) -> list[str]:
        """The ids of the shards, oldest first."""
        ...

    def read(self, shard_id: str, limit: int = 1000) -> list[Record]:
        """The next records of a shard."""
        ...


class FailureLog:
    """The failure destination: kept in memory and appended to a JSON-lines file."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def __call__(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append(entry)
            if self._path is not None:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                with self._path.open("a", encoding="utf-8") as file:
                    file.write(json.dumps(entry) + "\n")
        logger.warning(
            "stream records sent to the failure destination: %s %s",
            entry["requestContext"]["condition"],
            entry["sequenceNumbers"],
        )

    def entries(self) -> list[dict[str, Any]]:
        """What reached the destination so far, oldest first."""
        with self._lock:
            return list(self._entries)


def invoker(runtime: FunctionRuntime, function: str) -> Callable[[list[Record]], Outcome]:
    """Invokes a stream function through the runtime and reads its answer."""

    def invoke(records: list[Record]) -> Outcome:
        done = runtime.invoke(function, {"Records": records}, new_request_id())
        if done.timed_out:
            return Outcome(error="Task timed out")
        error = None if done.error is None else f"{type(done.error).__name__}: {done.error}"
        return outcome_of(done.result, error)

    return invoke


class StreamPoller:
    """Polls every mapping's shards on a thread; `drain` waits until they have caught up."""

    def __init__(
        self,
        mappings: Sequence[tuple[StreamTrigger, StreamSource]],
        invoke_for: Callable[[StreamTrigger], Callable[[list[Record]], Outcome]],
        destination: Callable[[dict[str, Any]], None],
        interval: float = 0.25,
    ) -> None:
        self._mappings = list(mappings)
        self._invoke_for = invoke_for
        self._destination = destination
        self._interval = interval
        self._consumers: dict[tuple[str, str], ShardConsumer] = {}
        self._shards: dict[int, tuple[float, list[str]]] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._state = threading.Condition()
        self._started_cycles = 0
        self._quiet_cycle = 0
        self._thread: threading.Thread | None = None
        self.errors = 0

    def start(self) -> None:
        """Poll on a daemon thread."""
        self._thread = threading.Thread(target=self._run, name="stream-poller", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop polling (the current cycle finishes)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until every record written before this call has been dealt with."""
        with self._state:
            wanted = self._started_cycles + 1
        self._wake.set()
        deadline = time.monotonic() + timeout
        with self._state:
            while self._quiet_cycle < wanted:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._wake.set()
                self._state.wait(timeout=min(left, 0.5))
        return True

    def cycle(self) -> bool:
        """Read and process once; True when nothing was read and nothing is left to do."""
        with self._state:
            self._started_cycles += 1
            number = self._started_cycles
        quiet = True
        for index, (trigger, source) in enumerate(self._mappings):
            for shard_id in self._shard_ids(index, source):
                consumer = self._consumer(trigger, source, shard_id)
                records = source.read(shard_id) if consumer.lag < trigger.batch_size else []
                consumer.offer(records)
                steps = 0
                while steps < STEPS_PER_CYCLE and consumer.step():
                    steps += 1
                quiet = quiet and not records and consumer.lag == 0
        if quiet:
            with self._state:
                self._quiet_cycle = max(self._quiet_cycle, number)
                self._state.notify_all()
        return quiet

    def stats(self) -> list[dict[str, Any]]:
        """Per mapping and shard: the counts, the last sequence number processed and the lag."""
        return [
            {
                "function": consumer.trigger.function,
                "table": consumer.trigger.table,
                "shard": consumer.shard_id,
                "lag": consumer.lag,
                "last_processed": consumer.last_processed,
                **consumer.counts,
            }
            for consumer in list(self._consumers.values())
        ]

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                quiet = self.cycle()
            except Exception:
                self.errors += 1
                logger.exception("stream polling failed")
                quiet = True
            if quiet:
                self._wake.wait(self._interval)
                self._wake.clear()

    def _shard_ids(self, index: int, source: StreamSource) -> list[str]:
        now = time.monotonic()
        known = self._shards.get(index)
        if known is None or now - known[0] > SHARD_REFRESH_SECONDS:
            known = (now, source.shards())
            self._shards[index] = known
        return known[1]

    def _consumer(self, trigger: StreamTrigger, source: StreamSource, shard: str) -> ShardConsumer:
        key = (trigger.function + "|" + source.stream_arn, shard)
        consumer = self._consumers.get(key)
        if consumer is None:
            consumer = ShardConsumer(
                trigger, shard, source.stream_arn, self._invoke_for(trigger), self._destination
            )
            self._consumers[key] = consumer
        return consumer
