"""What every answer of the API must look like, whatever was sent."""

from __future__ import annotations

from collections.abc import Collection

from tests.integration.gateway.running import Reply


def assert_json_with_cors(reply: Reply, unavailable_ok: bool = False) -> None:
    """JSON content, a JSON body, and the CORS headers a browser needs to read it; no 5xx,
    unless `unavailable_ok` and it is a 503 saying when to retry."""
    context = (reply.status, reply.raw[:300])
    if unavailable_ok and reply.status == 503:
        assert int(reply.headers.get("retry-after", "0")) >= 1, context
    else:
        assert reply.status < 500, context
    assert reply.headers.get("content-type", "").startswith("application/json"), context
    assert reply.json is not None or reply.raw.strip() == b"null", context
    assert reply.headers.get("access-control-allow-origin"), context


def assert_refused(reply: Reply, statuses: Collection[int]) -> None:
    """A refusal with one of `statuses`, an error body and CORS headers."""
    assert_json_with_cors(reply)
    assert reply.status in statuses, (reply.status, reply.json)
    assert isinstance(reply.json, dict), reply.raw[:300]
    assert isinstance(reply.json.get("error_code"), str), reply.json
    assert "error_message" in reply.json, reply.json
