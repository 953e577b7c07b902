"""Benchmarks of market-api: cold starts, warm overhead, round trips, memory, the stream
consumer and the local gateway. `python -m bench` runs them all and writes
docs/performance.md; see that page for the method of each measurement."""
