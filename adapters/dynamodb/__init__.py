"""The DynamoDB adapter: repositories on the users and markets tables, and stream decoding.

`DynamoStore` and `make_client` are imported lazily, so importing a light module of this
package (the stream decoder, the key design) does not pay for the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adapters.dynamodb.client import make_client
    from adapters.dynamodb.store import DynamoStore

__all__ = ["DynamoStore", "make_client"]


def __getattr__(name: str) -> Any:
    if name == "DynamoStore":
        from adapters.dynamodb.store import DynamoStore

        return DynamoStore
    if name == "make_client":
        from adapters.dynamodb.client import make_client

        return make_client
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
