"""The attribute-value codec agrees with boto3's on every value the store writes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from hypothesis import given
from hypothesis import strategies as st

from adapters.dynamodb.attributes import deserialize, serialize

scalars = st.none() | st.booleans() | st.integers(-(10**37), 10**37) | st.text(max_size=20)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(values)
def test_a_value_is_written_as_boto3_writes_it(value: object):
    assert serialize(value) == TypeSerializer().serialize(value)


@given(values)
def test_a_value_reads_back_as_boto3_reads_it(value: object):
    attribute = TypeSerializer().serialize(value)

    assert deserialize(attribute) == TypeDeserializer().deserialize(attribute)


@given(
    st.sets(st.text(max_size=5), min_size=1) | st.sets(st.integers(-(10**37), 10**37), min_size=1)
)
def test_sets_round_trip(value: set[object]):
    assert deserialize(serialize(value)) == {Decimal(v) if isinstance(v, int) else v for v in value}


@pytest.mark.parametrize(
    "value", [1.5, float("nan"), Decimal("Infinity"), set(), {1, "a"}, object(), 10**40]
)
def test_what_dynamodb_cannot_hold_is_refused(value: object):
    with pytest.raises(TypeError):
        serialize(value)


@pytest.mark.parametrize(
    "attribute",
    [
        {},
        {"S": "a", "N": "1"},
        {"X": "a"},
        {"S": 1},
        {"N": "abc"},
        {"N": "NaN"},
        {"N": 5},
        {"BOOL": "true"},
        {"M": []},
        {"L": {}},
        {"L": [{"S": 1}]},
        {"SS": "a"},
    ],
)
def test_a_malformed_attribute_raises_what_the_stream_decoder_catches(attribute: dict):
    with pytest.raises((TypeError, ValueError)):
        deserialize(attribute)
