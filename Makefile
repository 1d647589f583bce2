# Two commands on a fresh machine: `make serve` and `make test`. Everything else hangs off them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: serve test lint openapi bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

serve: $(VENV)/.installed
	$(BIN)/policy-timeline serve

# The suite runs on SQLite, then again on PostgreSQL when a server answers at
# POLICY_TIMELINE_TEST_POSTGRES_URL (default postgresql://postgres:postgres@localhost:5432/postgres).
# POLICY_TIMELINE_REQUIRE_POSTGRES=1 (CI) makes a missing server a failure instead of a skip.
test: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest
	@if $(BIN)/python -m tests.backend; then \
		echo "== the same suite on PostgreSQL"; \
		POLICY_TIMELINE_TEST_BACKEND=postgres $(BIN)/python -m pytest; \
	elif [ -n "$$POLICY_TIMELINE_REQUIRE_POSTGRES" ]; then \
		echo "PostgreSQL is required but no server answers at POLICY_TIMELINE_TEST_POSTGRES_URL"; exit 1; \
	else \
		echo "== SKIPPED the PostgreSQL half: no server answers at POLICY_TIMELINE_TEST_POSTGRES_URL"; \
	fi

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

openapi: $(VENV)/.installed
	$(BIN)/policy-timeline openapi --output openapi/openapi.json

bench: $(VENV)/.dev-installed
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
