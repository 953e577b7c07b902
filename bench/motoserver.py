"""A moto server for the benchmarks, in a process of its own: `python -m bench.motoserver`.

It prints `ready <url>` once listening and stops when its standard input closes, so it
never outlives the benchmark that started it. Requests are handed to moto's backends one at
a time: moto is not atomic across threads, DynamoDB's conditional writes are.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any


def serial(app: Callable[..., Iterable[bytes]]) -> Callable[..., list[bytes]]:
    """`app` behind a lock, its answer read in full while the lock is held."""
    lock = threading.Lock()

    def one_at_a_time(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with lock:
            return list(app(environ, start_response))

    return one_at_a_time


def copy_each_table_once() -> None:
    """moto backs up a table before a transaction by deep-copying it once per item of the
    transaction, the same table every time; the copies are all taken before any write, so
    one copy per table is the same backup, made once. (Only this module's `copy` is
    replaced, for the length of a transaction; the server runs one request at a time.)"""
    import copy
    import types

    from moto.dynamodb import models

    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: Any) -> Any:
        made: dict[int, tuple[Any, Any]] = {}  # the original is kept: its id stays its own

        def deepcopy(value: Any, memo: Any = None) -> Any:
            if id(value) not in made:
                made[id(value)] = (value, copy.deepcopy(value, memo))
            return made[id(value)][1]

        models.copy = types.SimpleNamespace(deepcopy=deepcopy)  # type: ignore[attr-defined]
        try:
            return original(self, transact_items)
        finally:
            models.copy = copy  # type: ignore[attr-defined]

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def main() -> int:
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    copy_each_table_once()
    app = serial(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    print(f"ready http://127.0.0.1:{server.port}", flush=True)

    def stop_when_orphaned() -> None:
        sys.stdin.read()
        server.shutdown()

    threading.Thread(target=stop_when_orphaned, daemon=True).start()
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
