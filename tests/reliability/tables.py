"""Both tables of the reliability gateway, read straight from its DynamoDB: the proof that a
refused request wrote nothing is that a snapshot taken after it equals the one before."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3

from adapters.deployment.spec import load_spec

REGION = "us-east-1"


@dataclass(frozen=True)
class Difference:
    """Items that appeared, disappeared or changed between two snapshots, by table and key."""

    added: list[str]
    removed: list[str]
    changed: list[str]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


Snapshot = dict[str, str]


class Tables:
    """Scans the users and markets tables (strongly consistent) into comparable snapshots."""

    def __init__(self, endpoint_url: str) -> None:
        self._client = boto3.client(
            "dynamodb",
            region_name=REGION,
            endpoint_url=endpoint_url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        environment = load_spec(stage="dev", region=REGION).environment
        self.names = (environment["USERS_TABLE"], environment["MARKETS_TABLE"])
        self.scans = 0

    def snapshot(self) -> Snapshot:
        """Every item of both tables, keyed `table|pk|sk`, as canonical JSON."""
        items: Snapshot = {}
        for table in self.names:
            for item in self._scan(table):
                key = f"{table}|{item['pk']['S']}|{item['sk']['S']}"
                items[key] = json.dumps(item, sort_keys=True)
        self.scans += 1
        return items

    def _scan(self, table: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        arguments: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
        while True:
            page = self._client.scan(**arguments)
            found.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                return found
            arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def difference(before: Snapshot, after: Snapshot) -> Difference:
    """What changed from `before` to `after`."""
    return Difference(
        added=sorted(after.keys() - before.keys()),
        removed=sorted(before.keys() - after.keys()),
        changed=sorted(k for k in before.keys() & after.keys() if before[k] != after[k]),
    )
