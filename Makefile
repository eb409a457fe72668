# 综合管理平台 — the two commands: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# uv: use the one on PATH, else the one pip installs for this user (bootstrapped below).
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
PACKAGES := shared-schemas libs/servicekit sso gateway services/insurance services/risk \
            services/valueadd services/orders services/finance
SERVICES := sso gateway insurance risk valueadd orders finance

.PHONY: help uv sync run migrate demo-data test test-packages test-e2e lint catalogue bench clean

help:
	@echo "make run    start the whole platform on embedded defaults (http://127.0.0.1:8000)"
	@echo "make test   every package's tests on SQLite and PostgreSQL, then tests-e2e"
	@echo "make lint   ruff, mypy and the events-catalogue check"
	@echo "make bench  event backbone benchmark (writes docs/benchmarks.md)"

uv:
	@command -v uv >/dev/null 2>&1 || test -x $(HOME)/.local/bin/uv || { \
	  echo "bootstrapping uv with pip"; python3 -m pip install --user --quiet uv \
	  || python3 -m pip install --user --quiet --break-system-packages uv; }

sync: uv
	$(UV) sync --all-packages --locked

migrate: sync
	@for s in $(SERVICES); do $(UV) run --no-sync python -m $$s migrate || exit 1; done

demo-data: migrate
	@for s in $(SERVICES); do $(UV) run --no-sync python -m $$s demo-data || exit 1; done

run: demo-data
	@$(UV) run --no-sync python scripts/banner.py
	$(UV) run --no-sync honcho -f Procfile start

test: sync test-packages test-e2e

test-packages:
	@for p in $(PACKAGES); do \
	  echo "=== $$p"; $(UV) run --no-sync pytest --rootdir=$$p $$p -q || exit 1; \
	done

test-e2e:
	$(UV) run --no-sync pytest tests-e2e -q

lint: sync
	$(UV) run --no-sync ruff check .
	$(UV) run --no-sync mypy shared-schemas/src libs/servicekit/src sso/src gateway/src \
	  services/insurance/src services/risk/src services/valueadd/src services/orders/src \
	  services/finance/src
	$(UV) run --no-sync python -m shared_schemas.catalogue --check

catalogue: sync
	$(UV) run --no-sync python -m shared_schemas.catalogue

bench: sync
	$(UV) run --no-sync python benchmarks/event_backbone.py --write docs/benchmarks.md

clean:
	rm -rf var
