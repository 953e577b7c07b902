"""Tables created from their CloudFormation declaration, for moto or a local DynamoDB."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from adapters.deployment.model import TableSpec

_LOCAL_THROUGHPUT = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}


def create_table_request(table: TableSpec) -> dict[str, Any]:
    """The CreateTable parameters of a declared table."""
    request: dict[str, Any] = {
        "TableName": table.name,
        "KeySchema": [dict(k) for k in table.key_schema],
        "AttributeDefinitions": [dict(a) for a in table.attribute_definitions],
        "BillingMode": table.billing_mode,
    }
    provisioned = table.billing_mode == "PROVISIONED"
    if provisioned:
        request["ProvisionedThroughput"] = dict(table.provisioned_throughput or _LOCAL_THROUGHPUT)
    if table.global_secondary_indexes:
        indexes = []
        for declared in table.global_secondary_indexes:
            index = {
                "IndexName": declared["IndexName"],
                "KeySchema": [dict(k) for k in declared["KeySchema"]],
                "Projection": dict(declared.get("Projection") or {"ProjectionType": "ALL"}),
            }
            if provisioned:
                index["ProvisionedThroughput"] = dict(
                    declared.get("ProvisionedThroughput") or _LOCAL_THROUGHPUT
                )
            indexes.append(index)
        request["GlobalSecondaryIndexes"] = indexes
    if table.stream_specification is not None:
        request["StreamSpecification"] = table.stream_specification
    return request


def create_tables(client: Any, tables: Iterable[TableSpec]) -> None:
    """Create each table, then turn on its time to live, as the stack would."""
    for table in tables:
        client.create_table(**create_table_request(table))
        ttl = table.time_to_live_specification
        if ttl is not None:
            client.update_time_to_live(TableName=table.name, TimeToLiveSpecification=ttl)
