"""The functions' JSON log lines, written to /dev/null while a benchmark runs in-process."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_logs() -> Iterator[None]:
    """Each line is still formatted and written, as on Lambda, but not shown."""
    from adapters.aws_lambda.logs import log

    with open(os.devnull, "w") as sink:
        previous = [handler.setStream(sink) for handler in log.handlers]  # type: ignore[attr-defined]
        try:
            yield
        finally:
            for handler, stream in zip(log.handlers, previous, strict=True):
                handler.setStream(stream)  # type: ignore[attr-defined]
