# ModelOps for DSDL. `make test` and `make demo` work on a fresh machine with Python 3 and registry access.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PYTHON  := $(BIN)/python
VERSION := $(shell sed -n 's/^__version__ = "\(.*\)"/\1/p' bin/modelops/_version.py)
PKG     := dist/dsdl_modelops-$(VERSION).tar.gz
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help venv vendor build lint test test-fast demo appinspect integration up down clean dashboard-tools oracle-nannyml

help:
	@echo "make demo   build the app, run the offline end-to-end demo, inspect the package"
	@echo "make test   every gate: lint, py3.9 check, unit + protocol + package tests, AppInspect"
	@echo "make build  dist/dsdl_modelops-<version>.tar.gz"

$(VENV)/.installed: requirements-dev.txt pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	@touch $@

venv: $(VENV)/.installed libmagic

# AppInspect needs libmagic; install Debian's package when it is missing.
.PHONY: libmagic
libmagic:
	@if ! ldconfig -p 2>/dev/null | grep -q 'libmagic.so.1'; then \
	  echo "installing libmagic1 (needed by AppInspect)"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq libmagic1 >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq libmagic1 >/dev/null; fi; \
	fi

bin/lib/.vendored: requirements-vendor.txt $(VENV)/.installed
	rm -rf bin/lib
	$(BIN)/pip install -q --disable-pip-version-check --no-deps --no-compile --target bin/lib -r requirements-vendor.txt
	@touch $@

vendor: bin/lib/.vendored

build: venv vendor
	$(PYTHON) tools/build.py

lint: venv
	$(BIN)/ruff check bin/modelops bin/*.py tests bench tools
	$(BIN)/vermin --no-tips --violations --eval-annotations --target=3.9- bin/modelops bin/*.py

# Dashboard validation uses Splunk's own npm packages, pinned in tools/dashboards/package-lock.json.
tools/dashboards/node_modules/.installed: tools/dashboards/package-lock.json
	npm --prefix tools/dashboards ci --no-audit --no-fund --silent
	@touch $@

dashboard-tools: tools/dashboards/node_modules/.installed

# NannyML 0.13, the test oracle of | modelestimate, needs pandas 2.x and Python < 3.13: its own venv.
NANNYML_PY ?= $(shell for p in python3.12 python3.11 python3.10 python3.9; do \
  $$p -c 'import venv' >/dev/null 2>&1 && { command -v $$p; break; }; done)
.venv-nannyml/.installed: requirements-oracle-nannyml.txt
	$(or $(NANNYML_PY),$(PY)) -m venv .venv-nannyml
	.venv-nannyml/bin/pip install -q --disable-pip-version-check -r requirements-oracle-nannyml.txt
	@touch $@

oracle-nannyml: .venv-nannyml/.installed

test: build lint dashboard-tools oracle-nannyml
	$(PYTHON) -m pytest -q

# Same tests without the slow package gates, for the edit-run loop.
test-fast: venv vendor
	$(PYTHON) -m pytest -q -m "not package"

demo: build
	$(PYTHON) tools/demo.py --package $(PKG)

appinspect: build
	$(PYTHON) tools/appinspect.py $(PKG)

# The real-Splunk stack (needs a Docker engine): make up, make integration, make down.
up: build
	$(PYTHON) tools/stack.py up

down: venv
	$(PYTHON) tools/stack.py down

integration: up
	$(PYTHON) -m pytest -q -m integration tests/integration

clean:
	rm -rf build dist bin/lib .pytest_cache .ruff_cache

# Rendering the dashboards in headless Chromium with Splunk's framework (pinned in
# tools/dashboards/render/package-lock.json); Debian's chromium, installed when missing.
tools/dashboards/render/node_modules/.installed: tools/dashboards/render/package-lock.json
	PUPPETEER_SKIP_DOWNLOAD=1 npm --prefix tools/dashboards/render ci --no-audit --no-fund --silent
	@touch $@

.PHONY: render-tools chromium screenshots
chromium:
	@if [ ! -x "$${CHROMIUM:-/usr/bin/chromium}" ]; then \
	  echo "installing chromium (needed to render the dashboards)"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; \
	fi

render-tools: tools/dashboards/render/node_modules/.installed chromium

test: render-tools

# docs/screenshots/<view>.png of every dashboard, with the demo's telemetry as data.
screenshots: venv vendor render-tools
	$(PYTHON) tools/dashboards/render/fixtures.py build/render-fixtures.json
	node tools/dashboards/render/run.js --fixtures build/render-fixtures.json --report build/render-report.json \
	  --screenshots docs/screenshots
