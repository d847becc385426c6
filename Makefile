# agora: one entry point for people and CI. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VENDOR := agora/static/vendor
TEST_VENDOR := tests/browser/vendor
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help setup run test test-postgres check translations extract assets system-packages demo-data clean bench bench-smoke tour soak

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	cp node_modules/socket.io-client/dist/socket.io.min.js $(VENDOR)/socket.io.min.js
	touch $@

$(TEST_VENDOR)/axe.min.js: $(VENDOR)/.installed  # what only the browser tests inject (axe-core): never served
	mkdir -p $(TEST_VENDOR)
	cp node_modules/axe-core/axe.min.js $@

assets: $(VENDOR)/.installed $(TEST_VENDOR)/axe.min.js ## front-end scripts from the npm lock file into agora's static files (and axe-core for the browser tests only)

system-packages: ## Debian packages agora needs (Chromium for the browser tests, Pango and fonts for PDFs), installed when missing
	@bash scripts/system-packages.sh

translations: $(STAMP) ## compile the fr/nl/de catalogues
	$(BIN)/pybabel compile -d locales -D messages --statistics 2>&1 | tail -3

extract: $(STAMP) ## extract messages and update the catalogues (then translate the new entries)
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _ -o locales/messages.pot --no-location --sort-output --omit-header .
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete

setup: $(STAMP) assets system-packages translations ## install everything (idempotent) and migrate the database
	@mkdir -p var
	$(BIN)/agora db upgrade

demo-data: setup
	@if [ ! -f var/.demo-loaded ]; then $(BIN)/agora demo && touch var/.demo-loaded; else $(BIN)/agora demo --accounts; fi

run: demo-data ## set up, load the demo data once and serve agora on http://127.0.0.1:8000
	$(BIN)/agora serve --host $(HOST) --port $(PORT)

test: setup ## set up, then run the whole test suite
	$(BIN)/python -m pytest

test-postgres: setup ## the same suite on PostgreSQL and Redis (AGORA_TEST_DATABASE_URL, AGORA_REDIS_URL)
	AGORA_TEST_DATABASE_URL=$${AGORA_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} \
	AGORA_REDIS_URL=$${AGORA_REDIS_URL:-redis://127.0.0.1:6379/0} $(BIN)/python -m pytest

bench: $(STAMP) translations ## benchmarks against agora's own limits (under 15 min): bench/results/latest.json
	@bash scripts/bench-packages.sh
	$(BIN)/python bench/run.py

bench-smoke: $(STAMP) translations ## the benchmark code end to end on small sizes (CI, under 2 min); correctness only
	@bash scripts/bench-packages.sh || echo "wrk could not be installed: the smoke run uses the Python load generator only"
	$(BIN)/python bench/run.py --smoke

tour: setup ## the journeys in Chromium, saving their screenshots into docs/tour/ (the README's tour)
	AGORA_UPDATE_TOUR=1 $(BIN)/python -m pytest tests/browser/test_journeys.py -q -p no:cacheprovider
	AGORA_UPDATE_TOUR=1 $(BIN)/python -m pytest tests/browser/test_journeys_committees.py -q -p no:cacheprovider

SOAK_MINUTES ?= 30
soak: setup ## the long reliability runs (not in CI): 30 min closing rush, 25 kill -9, deep fuzzing
	@bash scripts/bench-packages.sh
	$(BIN)/python -m tests.reliability.soak --minutes $(SOAK_MINUTES)
	AGORA_CRASH_KILLS=25 $(BIN)/python -m pytest tests/reliability -p no:cacheprovider -q
	AGORA_SOAK=1 AGORA_FUZZ_EXAMPLES=200 $(BIN)/python -m pytest tests/security -p no:cacheprovider -q

check: setup ## lint and migration drift
	$(BIN)/ruff check agora tests
	$(BIN)/python -m agora.cli db check

clean: ## remove the virtual environment, assets and local data
	rm -rf $(VENV) node_modules $(VENDOR) $(TEST_VENDOR) var
