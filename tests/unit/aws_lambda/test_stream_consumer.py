"""The stream consumer's wiring: its own patient store, and a deadline per invocation."""

from __future__ import annotations

from adapters.aws_lambda import process_stream
from adapters.aws_lambda.container import _stream_store, container
from adapters.dynamodb.retries import Deadline
from adapters.dynamodb.store import DynamoStore
from adapters.memory import MemoryStore
from tests.support.harness import wired


class Context:
    def __init__(self, millis: int) -> None:
        self.millis = millis

    def get_remaining_time_in_millis(self) -> int:
        return self.millis


def test_the_consumer_sets_its_deadline_from_the_time_lambda_leaves_it():
    with wired(MemoryStore()):
        answer = process_stream.handler({"Records": []}, Context(30_000))
        deadline = container.stream_deadline()

        assert answer == {"batchItemFailures": []}
        margin = process_stream.MARGIN_SECONDS
        assert deadline.allows(30 - margin - 1) and not deadline.allows(30 - margin + 1)

        process_stream.handler({"Records": []}, None)  # no context: no deadline
        assert deadline.allows(10**6)


def test_the_consumers_store_shares_the_apis_client_with_patient_retries():
    client = object()
    store = DynamoStore(client, users_table="users", markets_table="markets")
    deadline = Deadline()

    patient = _stream_store(store, deadline)

    assert patient is not store
    assert patient.context.client is client
    assert (patient.context.users_table, patient.context.markets_table) == ("users", "markets")
    assert patient.context.retry.deadline is deadline
    assert patient.context.retry.attempts > store.context.retry.attempts
    assert _stream_store(memory := MemoryStore(), deadline) is memory
