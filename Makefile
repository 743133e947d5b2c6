# tradesim: `make demo` runs the main job on the bundled scenario; `make test` runs the test suite.
# Both create the virtual environment in .venv on first use, pinned by constraints.txt.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SCENARIO ?= scenarios/us_china_2025.toml
OUT    := out

.PHONY: demo test test-fast lint bench bench-env schema clean help

help:
	@echo "make demo   - set up .venv, then analyse $(SCENARIO) and write results to $(OUT)/"
	@echo "make test   - set up .venv, then run the full test suite"
	@echo "make bench  - run the benchmarks against peer libraries (makes .venv-bench)"
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

schema: $(STAMP)
	$(PY) -m sim schema -o docs/scenario.schema.json

clean:
	rm -rf $(OUT) .pytest_cache .hypothesis
