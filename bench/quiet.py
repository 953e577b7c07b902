"""The functions' JSON log lines, written to /dev/null while a benchmark runs in-process."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_logs() -> Iterator[None]:
    """Each line is still formatted and written, as on Lambda, but not shown. Only the
    logger's stream handlers are redirected (a test run may have added others)."""
    from adapters.aws_lambda.logs import log

    streams = [h for h in log.handlers if isinstance(h, logging.StreamHandler)]
    with open(os.devnull, "w") as sink:
        previous = [handler.setStream(sink) for handler in streams]
        try:
            yield
        finally:
            for handler, stream in zip(streams, previous, strict=True):
                if stream is not None:
                    handler.setStream(stream)
