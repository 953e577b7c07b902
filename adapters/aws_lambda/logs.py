"""Structured logs: one JSON line per invocation, never a token or a secret."""

from __future__ import annotations

import json
import logging
import os
import sys
import time

_START = time.perf_counter()


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object, with the fields passed in `extra={"fields":...}`."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure() -> logging.Logger:
    """The service's logger, writing JSON lines to stdout at the configured level."""
    logger = logging.getLogger("market_api")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())
    return logger


class ColdStart:
    """Tells whether this invocation is the first of the process, and how long init took."""

    def __init__(self) -> None:
        self._cold = True

    def take(self) -> tuple[bool, float | None]:
        """(cold, init milliseconds) for this invocation; init is reported on the first only."""
        if not self._cold:
            return False, None
        self._cold = False
        return True, round((time.perf_counter() - _START) * 1000, 2)


log = configure()
cold_start = ColdStart()
