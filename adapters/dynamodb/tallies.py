"""The stream consumer's tallies, kept on the market info items they count.

A tally is a hidden attribute of its market info (`tally`, a JSON text of
`{user_id: [investment version, live quantity]}`, about 50 bytes a member): the domain's
writes of a market info SET the info's fields and leave it alone. Saving a tally updates
the info's totals, version and tally together with one conditional UpdateItem.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from botocore.exceptions import ClientError

from adapters.dynamodb import codec, keys
from adapters.dynamodb.reads import Context, batch_get
from adapters.dynamodb.retries import CONDITION_FAILED_ERROR, error_code
from adapters.dynamodb.sizes import check_size
from domain.errors import StaleWrite
from domain.model import MarketInfo, Tally
from ports.repository import Key, market_info_key

TALLY = "tally"


def load_tallies(context: Context, info_keys: Iterable[Key]) -> dict[Key, tuple[MarketInfo, Tally]]:
    """The market infos under `info_keys` with their tallies, in one consistent BatchGet."""
    wanted = {keys.item_key(key): key for key in info_keys}
    loaded: dict[Key, tuple[MarketInfo, Tally]] = {}
    for item_key, item in batch_get(context, list(wanted)).items():
        plain = codec.from_item(item)
        info = codec.decode_plain(plain)
        if isinstance(info, MarketInfo):
            loaded[wanted[item_key]] = (info, _tally(plain.get(TALLY), info))
    return loaded


def save_tally(context: Context, info: MarketInfo, tally: Tally, expected_version: int) -> None:
    """Store totals, version and tally if the info is still `expected_version`."""
    key = keys.item_key(market_info_key(info.market_id, info.investible_id))
    holdings = {user: list(held) for user, held in sorted(tally.holdings.items())}
    text = json.dumps(holdings, separators=(",", ":"))
    whole_item = key.attributes() | codec.to_item(codec.plain_market_info(info))
    check_size(whole_item | {TALLY: {"S": text}}, "The market info item with its tally")
    try:
        context.retry.call(
            lambda: context.client.update_item(
                TableName=context.name(key.table),
                Key=key.attributes(),
                UpdateExpression="SET investment_count = :count, investment_total = :total, "
                "#version = :version, #tally = :tally",
                ConditionExpression="#version = :expected",
                ExpressionAttributeNames={"#version": "version", "#tally": TALLY},
                ExpressionAttributeValues={
                    ":count": {"N": str(info.investment_count)},
                    ":total": {"N": str(info.investment_total)},
                    ":version": {"N": str(info.version)},
                    ":tally": {"S": text},
                    ":expected": {"N": str(expected_version)},
                },
            )
        )
    except ClientError as error:
        if error_code(error) == CONDITION_FAILED_ERROR:
            raise StaleWrite("The market info changed.") from None
        raise


def _tally(text: object, info: MarketInfo) -> Tally:
    tally = Tally(info.market_id, info.investible_id)
    if isinstance(text, str):
        for user_id, (version, quantity) in json.loads(text).items():
            tally.holdings[user_id] = (int(version), int(quantity))
    return tally
