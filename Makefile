# Välitila: development, test and CI entry points.
#
#   make setup   create/refresh .venv, node_modules, vendored JS, the front-end build, translations, DB
#   make run     setup + demo data (first run only) + dev server on 127.0.0.1:$PORT (5000)
#   make test    setup + JS tests + pytest on SQLite + pytest on PostgreSQL + browser tests
#   make lint    ruff check webapp protocol tests bench
#   make bench   the performance goals (issues 8, 9 and 10), tables in bench/results/ (~7 min)
#   make clean   remove generated files (keeps .venv, node_modules and instance/)
#   make distclean   clean + remove .venv and node_modules
#
# Works from a fresh clone, as root (CI) or as a normal user. The expensive
# steps (pip, npm, the esbuild build) are guarded by stamp files in .make/ that
# depend on the lock files and the sources, so a repeated `make setup` takes a
# second or two.
#
# Variables: PYTHON (interpreter used to create .venv, default python3),
# PORT (for `make run`), CHROMIUM_PATH (browser used by the e2e tests;
# exported to the tests, default /usr/lib/chromium/chromium).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
PIP    := $(VPY) -m pip --disable-pip-version-check --no-input -q
FLASK  := $(VENV)/bin/flask --app webapp
STAMPS := .make

export CHROMIUM_PATH ?= /usr/lib/chromium/chromium

# Browser tests run in this many pytest-xdist workers (each with its own server and
# database; a file's tests stay in one worker so its module fixtures are made once).
E2E_WORKERS ?= 2
# The Python suites (SQLite, then PostgreSQL) in this many pytest-xdist workers, a file's
# tests in one worker; each worker has its own database (tests/conftest.py database_url).
UNIT_WORKERS ?= 2

# JS unit tests: the files in tests/js that `node --test` would pick up by
# name. They are passed explicitly because a directory argument
# (`node --test tests/js/`) only works on Node <= 20; Node 22+ treats it as
# a module path.
JS_TESTS = $(shell find tests/js -type f \( -name '*.test.*js' -o -name '*-test.*js' \
             -o -name '*_test.*js' -o -name 'test-*.*js' -o -name 'test.*js' \) \
             2>/dev/null | LC_ALL=C sort)

# $(call pytest,WRAPPER,ARGS): echo and run `WRAPPER .venv/bin/python -m pytest ARGS`.
# Exit status 5 ("no tests collected") fails like any other non-zero status,
# with an explanation.
pytest = echo '$(strip $(1) $(VPY) -m pytest $(2))'; \
	$(1) $(VPY) -m pytest $(2) || { rc=$$?; \
	[ $$rc -ne 5 ] || echo 'make: pytest collected no tests ($(strip $(2)))' >&2; exit $$rc; }

.PHONY: help setup run test lint bench clean distclean vendor build translations db FORCE

help:
	@sed -n '3,10s/^# \{0,1\}//p' $(firstword $(MAKEFILE_LIST))

# --------------------------------------------------------------------------
# setup
# --------------------------------------------------------------------------

setup: $(STAMPS)/venv $(STAMPS)/npm vendor build translations db

$(STAMPS):
	@mkdir -p $@

instance:
	@mkdir -p $@

# Python environment. Re-run when the lock files change or .venv is missing.
$(STAMPS)/venv: requirements.lock pyproject.toml $(if $(wildcard $(VPY)),,FORCE) | $(STAMPS)
	@if [ ! -x $(VPY) ]; then echo "Creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); fi
	@echo "Installing Python packages (requirements.lock)"
	$(PIP) install -r requirements.lock
	PYTHONWARNINGS=ignore $(PIP) install --no-deps -e .
	@touch $@

# Node packages. Re-run when the lock file changes or node_modules is missing.
$(STAMPS)/npm: package.json package-lock.json $(if $(wildcard node_modules/.package-lock.json),,FORCE) | $(STAMPS)
	npm ci --no-audit --no-fund --update-notifier=false --loglevel=error
	@touch $@

# Copy front-end dependencies into webapp/static/vendor (only writes changes).
vendor: $(STAMPS)/npm
	@node scripts/vendor.mjs

# The front-end build (scripts/build.mjs, esbuild): the pages and the service worker load
# only its content-hashed files in webapp/static/build/ (git-ignored), precompressed. Re-run
# when a source under webapp/static/js or css, a vendored file, the script or the lock file
# is newer than the stamp, or the build's manifest is missing. While developing:
# `node scripts/build.mjs --watch`.
BUILD_SOURCES = $(shell find webapp/static/js webapp/static/css webapp/static/vendor -type f 2>/dev/null)

build: $(STAMPS)/build

$(STAMPS)/build: $(BUILD_SOURCES) scripts/build.mjs package-lock.json \
                 $(if $(wildcard webapp/static/build/manifest.json),,FORCE) | vendor $(STAMPS)
	@node scripts/build.mjs
	@touch $@

# Compile message catalogs (fast; .mo files are git-ignored).
translations: $(STAMPS)/venv
	@if [ -d webapp/translations ] && [ -n "$$(find webapp/translations -name '*.po' -print -quit)" ]; then \
	  $(VENV)/bin/pybabel -q compile -d webapp/translations; \
	  echo "translations: compiled webapp/translations"; \
	fi

# Apply database migrations (alembic's two "Context impl" lines filtered out).
db: $(STAMPS)/venv | instance
	@$(FLASK) db upgrade 2>&1 | sed -e '/Context impl /d' -e '/Will assume /d'

FORCE:

# --------------------------------------------------------------------------
# run / test / lint / bench
# --------------------------------------------------------------------------

run: setup
	$(FLASK) demo-data --initial
	exec $(FLASK) run --host 127.0.0.1 --port $${PORT:-5000}

test: setup
	scripts/ensure-chromium.sh
	@if [ -z "$(strip $(JS_TESTS))" ]; then \
	  echo "make: no JS tests found in tests/js (name them *.test.mjs)" >&2; exit 1; fi
	node --test $(JS_TESTS)
	node_modules/.bin/eslint --max-warnings=0 .
	node_modules/.bin/tsc --noEmit -p jsconfig.json
	@$(call pytest,,-m "not e2e" -n $(UNIT_WORKERS) --dist loadfile tests)
	@$(call pytest,scripts/with-postgres.sh,-m "not e2e and not cluster" -n $(UNIT_WORKERS) --dist loadfile tests -q)
	@$(call pytest,scripts/with-postgres.sh,-m cluster tests -q)
	@$(call pytest,,-m e2e -n $(E2E_WORKERS) --dist loadfile tests)

lint: $(STAMPS)/venv
	$(VENV)/bin/ruff check webapp protocol tests bench

# Lighthouse (pinned by bench/lighthouse/package-lock.json) is installed here only, never by
# setup or test; without it the Lighthouse row says so and the rest runs. BENCH_ARGS passes
# options to bench/run.py, e.g. `make bench BENCH_ARGS=--quick`.
bench: setup
	@if [ ! -f bench/lighthouse/node_modules/.package-lock.json ] || \
	    [ bench/lighthouse/package-lock.json -nt bench/lighthouse/node_modules/.package-lock.json ]; then \
	  npm ci --prefix bench/lighthouse --no-audit --no-fund --update-notifier=false --loglevel=error \
	    || echo "bench: could not install Lighthouse (npm ci --prefix bench/lighthouse)" >&2; \
	fi
	$(VPY) bench/run.py $(BENCH_ARGS)
	$(VPY) bench/supervisor.py $(if $(findstring --quick,$(BENCH_ARGS)),--quick,)
	$(VPY) bench/agenda.py $(if $(findstring --quick,$(BENCH_ARGS)),--quick,)

# --------------------------------------------------------------------------
# clean
# --------------------------------------------------------------------------

# Generated files only; .venv, node_modules and instance/ (the dev database)
# are kept.
clean:
	rm -rf $(STAMPS) webapp/static/vendor webapp/static/build .pytest_cache .ruff_cache test-results build
	find webapp tests bench -name __pycache__ -type d -prune -exec rm -rf {} + 2>/dev/null || true
	if [ -d webapp/translations ]; then find webapp/translations -name '*.mo' -delete; fi

distclean: clean
	rm -rf $(VENV) node_modules *.egg-info
