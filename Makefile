# The two commands of the README: `make demo` and `make test`. Both set up what is missing first.
SHELL := /bin/bash
PY := .venv/bin/python
export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home

.PHONY: setup demo test ui bench accuracy clean-data

setup:
	@bash scripts/bootstrap.sh

# `aigeo run` / `aigeo ui` write $(DAGSTER_HOME)/dagster.yaml (scripts/dagster.yaml, one queued run per core).
demo: setup
	$(PY) -m aigeo_assets.cli materialize-all

test: setup
	.venv/bin/ruff check .   # the habits of pyproject.toml's [tool.ruff] (issue 17)
	$(PY) -m pytest -q -n auto --dist loadfile   # one worker per core (pytest-xdist), a module's tests on one worker

ui: setup
	$(PY) -m aigeo_assets.cli ui

bench: setup
	$(PY) benchmarks/ingest.py
	$(PY) benchmarks/betweenness.py
	$(PY) benchmarks/city_metrics.py   # reads the demo warehouse: run `make demo` first
	$(PY) benchmarks/migration.py   # the demo warehouse too
	$(PY) benchmarks/input_reads.py   # the demo warehouse too: what each asset's declared input leaves unread
	$(PY) benchmarks/year_assembly.py   # a year of raw_works written as it is assembled beside gathered and written whole
	$(PY) benchmarks/core_citations.py   # the demo warehouse: core_citations a batch at a time beside DuckDB
	$(PY) benchmarks/affiliation_batches.py   # the demo warehouse: a year's affiliations placed in batches beside placed whole
	$(PY) benchmarks/models.py
	$(PY) benchmarks/disruption.py   # CD index beside cdindex (the test extra)
	$(PY) benchmarks/worker_start.py   # aigeo run's workers forked beside spawned, on the tiny world
	$(PY) benchmarks/instance_storage.py   # aigeo's event log and run storage beside Dagster's own

accuracy: setup   # measured accuracy on the real samples in ../shared/samples (benchmarks/README.md)
	$(PY) benchmarks/real_records.py

clean-data:
	rm -rf data/warehouse data/dagster_home data/sources

.PHONY: bench-full
bench-full: setup   # the whole study on the paper-scale world, then a new year (benchmarks/README.md, "Full run"); hours of one core the first time (the world is generated once)
	nice -n 5 $(PY) benchmarks/full_run.py --scale $(or $(SCALE),paper)
