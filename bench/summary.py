"""The summary of a run: each figure against its goal."""

from __future__ import annotations

from dataclasses import dataclass

from bench import stats
from bench.coldstart import API_FLOOR, AUTHORIZER_FLOOR, MODES
from bench.functions import Function
from bench.results import Results
from bench.tables import LAMBDA_MODE, table, verdict


@dataclass(frozen=True)
class Row:
    """One line of the summary."""

    figure: str
    measured: str
    baseline: str
    ratio: str
    goal: str
    verdict: str


def summary_rows(r: Results) -> list[Row]:
    rows: list[Row] = []
    if r.cold is not None:
        api = [f for f in r.functions if f.is_api]
        authorizer = [f for f in r.functions if f.kind == "authorizer"]
        for mode in MODES:
            label = "as Lambda runs it" if mode == LAMBDA_MODE else "without bytecode"
            if api:
                worst = max(api, key=lambda f: r.cold.ratio(f, mode))
                what = f"slowest API function ({label}): {worst.name}"
                rows.append(_cold_row(r, worst, mode, what))
            rows += [_cold_row(r, f, mode, f"authorizer ({label})") for f in authorizer]
            if r.instructions is not None:
                counted = [f for f in api if (f.name, mode) in r.instructions.counts]
                if counted:
                    worst = max(counted, key=lambda f: r.instructions.ratio(f, mode))
                    what = f"slowest counted API function ({label})"
                    rows.append(_instructions_row(r, worst, mode, what))
                rows += [
                    _instructions_row(r, f, mode, f"authorizer ({label})")
                    for f in authorizer
                    if (f.name, mode) in r.instructions.counts
                ]
    for route in r.warm or []:
        rows.append(
            Row(
                f"Warm overhead, {route.route}",
                f"{stats.us(route.ours_overhead)} µs",
                f"{stats.us(route.powertools_overhead)} µs (Powertools)",
                stats.ratio(route.ratio),
                "≤ 0.15",
                "**DISTURBED**: under the floor, run again"
                if route.disturbed
                else verdict(route.ratio <= 0.15),
            )
        )
    if r.trips is not None:
        over = [c for c in r.trips if not c.ok]
        rows.append(
            Row(
                "DynamoDB round trips, every route",
                f"{len(r.trips) - len(over)} of {len(r.trips)} within budget",
                "authorizer 0, read 1, write 2, write without stored state 1",
                "-",
                "all within",
                verdict(not over),
            )
        )
    for figures in r.memory or []:
        rows.append(
            Row(
                f"Peak memory, update_investment x {figures.invocations} ({figures.store} store)",
                f"{figures.peak_mb:.0f} MB process, about {figures.lambda_estimate_mb:.0f} MB "
                f"on Lambda (at most {figures.lambda_bound_mb:.0f})",
                "128 MB",
                f"{figures.lambda_bound_mb / 128:.2f}",
                "fits",
                verdict(figures.ok),
            )
        )
    for batch in r.stream or []:
        rows.append(
            Row(
                f"Stream consumer, {batch.name}",
                f"{batch.write_requests} write requests, {batch.items_written} item writes",
                f"{batch.touched_items} touched items",
                f"{batch.most_writes_of_one_item} write(s) per item at most",
                "≤ 1 per item",
                verdict(batch.ok),
            )
        )
    if r.gateway is not None:
        rows += _gateway_rows(r)
    return rows


def _cold_row(r: Results, function: Function, mode: str, what: str) -> Row:
    floor = r.cold.floor_of(function)
    ratio = r.cold.ratio(function, mode)
    return Row(
        f"Cold start, {what}",
        f"{stats.ms(r.cold.of(function.name, mode).median)} ms",
        f"{stats.ms(floor.median)} ms ({floor.label})",
        f"{stats.ratio(ratio)} (CPU {stats.ratio(r.cold.cpu_ratio(function, mode))})",
        *_cold_goal(mode, ratio),
    )


def _instructions_row(r: Results, function: Function, mode: str, what: str) -> Row:
    floor = AUTHORIZER_FLOOR if function.kind == "authorizer" else API_FLOOR
    ratio = r.instructions.ratio(function, mode)
    return Row(
        f"Cold start in instructions, {what}: {function.name}",
        f"{r.instructions.counts[(function.name, mode)] / 1e6:.0f} M",
        f"{r.instructions.counts[(floor, '')] / 1e6:.0f} M ({floor})",
        stats.ratio(ratio),
        *_cold_goal(mode, ratio),
    )


def _cold_goal(mode: str, ratio: float) -> tuple[str, str]:
    """The goal holds for the code as deployed; the copy without bytecode is shown to tell
    what shipping the bytecode buys."""
    if mode != LAMBDA_MODE:
        return "-", "for comparison"
    return "≤ 1.15", verdict(ratio <= 1.15)


def summary(r: Results) -> str:
    rows = summary_rows(r)
    return table(
        ["figure", "measured", "baseline", "ratio", "goal", "verdict"],
        [[x.figure, x.measured, x.baseline, x.ratio, x.goal, x.verdict] for x in rows],
    )


def _gateway_rows(r: Results) -> list[Row]:
    """Ours against serverless-offline: throughput with several clients, and the time of
    one request with one client (nothing queued in moto behind it)."""
    by = {(x.gateway, x.route, x.clients): x.load for x in r.gateway}
    many = max(x.clients for x in r.gateway)
    offline = next(x.gateway for x in r.gateway if x.gateway.startswith("serverless-offline"))
    rows = []
    for gateway in dict.fromkeys(x.gateway for x in r.gateway):
        if gateway == offline:
            continue
        for route in dict.fromkeys(x.route for x in r.gateway):
            ours, theirs = by[(gateway, route, many)], by[(offline, route, many)]
            alone, theirs_alone = by[(gateway, route, 1)], by[(offline, route, 1)]
            faster = ours.per_second > theirs.per_second and alone.p50 < theirs_alone.p50
            rows.append(
                Row(
                    f"{gateway}, {route}",
                    f"{ours.per_second:.0f} req/s ({many} clients); "
                    f"p50 {stats.ms(alone.p50)} ms (1 client)",
                    f"{theirs.per_second:.0f} req/s; p50 {stats.ms(theirs_alone.p50)} ms "
                    "(serverless-offline)",
                    f"{ours.per_second / theirs.per_second:.2f}x req/s; "
                    f"{alone.p50 / theirs_alone.p50:.2f}x p50",
                    "faster",
                    verdict(faster),
                )
            )
    return rows
