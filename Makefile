# The two commands a newcomer needs: `make demo` and `make test`.
# Both install everything first (Python packages into .venv, npm packages,
# and the few Debian packages), so they work on a fresh machine.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_APPLICANTS ?= 500
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
DEBIAN_PACKAGES := xmlsec1 gettext libpango-1.0-0 libpangoft2-1.0-0
TEST_DEBIAN_PACKAGES := chromium fonts-liberation

.PHONY: setup test-setup demo test test-sqlite test-postgres serve lint format messages clean

$(BIN)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c requirements.lock -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(BIN)/.installed node_modules/.installed
	@scripts/ensure-debian-packages $(DEBIAN_PACKAGES)
	@$(BIN)/python scripts/fetch-iso-schemas var/schemas
	@cd src/pauschale && ../../$(BIN)/pauschale compilemessages -v0

test-setup: setup
	@scripts/ensure-debian-packages $(TEST_DEBIAN_PACKAGES)
	@scripts/ensure-services

## The main job: a fresh SQLite database, the real institution lists, and
## $(DEMO_APPLICANTS) invented applicants through the real HTTP and SAML flow.
demo: setup
	$(BIN)/pauschale demo --applicants $(DEMO_APPLICANTS) --out var/demo

## Lint, then the whole suite on SQLite and again on PostgreSQL.
test: test-setup lint test-sqlite test-postgres

test-sqlite:
	$(BIN)/pytest -q

test-postgres:
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest -q -m "not browser"

lint:
	$(BIN)/ruff check src tests benchmarks conftest.py
	$(BIN)/ruff format --check src tests benchmarks conftest.py

format:
	$(BIN)/ruff format src tests benchmarks conftest.py
	$(BIN)/ruff check --fix src tests benchmarks conftest.py

## The web server on http://127.0.0.1:$(PORT) with the development identity provider.
PORT ?= 8000
serve: setup
	SAML_BASE_URL=http://127.0.0.1:$(PORT) $(BIN)/pauschale dev_setup
	SAML_BASE_URL=http://127.0.0.1:$(PORT) $(BIN)/pauschale runserver 127.0.0.1:$(PORT)

APPS_WITH_CATALOGUE = $(foreach dir,$(wildcard src/pauschale/*/locale),--ignore '$(notdir $(patsubst %/locale,%,$(dir)))/*')

## Refresh the German catalogues: one per app that has its own locale/, and the
## project's (templates/, applications, decisions, demo) for the rest.
messages:
	cd src/pauschale && for dir in */locale; do app=$${dir%/locale}; \
	  (cd $$app && ../../../$(BIN)/pauschale makemessages -l de --no-obsolete --ignore 'tests/*'); done
	cd src/pauschale && ../../$(BIN)/pauschale makemessages -l de --no-obsolete --ignore 'tests/*' \
	  --ignore '*/tests/*' $(APPS_WITH_CATALOGUE)

clean:
	rm -rf var/demo var/pauschale.sqlite3* var/waitingroom.sqlite3*
