# Two commands do all the set-up on a fresh clone:
#   make demo   - create .venv, install, run the main demo (writes the pictures and the HTML viewer)
#   make test   - the same set-up, then ruff and the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
EXTRAS ?= test,oracle,draw,plot,bench

.PHONY: demo test lint bench venv clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) scripts/check_python.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[$(EXTRAS)]"
	touch $@

demo: venv
	@bash scripts/system-deps.sh graphviz || true
	$(BIN)/tinygrad-mm demo

test: venv
	@bash scripts/system-deps.sh graphviz chromium
	$(BIN)/ruff check tinygrad_mm tests visualize benchmarks
	$(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check tinygrad_mm tests visualize benchmarks

bench: venv
	$(BIN)/python benchmarks/compare.py --markdown benchmarks/RESULTS.md
	$(BIN)/python benchmarks/floor.py

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis .ruff_cache *.egg-info
