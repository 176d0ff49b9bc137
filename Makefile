# careloop: two commands on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB_FILE ?= careloop.db
export CARELOOP_DATABASE_URL ?= sqlite:///$(abspath $(DB_FILE))

.PHONY: run test install install-dev assets system-deps lint typecheck pytest bench i18n i18n-update clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python assets
	$(BIN)/pip install -q -e .
	$(MAKE) -s i18n

install-dev: $(BIN)/python assets
	$(BIN)/pip install -q -e '.[dev]'
	$(MAKE) -s i18n

# Front-end assets come from npm and are served locally (never from a CDN).
assets: node_modules/.package-lock.json
	mkdir -p src/careloop/web/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js src/careloop/web/static/vendor/htmx.min.js
	cp node_modules/echarts/dist/echarts.min.js src/careloop/web/static/vendor/echarts.min.js
	$(PY) src/careloop/web/insights_geo.py node_modules/@geo-maps/countries-land-10km/map.geo.json \
		src/careloop/web/static/vendor/world-land.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

i18n: $(BIN)/python
	$(BIN)/pybabel -q compile -d src/careloop/locale -D messages

# After adding or changing UI strings: refresh the template and both catalogues, then translate.
i18n-update: install-dev
	$(BIN)/pybabel -q extract -F babel.cfg --no-location --sort-output --project careloop \
		--version 0.1.0 --msgid-bugs-address careloop@example.com -o src/careloop/locale/messages.pot .
	$(BIN)/pybabel -q update -i src/careloop/locale/messages.pot -d src/careloop/locale -D messages --no-fuzzy-matching

# Chromium and fonts (CJK, Ethiopic) for the browser tests, from Debian's packages.
system-deps:
	@command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "Noto Sans CJK" && fc-list 2>/dev/null | grep -qi "Ethiopic" || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-core >/dev/null; }

run: install
	$(BIN)/careloop migrate
	$(BIN)/careloop demo --if-empty
	$(BIN)/careloop serve --host 127.0.0.1 --port 8000

lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install-dev
	$(BIN)/mypy

pytest: install-dev system-deps
	$(BIN)/pytest -n 2 -q

test: lint typecheck pytest

bench: install-dev
	$(BIN)/python bench/intake.py
	$(BIN)/python bench/on_duty.py
	$(BIN)/python bench/routing.py

clean:
	rm -rf $(VENV) node_modules src/careloop/web/static/vendor
