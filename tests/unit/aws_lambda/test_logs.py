"""The request line: one JSON object per invocation, the same as `logging` would write."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from adapters.aws_lambda.logs import JsonFormatter, RequestLine


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger("market_api.test_logs")
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    yield logger
    logger.removeHandler(handler)


def _lines(logger: logging.Logger) -> list[dict[str, object]]:
    stream = logger.handlers[0].stream  # type: ignore[attr-defined]
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_the_line_is_what_the_formatter_writes_for_the_same_fields(logger: logging.Logger):
    fields = {"route": "POST /invest", "request_id": "r-1", "status": 200}
    fields.update(duration_ms=0.42, cold_start=True, init_ms=312.5)

    RequestLine(logger, "POST /invest").write("r-1", 200, 0.42, True, 312.5)
    logger.info("request", extra={"fields": fields})

    fast, slow = _lines(logger)
    assert fast == slow
    assert fast["level"] == "INFO" and fast["message"] == "request"


def test_a_warm_line_has_no_init_time(logger: logging.Logger):
    RequestLine(logger, "GET /get").write("r-2", 404, 1.0, False)

    (line,) = _lines(logger)
    assert line["cold_start"] is False and "init_ms" not in line


@pytest.mark.parametrize("request_id", ['"}{"x":1', "line\nbreak", "\\", "\ud800", "é"])
def test_an_odd_request_id_stays_inside_its_string(logger: logging.Logger, request_id: str):
    RequestLine(logger, "GET /get").write(request_id, 200, 1.0, False)

    (line,) = _lines(logger)
    assert line["request_id"] == request_id
    assert set(line) == {
        "level",
        "logger",
        "message",
        "route",
        "request_id",
        "status",
        "duration_ms",
        "cold_start",
    }


def test_nothing_is_written_above_info(logger: logging.Logger):
    logger.setLevel(logging.WARNING)

    RequestLine(logger, "GET /get").write("r-3", 200, 1.0, False)

    assert _lines(logger) == []
