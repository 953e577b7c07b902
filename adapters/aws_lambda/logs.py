"""Structured logs: one JSON line per invocation, never a token or a secret.

Everything goes through the `market_api` logger, whose one handler writes JSON lines to
stdout. The request line every API invocation writes is the exception to going through
`logging`: it is formatted directly (`RequestLine`) and written to the same handler's
stream under the same level check, because a LogRecord, its caller lookup and the
formatter cost about three times as much as the rest of the line's work.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from json.encoder import encode_basestring_ascii

_START = time.perf_counter()
_compact = json.JSONEncoder(separators=(",", ":"), default=str).encode


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
        return _compact(line)


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


class RequestLine:
    """The line an API function writes per invocation, for one route.

    The same JSON object `log.info("request", extra={"fields": ...})` would write, in the
    same place, at the same level; its fixed part is encoded once.
    """

    def __init__(self, logger: logging.Logger, route: str) -> None:
        self._logger = logger
        self._head = _compact(
            {"level": "INFO", "logger": logger.name, "message": "request", "route": route}
        )[:-1]

    def write(
        self,
        request_id: str,
        status: int,
        duration_ms: float,
        cold: bool,
        init_ms: float | None = None,
    ) -> None:
        """Write the line, if INFO is enabled; the duration is written to 0.01 ms."""
        if not self._logger.isEnabledFor(logging.INFO):
            return
        line = (
            f'{self._head},"request_id":{encode_basestring_ascii(request_id)},"status":{status:d},'
            f'"duration_ms":{duration_ms:.2f},"cold_start":{"true" if cold else "false"}'
        )
        if init_ms is not None:
            line += f',"init_ms":{init_ms!r}'
        line += "}\n"
        for handler in self._logger.handlers:
            if isinstance(handler, logging.StreamHandler) and handler.level <= logging.INFO:
                with handler.lock:  # type: ignore[union-attr]
                    handler.stream.write(line)
                    handler.stream.flush()


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
