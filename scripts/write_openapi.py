"""Write docs/openapi.json from the deployment's routes and the handlers' schemas.

Run it after changing a route, a request body or an answer: `python scripts/write_openapi.py`.
`--check` writes nothing and exits 1 when the committed document is out of date.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "openapi.json"


def main(argv: list[str] | None = None) -> int:
    """Write the document, or with `--check` only compare it; 0 when it is up to date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    options = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from adapters.local.openapi import openapi_document, openapi_json

    text = openapi_json(openapi_document())
    current = TARGET.read_text() if TARGET.is_file() else ""
    if options.check:
        if current != text:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run python scripts/write_openapi.py")
            return 1
        return 0
    if current != text:
        TARGET.write_text(text)
        print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
