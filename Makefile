# Set-up on a fresh clone is one command each (Python >= 3.10; system packages are installed when missing):
#   make demo      - a lean venv with tinygrad_mm alone (no Python dependency), then the demo: numbers, pictures, pages
#   make test      - the same venv plus every test dependency (PyTorch oracle, Playwright, micrograd, ...), ruff, pytest,
#                    then the engine and compile tests on every Python 3.10-3.13 the machine has (one line each, missing ones named)
#   make notebook  - the same venv plus JupyterLab, opening visualize/cs224n_backprop.ipynb
#   make bench     - the same venv plus micrograd and Playwright, then the benchmarks: engine table, pages, class mode
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
PIP     = $(BIN)/python -m pip --quiet --disable-pip-version-check
TEST_EXTRAS ?= test,oracle,draw,plot,bench,slides
LINTED  = tinygrad_mm tests visualize benchmarks scripts

.PHONY: demo test test-pythons lint bench notebook venv clean

venv: $(VENV)/.demo

# tinygrad_mm alone, editable: everything the demo uses (pip >= 22 for an editable pyproject-only install)
$(VENV)/.demo: pyproject.toml
	$(PYTHON) scripts/check_python.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -c "import pip, sys; sys.exit(int(pip.__version__.split('.')[0]) < 22)" || $(PIP) install --upgrade pip
	$(PIP) install -e .
	touch $@

# one optional extra (or several, comma-separated) on top: .venv/.extra-notebook, .venv/.extra-bench, ...
$(VENV)/.extra-%: $(VENV)/.demo
	$(PIP) install -e ".[$*]"
	touch $@

demo: $(VENV)/.demo
	@bash scripts/system-deps.sh graphviz || true
	$(BIN)/tinygrad-mm demo

test: $(VENV)/.extra-$(TEST_EXTRAS)
	@bash scripts/system-deps.sh graphviz chromium
	$(BIN)/ruff check $(LINTED)
	$(BIN)/python -m pytest
	bash scripts/test-pythons.sh

# the engine and compile tests on each of Python 3.10, 3.11, 3.12, 3.13 found here (.venv-3.X); a missing one is reported
test-pythons:
	bash scripts/test-pythons.sh

lint: $(VENV)/.extra-$(TEST_EXTRAS)
	$(BIN)/ruff check $(LINTED)

notebook: $(VENV)/.extra-notebook
	@bash scripts/system-deps.sh graphviz || true
	$(BIN)/jupyter lab visualize/cs224n_backprop.ipynb $(if $(filter 0,$(shell id -u)),--allow-root)

bench: $(VENV)/.extra-bench
	@bash scripts/system-deps.sh chromium || true
	$(BIN)/python benchmarks/compare.py --markdown benchmarks/RESULTS.md
	$(BIN)/python benchmarks/floor.py
	$(BIN)/python benchmarks/pages.py --markdown benchmarks/RESULTS.md

clean:
	rm -rf $(VENV) .venv-3.* out build dist .pytest_cache .hypothesis .ruff_cache *.egg-info
