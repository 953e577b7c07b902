"""docs/performance.md, written from a run: the figures, the command, and the method."""

from __future__ import annotations

from bench import summary, tables
from bench.paths import CHART, NOTES
from bench.results import Results

INTRO = """\
# Performance

What the service costs at a cold start, per warm request, in DynamoDB round trips and in
memory, what the stream consumer writes, and how fast the local gateway answers, measured
against the goals of the design. Every figure on this page comes from one run of the
benchmark on the machine described below; `make bench` runs it again and rewrites this
page (only the "Optimisations" section is kept by hand, in `bench/optimisations.md`).

The benchmark is not a test: it never runs in `make test`, and a goal it misses is a
finding, not a failure of the build.
"""

REPRODUCE = """\
## Running it

```sh
make bench                      # every part, about 10 minutes; rewrites this page
.venv-bench/bin/python -m bench --quick --no-write            # a quick look, nothing written
.venv-bench/bin/python -m bench --parts cold,warm --no-write  # some parts only
.venv-bench/bin/python -m bench --parts cold --code /tmp/copy --no-write  # a changed copy
```

`make bench` needs `.venv-runtime` (`make runtime-venv`: the runtime dependencies only, as
the Lambda layer has them; cold starts are measured there), `.venv` (`make venv`: the
local gateway) and `.venv-bench` (the project with its `bench` extra: moto,
aws-lambda-powertools, matplotlib). Node and npm are needed for serverless-offline, which
the first run installs into a cache folder outside the repository
(`$MARKET_API_BENCH_CACHE`, by default `/tmp/market-api-bench`). `--code PATH` measures the
code of another tree (a copy with a change applied) with the same harness.
"""

METHOD = {
    "cold": """\
Each run is a fresh process of `.venv-runtime/bin/python` (runtime dependencies only)
running `bench/probes/cold.py`, with the environment a deployed function of the `prod`
stage has (table names, SSM parameter names, issuer: from deploy/serverless.yml) and AWS
reached through `AWS_ENDPOINT_URL` at a moto server the benchmark starts. The probe
imports the handler module (which builds the container), then calls
`container.settings()` (the SSM client and one GetParameters call, as the first
invocation does), then resolves what the handler asks the container for (read from the
handler's source: the store and the service, the tokens, the identity verifier). The
figure compared is the wall time of the whole process, from spawn to exit; "startup" is
what the probe's steps do not cover (the interpreter starting and stopping). The process
exits with `os._exit` once done, as a Lambda sandbox is not torn down during init.

The floors are measured the same way in the same run: the API floor imports boto3,
pydantic (`BaseModel`), PyJWT and dependency-injector and makes one DynamoDB client; the
authorizer floor imports PyJWT and dependency-injector, builds a container and reads the
SSM parameters through it. Every round starts every function and floor once, in a
shuffled order, so that the noise of this shared machine falls on all of them alike; the
tables give the median and the 90th percentile of the rounds, and the ratio of the
medians. The CPU time of each process (user + system, from `wait4`) is less disturbed by
the machine's other work; its ratio is given beside the wall-time one.

Bytecode: the libraries are precompiled in both modes (pip compiles them at install, and
the layer ships its `.pyc`). The function code is measured twice: `compiled`, a copy
compiled beforehand with unchecked-hash `.pyc` files, which is how Lambda runs it (the
deployment package ships the bytecode that deploy/scripts/stage_code.py makes, and the
goals are judged on it); and `source`, a copy with no `.pyc` and
`PYTHONDONTWRITEBYTECODE=1`, where every cold start compiles every module of ours it
imports (`/var/task` is read-only, so Lambda could not keep what it compiles): the
difference is what shipping the bytecode buys.

Both floors and four functions (the authorizer, a read, a write and the heaviest sign-in;
`--instructions all` for every function, `none` for none) also run once under valgrind's
cachegrind, which counts the instructions the process executes (`bench/instructions.py`).
The count does not move with the machine's load, so it shows the effect of a change to
the code to a fraction of a percent, where wall times here move by tens of percent; it
leaves out waiting (the SSM answer) and the cost of page faults and cache misses.
""",
    "warm": """\
In one process, on the in-memory store (`tests/support/harness.py`, `wired(MemoryStore())`),
with a market, an investible and a member made through the handlers. Four ways of
serving each route are timed over batches of fresh events (a new request id each, as the
gateway sends): our handler; the route body alone (the service call and the domain
view, which both frames run: `bench/powertools_app.py`); Powertools' `APIGatewayRestResolver`
with `enable_validation=True`, routing to the same body with the same pydantic model; and
a floor that only parses the body, validates it with the model and writes the answer as
JSON. A frame's overhead is its time less the route body's. Each round uses a fresh store
(a store that grows makes the collector's work grow) and rotates the order of the four;
each way's figure is the fastest of its rounds' batch means, the one least disturbed by
the machine's other work, as `timeit` advises (medians drift apart when the load changes
within a run, and their difference then means nothing). Our handler writes its JSON log
line to /dev/null here (formatted and written, as on Lambda); Powertools logs nothing.
An overhead under the floor's own time cannot be right (our handler does all the floor
does): it means the machine's load changed between samples, and the summary says
DISTURBED instead of a verdict.
""",
    "trips": """\
Every route is called once through its real handler (and the authorizer through its own)
on DynamoDB in moto (in process), the tables created from deploy/serverless.yml, after a
scene is made (not counted). The store's botocore client is watched with `before-call`
and `after-call` hooks: requests are counted by operation, and round trips are the times
the number of requests in flight rises from zero (each request is held 20 ms before it
is sent, so that requests sent together overlap even though moto answers at once).
""",
    "memory": """\
A fresh `.venv-runtime` process (`bench/probes/memory.py`) imports update_investment,
reads its settings from SSM on the moto server, makes a market and an investible, and
invokes the handler with real-shaped events: 1,000 times on the in-memory store, and
fewer times on the real DynamoStore against moto (moto, not the function, is slow there;
the function's own memory stops growing after the first calls). The resident set size is
the process image's peak (`VmHWM`; `ru_maxrss` would carry over the peak of the parent
that forked it). A second run of each traces Python's allocations with tracemalloc from
the first line: its peak, and what is still held after the last invocation more than
after the first (a leak would show there; the in-memory store keeps every request id and
change it is given, so its growth is the store's own). Lambda's "Max Memory Used" includes the
runtime's own process: a Python function doing nothing reports 30 to 40 MB. The estimate
is our peak less a bare interpreter's plus 40 MB; the bound adds 40 MB to our whole peak.
""",
    "stream": """\
Writes go through the API's handlers onto DynamoDB in moto with the markets table's
stream on; the records are read back from the stream and handed to `process_stream` in
Lambda's event shape, 100 at a time: the first 100 records of a new market (its
investibles and members joining) and 100 records of members investing. The consumer's
requests are counted by operation, and every item a write request names (PutItem,
UpdateItem, DeleteItem, each item of a TransactWriteItems or BatchWriteItem) is keyed, so
that the number of writes of each item is known. Records per second are those of moto in
this process, which dominates the time; they say little about DynamoDB.
""",
    "gateway": """\
Both gateways serve the routes of deploy/serverless.yml with the real authorizer, their
DynamoDB tables on one moto server. moto backs a table up before each transaction by
copying it whole, stream records included, once for every item of the transaction: the
tables are created as declared but without their streams (neither gateway reads them
here), and the benchmark's moto server makes one copy per table and transaction
(`bench/motoserver.py`), four times faster on this route and the same backup. Even so,
moto bounds both routes: the handler's own time is most of a request's. With several
clients the figure is throughput; with one, the time of a request with nothing queued
behind another in moto. Ours is `market-api serve --dynamodb-endpoint` (its SSM embedded;
throttling and quota raised out of the way); serverless-offline 13.9.0, the last release
for Serverless 3, runs the same handlers from a wrapper of deploy/serverless.yml (see
`bench/offline.py` for the few changes and why) in Python child processes of
`.venv-runtime`. A market, an investible and one member per client are made through our
gateway's sign-in flow; serverless-offline's clients carry tokens for the same members,
signed with the secret the benchmark put in SSM. Each client is a thread with one
keep-alive connection sending requests back to back; a warm-up lets every function
instance start first. `POST /invest` alternates each member's quantity, so every request
is a real compare-and-set write. Our gateway caches the authorizer's answer per token as
API Gateway does; serverless-offline runs the authorizer for every request, so ours is
measured with the cache off too.
""",
}

TITLES = {
    "cold": "1. Cold starts",
    "warm": "2. Warm overhead per invocation",
    "trips": "3. DynamoDB round trips per route",
    "memory": "4. Peak memory of a warm API function",
    "stream": "5. The stream consumer",
    "gateway": "6. The local gateway against serverless-offline",
}

LIMITS = """\
## Limits of these figures

- The machine is shared: other work runs beside the benchmark, and wall times move by
  tens of percent from one run to the next. The cold-start rounds interleave functions
  and floors so that the noise falls on both; the CPU-time ratios are steadier.
- This is x86-64 at whatever clock the host gives; the functions run on Graviton (arm64)
  at 256 MB, where everything is slower in proportion. The ratios carry over better than
  the milliseconds.
- moto stands in for DynamoDB and SSM: latencies of AWS calls here are those of a local
  server, not of the network. Round trips and item writes are exact; times are not.
- Lambda's own share of a cold start (the sandbox, the runtime's bootstrap, extensions)
  is not measured; `Init Duration` on AWS adds it to the figures here.
"""


def page(r: Results, cold_chart: bool) -> str:
    parts = [INTRO, _run_description(r), "## Summary\n", summary.summary(r), "", REPRODUCE]
    for key, render in (
        ("cold", tables.cold_table),
        ("warm", tables.warm_table),
        ("trips", tables.trips_table),
        ("memory", tables.memory_table),
        ("stream", tables.stream_table),
        ("gateway", tables.gateway_table),
    ):
        parts.append(f"## {TITLES[key]}\n")
        parts.append(METHOD[key])
        if key in r.errors:
            parts.append(f"This part failed in this run:\n\n```\n{r.errors[key][-2000:]}\n```\n")
        elif getattr(r, key) is None:
            parts.append("This part was not run.\n")
        else:
            parts.append(render(r) + "\n")
            if key == "cold" and cold_chart:
                parts.append(f"![Cold start per function]({CHART.name})\n")
    if NOTES.exists():
        parts.append(NOTES.read_text())
    parts.append(LIMITS)
    return "\n".join(parts)


def _run_description(r: Results) -> str:
    m = r.machine
    runtime = ", ".join(f"{k} {v}" for k, v in m.get("runtime_packages", {}).items())
    bench = ", ".join(f"{k} {v}" for k, v in m.get("bench_packages", {}).items())
    load_before = " ".join(f"{x:.2f}" for x in m.get("load_before", ()))
    load_after = " ".join(f"{x:.2f}" for x in m.get("load_after", ()))
    return (
        f"Run of {r.started} with `{r.command}`, {r.seconds / 60:.1f} minutes, on "
        f"{m.get('cpu')} ({m.get('cores')} cores, shared; load average {load_before} "
        f"before, {load_after} after), Linux {m.get('kernel')}, Python {m.get('python')}. "
        f"Runtime packages: {runtime}. Benchmark packages: {bench}.\n"
    )
