# One entry point for people and CI: make install | demo | test | lint | bench.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# `pip install --user uv` puts uv here; later recipe lines must find it.
export PATH := $(HOME)/.local/bin:$(PATH)

PORTAL_PORT ?= 8501
MOCK_PORT ?= 8443
MOCK_HTTP_PORT ?= 8080
DATA_DIR ?= data
export PORTAL_PORT MOCK_PORT MOCK_HTTP_PORT DATA_DIR

UV_RUN := uv run --frozen
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help install uv chromium fonts sf-cli postgres catalogs demo test lint bench resilience

help:
	@echo "make install  install the locked dependencies (uv) into .venv"
	@echo "make demo     start the mock Salesforce org (and the portal), print DEMO {json}"
	@echo "make test     every test (installs Chromium when missing)"
	@echo "make lint     ruff check, ruff format --check, mypy, lint-imports (layer contracts), vulture, xenon (no function graded E)"
	@echo "make bench    benchmarks as a Markdown table"
	@echo "make resilience  the long resilience runs; writes their table into README.md"

uv:
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --user uv \
		|| python3 -m pip install --user --break-system-packages uv || pip install uv

# Bytecode is compiled at install: with PYTHONDONTWRITEBYTECODE set (as on this project's
# machines) every process would otherwise compile pandas & co. from source at each start.
install: uv
	uv sync --frozen --all-extras --compile-bytecode
	$(UV_RUN) python -m compileall -q portal mock_salesforce scripts bench
	$(UV_RUN) python scripts/catalogs.py compile

# The Japanese catalog from the code: `make catalogs` after adding or changing a message.
catalogs: install
	$(UV_RUN) python scripts/catalogs.py extract
	$(UV_RUN) python scripts/catalogs.py check

chromium:
	@command -v chromium >/dev/null 2>&1 || ($(SUDO) apt-get update && $(SUDO) apt-get install -y chromium)

# The Salesforce CLI the tests drive against the mock (tests/cli/npm pins it), cached under
# ~/.cache/miitel-portal/sf-cli; Debian's Node.js and npm when the machine has none.
sf-cli:
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 \
		|| ($(SUDO) apt-get update && $(SUDO) apt-get install -y nodejs npm)
	@bash scripts/install_sf_cli.sh >/dev/null

# The PostgreSQL server the storage tests start and stop themselves (initdb and pg_ctl in a
# temporary directory): Debian's postgresql, whose binaries live in /usr/lib/postgresql/*/bin.
postgres:
	@command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 \
		|| ($(SUDO) apt-get update && $(SUDO) apt-get install -y postgresql)

# Japanese text in Chromium (browser tests, screenshots, the demo's browser) needs a CJK font.
fonts:
	@fc-list :lang=ja 2>/dev/null | grep -q . || ($(SUDO) apt-get update && $(SUDO) apt-get install -y fonts-noto-cjk)

# make demo SCENARIO=app-blocked SEED=7 RESET=1
demo: install fonts
	$(UV_RUN) python scripts/demo.py $(if $(SCENARIO),--scenario $(SCENARIO)) \
		$(if $(SEED),--seed $(SEED)) $(if $(RESET),--reset)

# Parallel (pytest-xdist): one worker per CPU, each test file on one worker (its module-scoped
# servers are started once); TEST_WORKERS=0 runs serially.
TEST_WORKERS ?= auto
test: install chromium fonts sf-cli postgres
	$(UV_RUN) pytest -n $(TEST_WORKERS) --dist loadfile

lint: install
	$(UV_RUN) ruff check .
	$(UV_RUN) ruff format --check .
	$(UV_RUN) mypy
	$(UV_RUN) lint-imports
	$(UV_RUN) vulture
	$(UV_RUN) xenon --max-absolute D portal mock_salesforce

bench: install chromium fonts postgres
	$(UV_RUN) python -m bench.run

# The long crash, concurrency, fault, fuzz and security runs (tests/resilience at
# RESILIENCE_SIZE=long); their table replaces the one in README.md.
resilience: install chromium fonts postgres
	$(UV_RUN) python scripts/resilience_report.py --write README.md
