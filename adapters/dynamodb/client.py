"""The botocore client the store is built on, configured for a Lambda's budget.

Timeouts are short (connect 1 s, read 3 s) and botocore's own retries are off: one attempt
in all (`total_max_attempts: 1`; beware that botocore's `max_attempts` counts retries only,
so `max_attempts: 1` would still retry once). `retries.RetryPolicy` decides what is retried,
so a throttle is retried a bounded number of times with jitter and then answered with a 503,
instead of botocore's retries multiplying ours.
"""

from __future__ import annotations

from typing import Any

CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 3.0


def make_client(
    endpoint_url: str | None = None, region: str | None = None, service: str = "dynamodb"
) -> Any:
    """A DynamoDB (or `dynamodbstreams`) client; `endpoint_url` for a local DynamoDB."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        retries={"mode": "standard", "total_max_attempts": 1},
        tcp_keepalive=True,
        max_pool_connections=16,
    )
    return boto3.client(service, endpoint_url=endpoint_url, region_name=region, config=config)
