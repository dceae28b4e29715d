# Two commands for a newcomer: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STAMP_TEST := $(VENV)/.installed-test

.PHONY: demo test bench instance clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

demo: $(STAMP)
	$(BIN)/gpec solve instances/landes --out out/landes

test: $(STAMP_TEST)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_solve.py
	$(BIN)/python benchmarks/bench_groups.py

instance: $(STAMP)
	$(BIN)/gpec instance build --dep 40 --out instances/landes
	$(BIN)/gpec instance build --dep 40,64 --out instances/landes_pyrenees_atlantiques

clean:
	rm -rf $(VENV) out .pytest_cache
