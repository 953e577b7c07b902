# Every target sets up what it needs: a .venv with the project installed, and
# deploy/node_modules for the Serverless Framework when a target packages the deployment.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 3000

.PHONY: help venv test lint typecheck imports unit integration serve bench clean

help:
	@echo "make serve   run the API on http://$(HOST):$(PORT) with embedded DynamoDB and SSM"
	@echo "make test    lint, type-check, import rules and every test"
	@echo "make bench   run the benchmarks and write docs/performance.md"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,tools]'
	@touch $(STAMP)

venv: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest tests/unit

integration: $(STAMP)
	$(BIN)/pytest tests/integration

test: lint typecheck imports
	$(BIN)/pytest

serve: $(STAMP)
	$(BIN)/market-api serve --host $(HOST) --port $(PORT)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
