"""The botocore client the store is built on, configured for a Lambda's budget.

Timeouts are short (connect 1 s, read 3 s) and botocore's own retries are off: one attempt
in all (`total_max_attempts: 1`; beware that botocore's `max_attempts` counts retries only,
so `max_attempts: 1` would still retry once). `retries.RetryPolicy` decides what is retried,
so a throttle is retried a bounded number of times with jitter and then answered with a 503,
instead of botocore's retries multiplying ours. The client comes from the shared session of
`adapters.aws_session`, which knows only the operations the store calls.
"""

from __future__ import annotations

from typing import Any

CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 3.0


def make_client(endpoint_url: str | None = None, region: str | None = None) -> Any:
    """A DynamoDB client; `endpoint_url` for a local DynamoDB."""
    from botocore.config import Config

    from adapters import aws_session

    config = Config(
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        retries={"mode": "standard", "total_max_attempts": 1},
        tcp_keepalive=True,
        max_pool_connections=16,
    )
    return aws_session.client("dynamodb", config, endpoint_url=endpoint_url, region=region)
