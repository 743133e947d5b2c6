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

.PHONY: demo test test-fast lint bench bench-env schema clean help fuzz lab handouts

help:
	@echo "make demo   - set up .venv, then analyse $(SCENARIO) and write results to $(OUT)/"
	@echo "make test   - set up .venv, then run the full test suite"
	@echo "make bench  - run the benchmarks against peer libraries (makes .venv-bench)"
	@echo "make test-fast - the tests without the slow, notebook and Dask ones"
	@echo "make schema - regenerate docs/scenario.schema.json"
	@echo "make fuzz   - the long fuzz run: FUZZ_EXAMPLES (default 10000) generated scenario files"
	@echo "make lab    - set up .venv, then open the lessons in JupyterLab (LAB=teacher: the solutions)"
	@echo "make handouts - printable PDF handouts (lever cards, payoff matrices) of the lesson scenarios in $(OUT)/handouts/"

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test,distributed,notebook,classroom]'
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p $(OUT)
	$(PY) -m sim validate scenarios/*.toml
	@echo; echo "== The game: levers, parameters and their sources, payoff terms =="
	$(PY) -m sim show $(SCENARIO) --matrix $(OUT)/payoffs.csv
	$(PY) -m sim show $(SCENARIO) --format json > $(OUT)/game.json
	@echo; echo "== One round: equilibria, dominance, security, bargaining, commitment =="
	$(PY) -m sim solve $(SCENARIO) --plot $(OUT)/payoff_space.png --plot-terms $(OUT)/decomposition.png --plot-matrix $(OUT)/matrix.png
	$(PY) -m sim solve $(SCENARIO) --format json > $(OUT)/solve.json
	@echo; echo "== The +100% tariff threat against the October rare-earth controls =="
	$(PY) -m sim threat $(SCENARIO) --if "china.rare_earths=October controls" --then "us.tariff=Oct threat"
	@echo; echo "== When does the truce hold? =="
	$(PY) -m sim thresholds $(SCENARIO) --vary cn_audience=0:2:11 --plot $(OUT)/thresholds.png
	@echo; echo "== Repeated play: tit for tat against a deadline truce, with noise =="
	$(PY) -m sim play $(SCENARIO) --strategy us=tit_for_tat --strategy china=deadline_truce:k=4 \
		--rounds 12 --noise 0.05 --replicates 1000 --seed 1 --plot $(OUT)/outcome_paths.png
	$(PY) -m sim play $(SCENARIO) --strategy us=tit_for_tat --strategy china=deadline_truce:k=4 \
		--rounds 12 --noise 0.05 --replicates 1000 --seed 1 --format json > $(OUT)/play.json
	@echo; echo "== Against the record: the dated moves of 2018-2026, and the audience weights fitted to them =="
	$(PY) -m sim replay $(SCENARIO) data/us_china_moves_2018_2026.csv --seed 1
	$(PY) -m sim fit $(SCENARIO) data/us_china_moves_2018_2026.csv --param us_audience --param cn_audience \
		--fit-period 2018-20 --test-period 2024-26
	@echo; echo "== How robust: every parameter drawn from its range; conclusions as probabilities =="
	$(PY) -m sim robust $(SCENARIO) --draws 2000 --seed 1 --if "china.rare_earths=October controls" \
		--then "us.tariff=Oct threat" --format json > $(OUT)/robust.json
	$(PY) -m sim robust $(SCENARIO) --draws 2000 --seed 1 --if "china.rare_earths=October controls" \
		--then "us.tariff=Oct threat" | sed -e '/^ *drivers/d' -e '/equilibrium: /d'
	@echo; echo "== Leverage that changes: the game with state (stockpile, rare-earth share, Brazil's capacity) =="
	$(PY) -m sim solve scenarios/us_china_dynamic.toml --plot-state $(OUT)/state_path.png --plot-policy $(OUT)/policy.png \
		| sed -n '/^Markov perfect/,$$p' | grep -v '^ *\[' | grep -v '^ *round [0-9]*:$$'
	$(PY) -m sim solve scenarios/us_china_dynamic.toml --format json > $(OUT)/markov.json
	@echo; echo "wrote $(OUT)/: game.json payoffs.csv solve.json play.json robust.json markov.json and the figures" \
		"payoff_space.png decomposition.png matrix.png thresholds.png outcome_paths.png state_path.png policy.png"

test: $(STAMP)
	$(PY) -m pytest -q

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow and not notebooks"

# The long fuzz run: FUZZ_EXAMPLES generated scenario files through the CLI in a memory-capped worker.
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-10000} $(PY) -m pytest -q -m slow tests/fuzz -p no:cacheprovider

# Peer libraries (Axelrod, QuantEcon, pygambit, lrsnash, sgamesolver) are benchmark rivals only: they live in a
# separate environment, never in tradesim's own dependencies. Axelrod needs torch; the CPU
# build is installed first so pip does not pull a multi-GB GPU build.
$(BENCH)/.installed: pyproject.toml constraints.txt
	test -x $(BPY) || $(PYTHON) -m venv $(BENCH)
	$(BPY) -m pip install --quiet torch==2.13.0
	$(BPY) -m pip install --quiet -c constraints.txt axelrod==4.14.0 quantecon==0.11.4 pygambit==16.7.0
	$(BPY) -m pip install --quiet -c constraints.txt -e '.[distributed]'
	# sgamesolver ships no wheel: build it against the pinned numpy (Cython 2, no isolated build)
	$(BPY) -m pip install --quiet -c constraints.txt cython==0.29.37 wheel==0.48.0
	$(BPY) -m pip install --quiet --no-build-isolation --no-cache-dir sgamesolver==1.0.2
	command -v lrsnash >/dev/null || apt-get install -y -q lrslib >/dev/null 2>&1 || echo "lrsnash not installed: its column will be skipped"
	touch $@

bench-env: $(BENCH)/.installed

# every benchmark that writes JSON, then one table of goals (benchmarks/results/summary-DATE.json);
# QUICK=1: each script's quick options, a few minutes in all
bench: bench-env
	$(BPY) benchmarks/summary.py $(if $(QUICK),--quick)

# The lessons in JupyterLab, on the project's own kernel (the notebooks ask for "python3", which is
# this environment's). LAB=teacher opens the teacher's copies with the solutions instead.
LAB ?= notebooks
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=$(LAB) $$([ "$$(id -u)" = 0 ] && echo --allow-root) $(LAB_FLAGS)

# Printable handouts for the scenarios the lessons use: a lever card per player and the payoff matrix.
HANDOUT_SCENARIOS ?= fivethirtyeight_trade prisoners_dilemma stag_hunt chicken us_china_2025 leverage_game
handouts: $(STAMP)
	mkdir -p $(OUT)/handouts
	for s in $(HANDOUT_SCENARIOS); do $(PY) -m sim handout scenarios/$$s.toml -o $(OUT)/handouts/$$s.pdf || exit 1; done

schema: $(STAMP)
	$(PY) -m sim schema -o docs/scenario.schema.json

clean:
	rm -rf $(OUT) .pytest_cache .hypothesis
