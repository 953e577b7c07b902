"""Where things are: the repository, the interpreters, the outputs, the download cache."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAMBDA_CODE = ROOT / "adapters" / "aws_lambda"
PROBES = ROOT / "bench" / "probes"
SPEC = ROOT / "deploy" / "serverless.yml"
RUNTIME_PYTHON = ROOT / ".venv-runtime" / "bin" / "python"
GATEWAY_CLI = ROOT / ".venv" / "bin" / "market-api"
DOCS = ROOT / "docs" / "performance.md"
CHART = ROOT / "docs" / "performance-cold-start.png"
NOTES = ROOT / "bench" / "optimisations.md"

# Downloads (serverless-offline) are kept between runs, outside the repository.
CACHE = Path(
    os.environ.get("MARKET_API_BENCH_CACHE") or Path(tempfile.gettempdir()) / "market-api-bench"
)

# What the deployment package holds (deploy/serverless.yml, `package.patterns`).
PACKAGED = ("domain", "ports", "adapters")
NOT_PACKAGED = ("adapters/local", "adapters/deployment")
