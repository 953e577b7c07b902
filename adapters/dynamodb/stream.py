"""DynamoDB stream records (Lambda's event shape) as domain `Change`s.

Images come in DynamoDB JSON and are decoded with the same codec as reads. Records of
items that hold no domain object (request records, signatures, membership lines, the copy
of a presence kept beside a member's investments) produce no change, and so does a record
with no image at all (a KEYS_ONLY view). A removed object, TTL deletions included,
reports its old image and no new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from adapters.dynamodb import codec
from domain.events import Change


def _image(record: Mapping[str, Any], name: str) -> Any:
    image = record.get("dynamodb", {}).get(name)
    if not image:
        return None
    return codec.decode(image, copies=False)


def decode_record(record: Mapping[str, Any]) -> Change | None:
    """The change one stream record reports, or None when it concerns no domain object."""
    new = None if record.get("eventName") == "REMOVE" else _image(record, "NewImage")
    old = _image(record, "OldImage")
    if new is None and old is None:
        return None
    sequence = str(record.get("dynamodb", {}).get("SequenceNumber", ""))
    return Change(sequence, old, new)


def decode_changes(records: Iterable[Mapping[str, Any]]) -> list[Change]:
    """The changes of a batch of stream records, in their order; a malformed image raises."""
    return [change for record in records if (change := decode_record(record)) is not None]


def decode_records(records: Iterable[Mapping[str, Any]]) -> tuple[list[Change], list[str]]:
    """The changes of a batch, and the sequence numbers of the records that cannot be decoded.

    A consumer reports the second list as failures, so one malformed record is retried and
    then sent to the failure destination instead of failing the records around it.
    """
    changes: list[Change] = []
    undecodable: list[str] = []
    for record in records:
        try:
            change = decode_record(record)
        except (KeyError, TypeError, ValueError, AttributeError):
            undecodable.append(str(record.get("dynamodb", {}).get("SequenceNumber", "")))
            continue
        if change is not None:
            changes.append(change)
    return changes, undecodable
