# The two commands a fresh machine needs: `make site` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: site test lint check serve bench golden clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

## site: install and build the demo portal into site/ (checked, built strictly, audited)
site: $(STAMP)
	$(BIN)/portal build

## test: install everything and run the linters, the type checker and every test
test: $(STAMP)
	bash scripts/ensure-test-tools.sh
	$(BIN)/ruff check generator tests benchmarks
	$(BIN)/ruff format --check generator tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check generator tests benchmarks
	$(BIN)/mypy

check: $(STAMP)
	$(BIN)/portal check

serve: $(STAMP)
	$(BIN)/portal serve

## bench: run every benchmark and print its figures
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/run.py

## golden: refresh the golden files after reviewing the change they show
golden: $(STAMP)
	$(BIN)/pytest tests/test_golden.py --update-golden

clean:
	rm -rf site site_src .pytest_cache .mypy_cache .ruff_cache
