# evalkit — run `make` for the list of targets.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
OUT ?= reports
.DEFAULT_GOAL := help

.PHONY: help system setup demo test test-fast lint bench lab clean

## Show this help
help:
	@awk '/^## /{doc=substr($$0,4); next} /^[a-z][a-z-]*:/{if(doc){split($$1,t,":"); printf "  make %-10s %s\n", t[1], doc}; doc=""}' $(MAKEFILE_LIST)

## Install the Debian packages evalkit needs (fonts, Pango, poppler, Chromium); run as root
system:
	@bash .ci/install-system-packages.sh

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	@touch $@

## Set up everything: system packages and the virtualenv (.venv) with evalkit installed
setup: system $(VENV)/.installed

## Set up, then run every department in params/ into reports/ (appendices, result.json, index)
demo: setup
	$(VENV)/bin/evalkit run params/ --out $(OUT)
	$(VENV)/bin/evalkit run params/review-demo/ --out $(OUT)/review-demo
	@echo "Open the index page(s) above in a browser; they work offline: $$(ls $(OUT)/*/index.html $(OUT)/review-demo/*/index.html | tr '\n' ' ')"

## Set up, then run the whole test suite (notebooks included)
test: setup
	$(PY) -m pytest

## Set up, then run the tests that do not execute notebooks
test-fast: setup
	$(PY) -m pytest -m "not slow"

## Set up, then lint the code with ruff
lint: setup
	$(VENV)/bin/pip install --quiet ruff
	$(VENV)/bin/ruff check evalkit tests bench

## Set up, then benchmark CPU per department per output and make demo's time, `evalkit run` against the naive loop, Dask against the pool, one department's phases, `evalkit audit`, province scale, Portfolio.load from results and unchanged reruns (about 60 min)
bench: setup
	$(PY) bench/outputs_cpu.py --demo
	$(PY) bench/run_vs_naive.py
	$(PY) bench/engines.py
	$(PY) bench/department_phases.py
	$(PY) bench/audit.py
	$(PY) bench/province.py
	$(PY) bench/portfolio_results.py
	$(PY) bench/rerun.py

## Set up, then open JupyterLab on the notebooks
lab: setup
	$(VENV)/bin/jupyter lab notebooks/

## Remove generated reports and caches (keeps .venv)
clean:
	find $(OUT) -mindepth 1 ! -name README.md -exec rm -rf {} +
	rm -rf .pytest_cache bench/out
