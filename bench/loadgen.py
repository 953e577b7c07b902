"""A small load generator: client threads, each on one keep-alive HTTP/1.1 connection."""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bench import stats

# (method, path, headers, body) for a client's next request; the callback sees each answer.
Request = tuple[str, str, dict[str, str], bytes | None]
NextRequest = Callable[[int], Request]
OnAnswer = Callable[[int, int, bytes], None]


@dataclass
class Load:
    """Latencies of the requests answered 2xx, and the count of every other answer."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: int = 0
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def p50(self) -> float:
        return stats.percentile(self.latencies, 0.5)

    @property
    def p99(self) -> float:
        return stats.percentile(self.latencies, 0.99)

    @property
    def failed(self) -> int:
        return self.errors + sum(n for s, n in self.statuses.items() if not 200 <= s < 300)


class _Client:
    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._address = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._connection: http.client.HTTPConnection | None = None

    def send(self, request: Request) -> tuple[int, bytes]:
        method, path, headers, body = request
        for attempt in range(2):
            if self._connection is None:
                self._connection = http.client.HTTPConnection(*self._address, timeout=60)
            try:
                self._connection.request(method, path, body=body, headers=headers)
                answer = self._connection.getresponse()
                payload = answer.read()
                if answer.will_close:
                    self._connection.close()
                    self._connection = None
                return answer.status, payload
            except (ConnectionError, http.client.HTTPException):
                self._connection.close()
                self._connection = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


def run(
    url: str,
    next_request: NextRequest,
    on_answer: OnAnswer,
    clients: int,
    seconds: float,
    warm_up: int,
) -> Load:
    """`clients` threads send requests for `seconds`, after `warm_up` requests each."""
    load = Load()
    lock = threading.Lock()
    deadline = [0.0]
    began = [0.0]

    def go() -> None:
        began[0] = time.perf_counter()
        deadline[0] = began[0] + seconds

    start = threading.Barrier(clients, action=go)

    def work(number: int) -> None:
        client = _Client(url)
        for _ in range(warm_up):
            status, payload = client.send(next_request(number))
            on_answer(number, status, payload)
        start.wait()
        while time.perf_counter() < deadline[0]:
            request = next_request(number)
            sent = time.perf_counter()
            try:
                status, payload = client.send(request)
            except (OSError, http.client.HTTPException):
                with lock:
                    load.errors += 1
                continue
            took = time.perf_counter() - sent
            on_answer(number, status, payload)
            with lock:
                load.statuses[status] += 1
                if 200 <= status < 300:
                    load.latencies.append(took)

    threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    load.seconds = time.perf_counter() - began[0]
    return load
