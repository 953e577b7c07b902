"""Peak memory of a warm API function: update_investment invoked many times in this fresh
runtime-only interpreter; prints `RESULT <json>`.

    python memory.py <memory|dynamodb> <invocations> [tracemalloc]

`memory` overrides the store with the in-memory one; `dynamodb` uses the real DynamoStore,
pointed by the environment at a moto server, as deployed. Settings are read from SSM either
way. With `tracemalloc`, Python's allocations are traced from the first line (slower, so
its figures are kept apart from the resident set size).
"""

import sys

TRACE = len(sys.argv) > 3 and sys.argv[3] == "tracemalloc"
if TRACE:
    import tracemalloc

    tracemalloc.start()

import json  # noqa: E402
import uuid  # noqa: E402


def rss_mb() -> float:
    """The peak resident set size of this process image (VmHWM): unlike `ru_maxrss`, it does
    not carry over the parent's peak through fork and exec."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def traced_mb() -> tuple[float, float]:
    if not TRACE:
        return (0.0, 0.0)
    current, peak = tracemalloc.get_traced_memory()
    return (current / 2**20, peak / 2**20)


def main() -> None:
    store_kind, count = sys.argv[1], int(sys.argv[2])
    figures: dict[str, object] = {"start_rss_mb": rss_mb()}

    from adapters.aws_lambda import update_investment
    from adapters.aws_lambda.container import container

    if store_kind == "memory":
        from dependency_injector import providers

        from adapters.memory import MemoryStore

        container.store.override(providers.Object(MemoryStore()))
    container.investments()
    figures["init_rss_mb"] = rss_mb()
    figures["init_traced_mb"] = traced_mb()

    from domain.model import MarketType
    from domain.services.investibles import NewInvestible
    from domain.services.markets import NewMarket
    from ports.tokens import Identity
    from tests.support.events import api_event

    admin = Identity("bench", "admin@bench.example", "Admin")
    login = container.sso().login(admin, str(uuid.uuid4()))
    user_id, account_id = login.user.id, login.account.id
    created = container.markets().create(
        user_id, account_id, NewMarket(MarketType.DECISION, "Lunch"), str(uuid.uuid4())
    )
    market_id = created.market.id
    investible = container.investibles().create(
        user_id, market_id, NewInvestible("Tacos"), str(uuid.uuid4())
    )
    context = {
        "principalId": user_id,
        "user_id": user_id,
        "account_id": account_id,
        "market_id": market_id,
        "is_admin": "true",
        "token_type": "market",
    }

    def invoke(quantity: int, former: int) -> None:
        body = {
            "investible_id": investible.investible.id,
            "quantity": quantity,
            "former_quantity": former,
        }
        answer = update_investment.handler(
            api_event("POST", "/invest", body=body, authorizer=context), None
        )
        if answer["statusCode"] != 200:
            raise RuntimeError(f"{answer['statusCode']}: {answer['body']}")

    invoke(5, 0)
    figures["first_rss_mb"] = rss_mb()
    figures["first_traced_mb"] = traced_mb()

    previous = 5
    for _ in range(count - 1):
        quantity = 6 if previous == 5 else 5
        invoke(quantity, previous)
        previous = quantity
    figures["warm_rss_mb"] = rss_mb()
    figures["warm_traced_mb"] = traced_mb()
    figures["invocations"] = count
    sys.stdout.write("RESULT " + json.dumps(figures) + "\n")


main()
