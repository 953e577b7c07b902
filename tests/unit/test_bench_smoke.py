"""The benchmark's modules import without their bench-only dependencies, and its small
measuring pieces work. No timing is asserted: `make bench` measures, the tests do not."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from bench import coldstart, functions, loadgen, stats, tables, warm
from bench.mocked import Requests

MODULES = (
    "bench.aws",
    "bench.chart",
    "bench.coldstart",
    "bench.consumer",
    "bench.docs",
    "bench.functions",
    "bench.gateway",
    "bench.gateway_scene",
    "bench.instructions",
    "bench.loadgen",
    "bench.memory",
    "bench.mocked",
    "bench.offline",
    "bench.paths",
    "bench.quiet",
    "bench.results",
    "bench.roundtrips",
    "bench.run",
    "bench.stats",
    "bench.summary",
    "bench.tables",
    "bench.warm",
)


@pytest.mark.parametrize("name", MODULES)
def test_a_bench_module_imports_without_bench_only_packages(name: str):
    assert importlib.import_module(name)


def test_percentiles_interpolate_between_ranks():
    assert stats.median([3.0, 1.0, 2.0]) == 2.0
    assert stats.percentile([0.0, 10.0], 0.9) == pytest.approx(9.0)


def test_a_batch_is_timed_per_call_and_keeps_its_answers():
    seconds, answers = warm._timed(lambda n: n * 2, [1, 2, 3])

    assert seconds >= 0
    assert answers == [2, 4, 6]


def test_a_handler_is_measured_with_the_providers_it_calls():
    providers, deferred = functions.first_use("adapters.aws_lambda.update_investment")

    assert providers == ("settings", "investments")
    assert deferred == ()


def test_every_deployed_function_has_a_kind_and_resolves_settings_first():
    found = functions.deployed_functions("dev")

    assert {f.kind for f in found} == {"api", "authorizer", "stream", "schedule"}
    assert all(f.providers[0] == "settings" for f in found)


def test_the_compiled_copy_holds_bytecode_and_leaves_the_local_gateway_out(tmp_path: Path):
    copy = coldstart.copy_code(tmp_path / "code", compiled=True)

    assert list((copy / "domain").rglob("*.pyc"))
    assert not (copy / "adapters" / "local").exists()


def test_round_trips_are_the_times_requests_in_flight_rise_from_zero():
    counted = Requests()

    class Operation:
        name = "Query"

    counted._start(Operation())
    counted._start(Operation())
    counted._end()
    counted._end()
    counted._start(Operation())
    counted._end()

    assert counted.round_trips == 2
    assert counted.total == 3


def test_a_load_merges_its_latencies_into_percentiles():
    load = loadgen.Load(latencies=[0.001, 0.002, 0.003], seconds=1.0)

    assert load.per_second == 3
    assert load.p50 == pytest.approx(0.002)


def test_a_table_has_a_header_rule_and_its_rows():
    text = tables.table(["a", "b"], [["1", "2"]])

    assert text.splitlines() == ["| a | b |", "|---|---|", "| 1 | 2 |"]


def test_the_round_trip_part_runs_on_moto_and_every_route_is_within_budget(monkeypatch):
    """The whole part, as `make bench` runs it: a store on moto with the functions' own
    cut-down client, every route called once (a couple of seconds)."""
    from bench import roundtrips
    from bench.aws import FAKE_AWS

    for name, value in FAKE_AWS.items():  # the part sets them; put them back afterwards
        monkeypatch.setenv(name, value)

    counts = roundtrips.measure()

    assert len({c.route for c in counts}) >= 20
    assert [c.route for c in counts if not c.ok] == []
