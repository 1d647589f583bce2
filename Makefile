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

# The suite runs on SQLite and, at the same time, on PostgreSQL when a server answers at
# POLICY_TIMELINE_TEST_POSTGRES_URL (default postgresql://postgres:postgres@localhost:5432/postgres);
# the two halves are mostly single-threaded, so side by side they take about the time of the
# longer one. The PostgreSQL half's output is printed after the SQLite half's.
# POLICY_TIMELINE_REQUIRE_POSTGRES=1 (CI) makes a missing server a failure instead of a skip.
TEST_TMP := .test-tmp
test: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@mkdir -p $(TEST_TMP)
	@if $(BIN)/python -m tests.support.backend; then \
		POLICY_TIMELINE_TEST_BACKEND=postgres $(BIN)/python -m pytest --basetemp=$(TEST_TMP)/postgres \
			> $(TEST_TMP)/postgres.log 2>&1 & postgres_half=$$!; \
		echo "== the suite on SQLite (and on PostgreSQL alongside)"; \
		$(BIN)/python -m pytest --basetemp=$(TEST_TMP)/sqlite; sqlite=$$?; \
		wait $$postgres_half; postgres=$$?; \
		echo "== the same suite on PostgreSQL"; cat $(TEST_TMP)/postgres.log; \
		[ $$sqlite -eq 0 ] && [ $$postgres -eq 0 ]; \
	elif [ -n "$$POLICY_TIMELINE_REQUIRE_POSTGRES" ]; then \
		echo "PostgreSQL is required but no server answers at POLICY_TIMELINE_TEST_POSTGRES_URL"; exit 1; \
	else \
		echo "== SKIPPED the PostgreSQL half: no server answers at POLICY_TIMELINE_TEST_POSTGRES_URL"; \
		$(BIN)/python -m pytest --basetemp=$(TEST_TMP)/sqlite; \
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
