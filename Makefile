# Two commands for a newcomer: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STAMP_TEST := $(VENV)/.installed-test

.PHONY: demo test browser bench instances clean

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

# the suite on 2 processes (pytest-xdist): about 7 min on 2 cores instead of 12; -n 0 for one (each
# process that runs browser tests starts its own server and browser: xdist_group scheduling does not
# group them with pytest 9.2 and xdist 3.8, measured)
test: $(STAMP_TEST) browser
	$(BIN)/python -m pytest -q -n 2

# headless Chromium for the browser tests (tests/web/test_browser.py): Debian's package, installed by
# apt-get as root when missing (about 12 s, 414 MB; nothing to do when present). Not root: a warning, and
# the browser tests skip with that reason.
browser:
	@if chromium --version >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" != 0 ]; then echo "make browser: chromium is missing; run it as root (the browser tests will be skipped)" >&2; \
	else apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	  --no-install-recommends chromium fonts-dejavu-core >/dev/null && chromium --version; fi

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_solve.py
	$(BIN)/python benchmarks/bench_groups.py

# Every committed instance rebuilt from data/raw, and metropolitan France (instances/france, about 70 MB:
# not committed, see .gitignore).
instances: $(STAMP)
	$(BIN)/gpec instance build --dep 40 --out instances/landes
	$(BIN)/gpec instance build --dep 40,64 --out instances/landes_pyrenees_atlantiques
	$(BIN)/gpec instance build --region 75 --out instances/nouvelle_aquitaine
	$(BIN)/gpec instance build --region 84 --out instances/auvergne_rhone_alpes
	$(BIN)/gpec instance build --france --out instances/france

clean:
	rm -rf $(VENV) out .pytest_cache
