"""The one botocore session a function makes its clients from, with cut-down service models.

A botocore client reads its whole service model and builds a method for every operation:
about 60 for DynamoDB and 150 for SSM, where a function calls seven and one. The models in
`adapters/botocore_data/` keep only the operations listed in `OPERATIONS` and the shapes
they reach, without documentation; `scripts/trim_botocore_models.py` writes them from the
installed botocore. botocore reads them first because the session's `data_path` points
there; an API version newer than the cut-down one would be read in full, never half.

The endpoint data is cut too: botocore parses its `endpoints.json` (1.2 MB, every service
of every partition, about 9 ms) before the first client; `endpoints-cut.json` is the same
data with the services of `OPERATIONS` only, and the session's endpoint resolver is made
from it. Every other file (rule sets, partitions, retry rules) still comes from botocore.

boto3 is not imported: its resource layer, s3transfer and their imports cost a cold start
several milliseconds and nothing here uses them.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

DATA_PATH = Path(__file__).resolve().parent / "botocore_data"
ENDPOINTS = DATA_PATH / "endpoints-cut.json"

# The operations each client may call, by botocore's operation name.
OPERATIONS: dict[str, tuple[str, ...]] = {
    "dynamodb": (
        "BatchGetItem",
        "GetItem",
        "PutItem",
        "Query",
        "TransactGetItems",
        "TransactWriteItems",
        "UpdateItem",
    ),
    "ssm": ("GetParameters",),
}
# The API version botocore has used for each service for a decade.
API_VERSIONS = {"dynamodb": "2012-08-10", "ssm": "2014-11-06"}

_lock = threading.Lock()
_session: Any = None


def session() -> Any:
    """The process's botocore session (made on first use), reading the cut-down models."""
    global _session
    with _lock:
        if _session is None:
            import botocore.session

            made = botocore.session.get_session()
            made.set_config_variable("data_path", str(DATA_PATH))
            _use_cut_endpoints(made)
            _session = made
        return _session


def _use_cut_endpoints(made: Any) -> None:
    """Resolve endpoints from the cut-down endpoint data.

    It is botocore's own data less the other services (a unit test compares them), so the
    resolver is marked as built on the built-in data: botocore then resolves every endpoint
    with the service's rule set exactly as it would with the full file (given data that is
    not built in, it would pin each client to the legacy endpoint instead). botocore has no
    public way to set the resolver; a botocore without this private hook reads the full file.
    """
    from botocore.regions import EndpointResolver

    register = getattr(made, "_register_internal_component", None)
    if register is not None:
        data = json.loads(ENDPOINTS.read_text())
        register("endpoint_resolver", EndpointResolver(data, uses_builtin_data=True))


def client(
    service: str, config: Any, endpoint_url: str | None = None, region: str | None = None
) -> Any:
    """A low-level client of `service` (one of `OPERATIONS`) from the shared session."""
    if service not in OPERATIONS:
        raise ValueError(f"no cut-down model for {service!r}; add it to OPERATIONS")
    return session().create_client(
        service, region_name=region, endpoint_url=endpoint_url, config=config
    )
