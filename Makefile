# The two everyday targets set up their own environment from the project's files.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: site test golden serve bench clean browser

$(VENV)/.site: pyproject.toml setup.py $(wildcard parallax/*.c)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test: $(VENV)/.site
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

## site: build the site from the default content into site/
site: $(VENV)/.site
	$(BIN)/python build.py --strict

## browser: Debian's chromium for the browser tests (installed when we are root)
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "chromium is missing: the browser tests will skip (apt-get install chromium)"; fi

## test: lint, type-check and run the whole test suite
test: $(VENV)/.test browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

## golden: rewrite the golden files of the golden tests; review the diff
golden: $(VENV)/.test
	$(BIN)/python -m pytest tests/test_golden.py --update-golden

## serve: preview the site locally, rebuilding when content changes
serve: $(VENV)/.site
	$(BIN)/python build.py serve

## bench: benchmark the whole build on synthetic digests of 1k and 10k articles (bench/README.md)
bench: $(VENV)/.site
	$(BIN)/python bench/bench_build.py

clean:
	rm -rf site .parallax-build .pytest_cache .mypy_cache .ruff_cache
