"""`market-api serve`, plus one thing for the tests: once the gateway has seeded its fresh
capability secret into the embedded SSM, the secret is written (owner-only) to the state
folder, so a test can sign tokens the authorizer will verify and then bend their claims.

The gateway itself offers no way to read the secret, and must not: this wrapper lives with
the tests and only reads what the gateway wrote into its own parameter store.
Run as `python -m tests.reliability.serve_with_secrets serve ...` (the options of serve).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from adapters.local import app, cli

SECRETS_FILE = "capability-secrets.json"
_PARAMETERS = {
    "current": "CAPABILITY_SECRET_PARAMETER",
    "previous": "CAPABILITY_PREVIOUS_SECRET_PARAMETER",
}

_start = app.LocalGateway.start


def _start_and_write_secrets(gateway: app.LocalGateway) -> None:
    _start(gateway)
    write_secrets(gateway)


def write_secrets(gateway: app.LocalGateway) -> None:
    """The current (and previous) capability secret, as seeded in the embedded SSM."""
    ssm = gateway.aws.client("ssm")
    found: dict[str, Any] = {}
    for role, variable in _PARAMETERS.items():
        name = os.environ.get(variable, "").strip()
        if not name:
            found[role] = None
            continue
        value = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
        found[role] = json.loads(value)
    found["issuer"] = os.environ["CAPABILITY_ISSUER"]
    found["algorithms"] = os.environ.get("CAPABILITY_ALGORITHMS", "HS256")
    path = gateway.options.state_dir / SECRETS_FILE
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(found, file)


def main() -> int:
    """Patch the gateway of this process only, then run the console script."""
    app.LocalGateway.start = _start_and_write_secrets  # type: ignore[method-assign]
    return cli.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
