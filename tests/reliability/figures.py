"""The figures of a run: what was tried, what was injected and what came back. Written to
.local/reliability-figures.json and shown at the end of the pytest run."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.integration.gateway.running import ROOT, Client, RunningGateway

FIGURES_FILE = ROOT / ".local" / "reliability-figures.json"


class Figures:
    """Counters the tests add to, and every client they made (for the statuses seen)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._clients: list[Client] = []
        self._lock = threading.Lock()
        self.written: dict[str, Any] | None = None

    def client(self, gateway: RunningGateway, forbid: tuple[int, ...] = (500,)) -> Client:
        """A client of `gateway` whose answers count in the figures."""
        made = gateway.client(forbid)
        with self._lock:
            self._clients.append(made)
        return made

    def add(self, name: str, amount: int = 1) -> None:
        """Count `amount` more of `name`."""
        with self._lock:
            self.counts[name] += amount

    def statuses(self) -> Counter[int]:
        """Every status the tracked clients received."""
        with self._lock:
            return Counter(status for client in self._clients for status in client.statuses)

    def absorb(self, gateway: RunningGateway) -> None:
        """Add the counters of a gateway about to stop (each test module has its own)."""
        stats = gateway.stats()
        streams = gateway.local("GET", "stream")["streams"]
        failures = gateway.local("GET", "failures")["failures"]
        with self._lock:
            self.counts["gateways"] += 1
            self.counts["gateway.requests"] += stats["requests"]
            self.counts["gateway.dynamodb_calls_throttled"] += stats["backend"]["throttled"]
            consumer = stats["functions"].get("process_stream", {})
            self.counts["gateway.stream_function_errors"] += consumer.get("errors", 0)
            self.counts["gateway.failure_destination_entries"] += len(failures)
            for name in ("invocations", "hits", "misses"):
                self.counts[f"gateway.authorizer_{name}"] += stats["authorizer"][name]
            for mapping in streams:
                for name, value in mapping.items():
                    if isinstance(value, int) and name != "lag":
                        self.counts[f"gateway.stream_{name}"] += value

    def summary(self) -> dict[str, Any]:
        """The figures of the run so far."""
        statuses = self.statuses()
        counts = dict(self.counts)
        gateway = {
            k[len("gateway.") :]: v for k, v in sorted(counts.items()) if k.startswith("gateway.")
        }
        return {
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "cases": {
                k[len("cases.") :]: v for k, v in sorted(counts.items()) if k.startswith("cases.")
            },
            "results": {
                k: v
                for k, v in sorted(counts.items())
                if not k.startswith(("cases.", "gateway.")) and k != "gateways"
            },
            "gateways_started": counts.get("gateways", 0),
            "requests_to_the_api": gateway.get("requests", 0),
            "requests_by_the_tests_own_clients": sum(statuses.values()),
            "statuses_seen_by_those_clients": {str(k): v for k, v in sorted(statuses.items())},
            "lost_updates": counts.get("concurrency.lost_updates", 0)
            + counts.get("throttling.lost_or_partial_writes", 0),
            "answered_503": statuses[503] + counts.get("fuzz.answered_503", 0),
            "answered_208": statuses[208],
            "answered_5xx_other_than_503": sum(
                v for k, v in statuses.items() if k >= 500 and k != 503
            ),
            "faults_injected": {
                "dynamodb_calls_throttled": gateway.get("dynamodb_calls_throttled", 0),
                "stream_function_errors": gateway.get("stream_function_errors", 0),
            },
            "stream": {
                "records_received": gateway.get("stream_received", 0),
                "records_processed": gateway.get("stream_processed", 0),
                "invocations": gateway.get("stream_invocations", 0),
                "retries": gateway.get("stream_retries", 0),
                "bisections": gateway.get("stream_bisections", 0),
                "records_sent_to_failure_destination": gateway.get("stream_sent_to_destination", 0),
                "failure_destination_entries": gateway.get("failure_destination_entries", 0),
            },
            "authorizer": {
                "invocations": gateway.get("authorizer_invocations", 0),
                "cache_hits": gateway.get("authorizer_hits", 0),
                "cache_misses": gateway.get("authorizer_misses", 0),
            },
        }

    def write(self, path: Path = FIGURES_FILE) -> dict[str, Any]:
        """Compute the summary and write it as JSON."""
        summary = self.summary()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        self.written = summary
        return summary
