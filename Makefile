# tradesim: `make demo` runs the main job on the bundled scenario; `make test` runs the test suite.
# Both create the virtual environment in .venv on first use, pinned by constraints.txt.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SCENARIO ?= scenarios/us_china_2025.toml
OUT    := out

BENCH  := .venv-bench
BPY    := $(BENCH)/bin/python

.PHONY: demo test test-fast lint bench bench-env schema clean help

help:
	@echo "make demo   - set up .venv, then analyse $(SCENARIO) and write results to $(OUT)/"
	@echo "make test   - set up .venv, then run the full test suite"
	@echo "make bench  - run the benchmarks against peer libraries (makes .venv-bench)"
	@echo "make test-fast - the tests without the slow, notebook and Dask ones"
	@echo "make schema - regenerate docs/scenario.schema.json"

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test,distributed,notebook]'
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p $(OUT)
	$(PY) -m sim validate scenarios/*.toml
	$(PY) -m sim show $(SCENARIO) --matrix $(OUT)/payoffs.csv
	$(PY) -m sim show $(SCENARIO) --format json > $(OUT)/game.json
	@echo "wrote $(OUT)/payoffs.csv and $(OUT)/game.json"

test: $(STAMP)
	$(PY) -m pytest -q

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow and not notebooks"

# Peer libraries (Axelrod, QuantEcon, lrsnash) are benchmark rivals only: they live in a
# separate environment, never in tradesim's own dependencies. Axelrod needs torch; the CPU
# build is installed first so pip does not pull a multi-GB GPU build.
$(BENCH)/.installed: pyproject.toml constraints.txt
	test -x $(BPY) || $(PYTHON) -m venv $(BENCH)
	$(BPY) -m pip install --quiet torch==2.13.0
	$(BPY) -m pip install --quiet -c constraints.txt axelrod==4.14.0 quantecon==0.11.4
	$(BPY) -m pip install --quiet -c constraints.txt -e '.[distributed]'
	command -v lrsnash >/dev/null || apt-get install -y -q lrslib >/dev/null 2>&1 || echo "lrsnash not installed: its column will be skipped"
	touch $@

bench-env: $(BENCH)/.installed

bench: bench-env
	$(BPY) benchmarks/bench_equilibria.py --quick
	$(BPY) benchmarks/bench_tournament.py
	$(BPY) benchmarks/bench_engine.py
	$(BPY) benchmarks/bench_sweep.py

schema: $(STAMP)
	$(PY) -m sim schema -o docs/scenario.schema.json

clean:
	rm -rf $(OUT) .pytest_cache .hypothesis
