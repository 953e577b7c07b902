"""What the gateway prints: one readable line per request on the terminal, while the
functions' JSON logs go to a file in the state folder (and to the terminal on request)."""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TextIO

from adapters.local.proxy import Answer

FUNCTION_LOGGER = "market_api"  # the logger of adapters/aws_lambda/logs.py
GATEWAY_LOGGER = "local_gateway"
FUNCTION_LOG_FILE = "functions.log"

access = logging.getLogger("local_gateway.access")


class _Raw(logging.Formatter):
    """The JSON line a function logged: its message and fields, as Lambda would print."""

    def format(self, record: logging.LogRecord) -> str:
        import json

        line: dict[str, object] = {"level": record.levelname, "message": record.getMessage()}
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def route_function_logs(state_dir: Path, echo: bool) -> None:
    """Send the functions' logs to `<state_dir>/functions.log` (and stderr when `echo`).

    Installed before any function is imported, so their own set-up finds a handler already
    there and adds no stdout one.
    """
    logger = logging.getLogger(FUNCTION_LOGGER)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    state_dir.mkdir(parents=True, exist_ok=True)
    handlers: list[logging.Handler] = [
        RotatingFileHandler(
            state_dir / FUNCTION_LOG_FILE, maxBytes=10 << 20, backupCount=2, encoding="utf-8"
        )
    ]
    if echo:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(_Raw())
        logger.addHandler(handler)
    logger.propagate = False


def show_gateway_logs(stream: TextIO = sys.stdout, level: int = logging.INFO) -> None:
    """Print the gateway's own lines (requests, stream failures, schedules) to `stream`."""
    logger = logging.getLogger(GATEWAY_LOGGER)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False


def log_request(method: str, target: str, answer: Answer, duration_ms: float) -> None:
    """`POST /invest 200 4.1ms update_investment warm`, or the gateway's response type."""
    if answer.function:
        who = f"{answer.function} {'cold' if answer.cold else 'warm'}"
    else:
        who = str(answer.notes.get("response_type", "gateway")).lower()
    path = target.split("?", 1)[0]
    access.info("%s %s %d %.1fms %s", method, path, answer.status, duration_ms, who)
