# ucj-pipeline: `make demo` runs the pipeline end to end on synthetic sample data; `make test` runs the tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
UCJ_HOME ?= $(CURDIR)/data
export UCJ_HOME
# The sample's seed figures are for 2025-12-31 (Enrekang: 46,589 covered).
DEMO_AS_OF ?= 2025-12-31

.PHONY: demo test ui bi ui-postgres install test-services lint check-defs format bench bench-drop clean manifest snapshot

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

demo: install
	$(BIN)/ucj sample
	$(BIN)/ucj run --as-of $(DEMO_AS_OF)
	$(BIN)/ucj backfill --to $(DEMO_AS_OF)
	$(BIN)/ucj status

# Chromium and PostgreSQL for the browser and instance-storage tests (Debian packages; installed when missing).
test-services:
	bash scripts/install-test-services.sh

test: install test-services
	$(BIN)/pytest -n auto --dist loadfile

ui: install
	$(BIN)/ucj ui

# Apache Superset on the published file (its own virtualenv .venv-bi; docs/bi.md). Needs UCJ_BI_ADMIN_PASSWORD.
BI_PORT ?= 8088
bi: install
	$(BIN)/ucj bi --port $(BI_PORT)

# The UI and daemon on a local PostgreSQL instance storage (deploy/dagster.yaml), as production runs it.
PG_PORT ?= 5433
ui-postgres: install test-services
	bash scripts/local-postgres.sh start $(UCJ_HOME)/postgres $(PG_PORT)
	mkdir -p $(UCJ_HOME)/dagster_home_postgres
	cp deploy/dagster.yaml $(UCJ_HOME)/dagster_home_postgres/dagster.yaml
	eval "$$(bash scripts/local-postgres.sh env $(PG_PORT))" && \
	  DAGSTER_HOME=$(UCJ_HOME)/dagster_home_postgres $(BIN)/ucj ui

lint: install check-defs
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Dagster's project CLI loads the code location and validates it (a throwaway DAGSTER_HOME: no telemetry prompt).
check-defs: install
	dagster_home=$$(mktemp -d) && printf 'telemetry:\n  enabled: false\n' > $$dagster_home/dagster.yaml && \
	  DAGSTER_HOME=$$dagster_home VIRTUAL_ENV=$(CURDIR)/$(VENV) $(BIN)/dg check defs; status=$$?; \
	  rm -rf $$dagster_home; exit $$status

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Columns and column lineage of the SQL models, read by the code location at import (after editing dbt_like_sql/).
manifest: install
	$(BIN)/python -m ucj_pipeline.models.sql_manifest

# Rewrite tests/snapshots/definitions.json after an intended change of the asset graph (review the diff).
snapshot: install
	UCJ_UPDATE_SNAPSHOTS=1 $(BIN)/pytest -q tests/orchestration/test_definitions_snapshot.py

# The national shape: every registry branch, skewed sizes; `ucj run` against the same work in bare DuckDB and the
# arithmetic alone, plus two incremental figures. E.g. make bench BENCH_ARGS="--rows 10000000 --snapshots 2".
BENCH_ARGS ?=
bench: install
	$(BIN)/python benchmarks/national_shape.py $(BENCH_ARGS)

# A file drop to the published marts under the daemon of `ucj ui`, several drops; the same drop via `ucj run`.
bench-drop: install
	$(BIN)/python benchmarks/drop_to_published.py

clean:
	rm -rf $(UCJ_HOME)
