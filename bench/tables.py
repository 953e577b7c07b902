"""The figures of a run as Markdown tables, part by part."""

from __future__ import annotations

from bench import stats
from bench.coldstart import API_FLOOR, AUTHORIZER_FLOOR, MODES
from bench.results import Results

LAMBDA_MODE = "compiled"  # function code as Lambda runs it: the package ships its bytecode


def verdict(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def cold_table(r: Results) -> str:
    header = ["function", "kind"]
    for mode in MODES:
        header += [f"{mode}: median ms", "p90", "ratio", "CPU ratio"]
    header += [f"{LAMBDA_MODE} steps: import", "settings", "services", "startup"]
    rows = []
    for function in r.functions:
        row = [function.name, function.kind]
        for mode in MODES:
            if (function.name, mode) not in r.cold.summaries:
                row += ["-"] * 4
                continue
            s = r.cold.of(function.name, mode)
            row += [
                stats.ms(s.median),
                stats.ms(s.p90),
                stats.ratio(r.cold.ratio(function, mode)),
                stats.ratio(r.cold.cpu_ratio(function, mode)),
            ]
        s = r.cold.of(function.name, LAMBDA_MODE)
        row += [
            stats.ms(s.phase("import")),
            stats.ms(s.phase("settings")),
            stats.ms(s.phase("services")),
            stats.ms(s.startup()),
        ]
        rows.append(row)
    for label in (API_FLOOR, AUTHORIZER_FLOOR):
        s = r.cold.floor(label)
        steps = ", ".join(f"{name} {stats.ms(s.phase(name))}" for name in s.phases)
        rows.append(
            [f"*{label}*", "floor", stats.ms(s.median), stats.ms(s.p90), "1.00", "1.00"]
            + ["", "", "", ""] * (len(MODES) - 1)
            + [steps, "", "", stats.ms(s.startup())]
        )
    text = table(header, rows)
    if r.instructions is not None:
        text += "\n\n" + instructions_table(r)
    return text


def instructions_table(r: Results) -> str:
    """Millions of instructions per cold start, and their ratio to the floor's."""
    counts = r.instructions.counts
    header = ["function"] + [f"{mode}: M instructions" for mode in MODES]
    header += [f"{mode}: ratio" for mode in MODES]
    rows = []
    for function in r.functions:
        if (function.name, MODES[0]) not in counts:
            continue
        row = [function.name]
        row += [f"{counts[(function.name, m)] / 1e6:.0f}" for m in MODES]
        row += [stats.ratio(r.instructions.ratio(function, m)) for m in MODES]
        rows.append(row)
    for label in (API_FLOOR, AUTHORIZER_FLOOR):
        rows.append([f"*{label}*", f"{counts[(label, '')] / 1e6:.0f}", "", "1.00", ""])
    return table(header, rows)


def warm_table(r: Results) -> str:
    rows = []
    for route in r.warm:
        rows.append(
            [
                route.route,
                stats.us(route.best("ours")),
                stats.us(route.best("service")),
                stats.us(route.ours_overhead),
                stats.us(route.best("powertools")),
                stats.us(route.powertools_overhead),
                stats.us(route.best("floor")),
                stats.ratio(route.ratio),
            ]
        )
    return table(
        [
            "route",
            "ours µs",
            "route body µs",
            "our overhead µs",
            "Powertools µs",
            "Powertools overhead µs",
            "floor µs (parse, validate, JSON answer)",
            "ratio",
        ],
        rows,
    )


def trips_table(r: Results) -> str:
    rows = [
        [
            c.route,
            c.kind,
            ", ".join(f"{op} {n}" for op, n in sorted(c.requests.items())) or "none",
            str(sum(c.requests.values())),
            str(c.round_trips),
            str(c.budget),
            verdict(c.ok),
        ]
        for c in r.trips
    ]
    return table(
        ["route", "kind", "requests", "requests (n)", "round trips", "budget", "verdict"], rows
    )


def memory_table(r: Results) -> str:
    rows = []
    for m in r.memory:
        rows.append(
            [
                f"{m.store} x {m.invocations}",
                f"{m.rss['init_rss_mb']:.1f}",
                f"{m.rss['first_rss_mb']:.1f}",
                f"{m.rss['warm_rss_mb']:.1f}",
                f"{m.traced['warm_traced_mb'][1]:.1f}",
                f"{m.growth_mb * 1024:.0f}",
                f"{m.bare_interpreter_mb:.1f}",
                f"{m.lambda_estimate_mb:.0f}",
                f"{m.lambda_bound_mb:.0f}",
                verdict(m.ok),
            ]
        )
    return table(
        [
            "store x invocations",
            "peak RSS after init MB",
            "after 1st MB",
            "after all MB",
            "tracemalloc peak MB",
            "traced growth 1st→last KB",
            "bare python MB",
            "Lambda estimate MB",
            "Lambda bound MB",
            "fits 128 MB",
        ],
        rows,
    )


def stream_table(r: Results) -> str:
    rows = []
    for b in r.stream:
        rows.append(
            [
                b.name,
                str(b.records),
                ", ".join(f"{k} {v}" for k, v in sorted(b.changes_kinds.items())),
                ", ".join(f"{op} {n}" for op, n in sorted(b.operations.items())),
                str(b.write_requests),
                str(b.items_written),
                str(b.touched_items),
                str(b.most_writes_of_one_item),
                f"{b.records_per_second:.0f}",
                verdict(b.ok),
            ]
        )
    return table(
        [
            "batch",
            "records",
            "changes",
            "DynamoDB requests",
            "write requests",
            "item writes",
            "touched items",
            "most writes of one item",
            "records/s (moto)",
            "verdict",
        ],
        rows,
    )


def gateway_table(r: Results) -> str:
    rows = []
    for x in r.gateway:
        load = x.load
        rows.append(
            [
                x.gateway,
                x.route,
                str(x.clients),
                f"{load.per_second:.0f}",
                stats.ms(load.p50),
                stats.ms(load.p99),
                str(len(load.latencies)),
                str(load.failed),
            ]
        )
    header = [
        "gateway",
        "route",
        "clients",
        "requests/s",
        "p50 ms",
        "p99 ms",
        "answered 2xx",
        "other answers and errors",
    ]
    return table(header, rows)
