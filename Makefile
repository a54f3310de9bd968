# Moscow's Dilemma: every target creates .venv from requirements.txt on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help report test check lint bench clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

report: $(STAMP)  ## check the data, run every notebook, write figures, briefing.pdf and README block
	$(PY) -m dilemma build

test: $(STAMP)  ## run the whole suite: data contract, bad input, figures, build, nbval on every notebook
	$(PY) -m pytest

check: $(STAMP)  ## validate data/ only
	$(PY) -m dilemma check

lint: $(STAMP)  ## ruff over the package and tests
	$(PY) -m ruff check dilemma tests

bench: $(STAMP)  ## time the build against its floor and a 100x synthetic data set
	$(PY) tests/perf/bench_build.py

clean:  ## remove the virtual environment
	rm -rf $(VENV)
