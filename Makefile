# Every target sets up what it needs: a .venv with the project installed, and
# deploy/node_modules for the Serverless Framework when a target packages the deployment.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 3000

.PHONY: help venv runtime-venv node package deploy openapi bench fuzz test lint typecheck imports unit integration serve bench clean

help:
	@echo "make serve   run the API on http://$(HOST):$(PORT) with embedded DynamoDB and SSM"
	@echo "make test    lint, type-check, import rules and every test"
	@echo "make bench   run the benchmarks and write docs/performance.md"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,tools,local]'
	@touch $(STAMP)

venv: $(STAMP)

# The runtime dependencies alone, as the Lambda layer ships them: the import guards and the
# cold-start benchmark run here, because test-only packages change what libraries import.
RUNTIME_VENV := .venv-runtime
RUNTIME_STAMP := $(RUNTIME_VENV)/.installed
$(RUNTIME_STAMP): pyproject.toml
	@test -x $(RUNTIME_VENV)/bin/python || $(PYTHON) -m venv $(RUNTIME_VENV)
	$(PYTHON) -c "import tomllib; print('\\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > $(RUNTIME_VENV)/requirements.txt
	$(RUNTIME_VENV)/bin/python -m pip install --quiet -r $(RUNTIME_VENV)/requirements.txt
	@touch $(RUNTIME_STAMP)

runtime-venv: $(RUNTIME_STAMP)

# The Serverless Framework and its plugins, pinned by deploy/package-lock.json.
NODE_STAMP := deploy/node_modules/.package-lock.json
STAGE ?= dev
REGION ?= us-east-1

$(NODE_STAMP): deploy/package.json deploy/package-lock.json
	cd deploy && npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

node: $(NODE_STAMP)

package: $(STAMP) $(NODE_STAMP)
	OFFLINE=1 PYTHON=$(BIN)/python deploy/scripts/serverless.sh package --stage $(STAGE) --region $(REGION)

deploy: $(STAMP) $(NODE_STAMP)
	PYTHON=$(BIN)/python deploy/scripts/serverless.sh deploy --stage $(STAGE) --region $(REGION)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP) $(RUNTIME_STAMP)
	$(BIN)/pytest tests/unit

integration: $(STAMP) $(RUNTIME_STAMP) $(NODE_STAMP)
	$(BIN)/pytest tests/integration

test: lint typecheck imports $(RUNTIME_STAMP) $(NODE_STAMP)
	$(BIN)/pytest

# Benchmarks, never part of `make test` (about 10 minutes): rewrites docs/performance.md.
BENCH_VENV := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed
$(BENCH_STAMP): pyproject.toml
	@test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -e '.[test,local,bench]'
	@touch $(BENCH_STAMP)

bench: $(STAMP) $(RUNTIME_STAMP) $(BENCH_STAMP)
	$(BENCH_VENV)/bin/python -m bench

# A longer fuzz run than the one in `make test`.
FUZZ_EXAMPLES ?= 200
FUZZ_SEED ?= $(shell date +%s)
fuzz: $(STAMP)
	FUZZ_MAX_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_SEED=$(FUZZ_SEED) $(BIN)/pytest tests/reliability/test_fuzz.py -s

openapi: $(STAMP)
	$(BIN)/python scripts/write_openapi.py

serve: $(STAMP)
	$(BIN)/market-api serve --host $(HOST) --port $(PORT)

clean:
	rm -rf $(VENV) $(RUNTIME_VENV) $(BENCH_VENV) .mypy_cache .pytest_cache .ruff_cache .local
	rm -rf deploy/node_modules deploy/.build deploy/.serverless* deploy/domain deploy/ports deploy/adapters
