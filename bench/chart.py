"""The cold-start chart: each function's median steps, beside the floors it is held to."""

from __future__ import annotations

from pathlib import Path

from bench.coldstart import API_FLOOR, AUTHORIZER_FLOOR, ColdStarts
from bench.functions import Function

STEPS = (
    ("startup", "interpreter start and exit", "#bbbbbb"),
    ("import", "import (handler module, container)", "#4c72b0"),
    ("settings", "first settings (AWS SDK import, SSM client, GetParameters)", "#dd8452"),
    ("services", "the function's services (store, tokens)", "#55a868"),
)
FLOOR_STEPS = {
    API_FLOOR: (("startup", "#bbbbbb"), ("import", "#8172b3"), ("client", "#937860")),
    AUTHORIZER_FLOOR: (
        ("startup", "#bbbbbb"),
        ("import", "#8172b3"),
        ("container", "#937860"),
        ("ssm", "#da8bc3"),
    ),
}


def draw(cold: ColdStarts, functions: list[Function], mode: str, target: Path) -> None:
    """A horizontal stacked bar per function and floor, in milliseconds (medians)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [(f"{f.name}", cold.of(f.name, mode)) for f in functions]
    rows += [(API_FLOOR, cold.floor(API_FLOOR)), (AUTHORIZER_FLOOR, cold.floor(AUTHORIZER_FLOOR))]
    figure, axes = plt.subplots(figsize=(11, 0.38 * len(rows) + 2.4))
    labels = []
    for index, (label, summary) in enumerate(reversed(rows)):
        labels.append(label)
        if summary.kind == "floor":
            steps = [(name, colour) for name, colour in FLOOR_STEPS[label]]
        else:
            steps = [(name, colour) for name, _, colour in STEPS]
        widths = [summary.startup() if n == "startup" else summary.phase(n) for n, _ in steps]
        # Medians of steps need not add up to the median run: scale them so they do.
        scale = summary.median / sum(widths) if sum(widths) else 0.0
        left = 0.0
        for (_, colour), width in zip(steps, widths, strict=True):
            axes.barh(
                index,
                width * scale * 1000,
                left=left,
                color=colour,
                edgecolor="white",
                linewidth=0.5,
            )
            left += width * scale * 1000
        end = left
        if summary.kind == "authorizer":
            limit = cold.floor(AUTHORIZER_FLOOR).median * 1150
            axes.plot([limit, limit], [index - 0.45, index + 0.45], color="#c44e52", linewidth=2)
            end = max(end, limit)
        axes.text(end + 4, index, f"{summary.median * 1000:.0f} ms", va="center", fontsize=8)
    limit = cold.floor(API_FLOOR).median * 1150
    axes.axvline(limit, color="#c44e52", linestyle="--", linewidth=1)
    axes.text(
        limit + 4,
        len(rows) - 0.4,
        "1.15 x API floor (the authorizer's own: red tick)",
        color="#c44e52",
        fontsize=8,
    )
    longest = max(summary.median for _, summary in rows) * 1000
    axes.set_xlim(0, max(longest, limit) * 1.14)
    axes.set_yticks(range(len(rows)), labels, fontsize=8)
    axes.set_xlabel("milliseconds: median process time, split in proportion to the median steps")
    axes.set_title(
        f"Cold start per function ({mode} function code, {cold.runs} runs each), "
        "fresh runtime-only processes",
        fontsize=10,
    )
    handles = [plt.Rectangle((0, 0), 1, 1, color=colour) for _, _, colour in STEPS]
    handles += [plt.Rectangle((0, 0), 1, 1, color=c) for c in ("#8172b3", "#937860", "#da8bc3")]
    names = [text for _, text, _ in STEPS]
    names += ["floor: imports", "floor: client / container and client", "floor: SSM read"]
    axes.legend(
        handles,
        names,
        fontsize=7,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.07),
        ncol=3,
        frameon=False,
    )
    figure.tight_layout()
    figure.savefig(target, dpi=110)
    plt.close(figure)
