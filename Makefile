# 综合管理平台 — the two commands: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# uv: use the one on PATH, else the one pip installs for this user (bootstrapped below).
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
PACKAGES := shared-schemas libs/servicekit sso gateway services/insurance services/risk \
            services/valueadd services/orders services/finance
SERVICES := sso gateway insurance risk valueadd orders finance

BENCHMARKS := event_backbone gateway_overhead sso_tokens orders_scale finance_ledger \
              finance_statements valueadd_redemptions

.PHONY: help uv sync run prepare migrate demo-data web test test-packages test-web test-e2e lint \
        catalogue bench clean

help:
	@echo "make run    start the whole platform on embedded defaults (http://127.0.0.1:8000)"
	@echo "make test   every package's tests on SQLite and PostgreSQL, then tests-e2e"
	@echo "make lint   ruff, mypy and the events-catalogue check"
	@echo "make bench  every benchmark in benchmarks/ (each writes its section of docs/benchmarks.md)"

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

# migrate + demo-data of every service in one process, skipping those already prepared for
# this code (scripts/prepare.py; `make demo-data` does all regardless).
prepare: sync
	@$(UV) run --no-sync python scripts/prepare.py $(SERVICES)

# The web console: built when Node.js is present and its sources changed (scripts/build_web.py);
# without Node the gateway answers `/` with a JSON index of the platform's doors (README).
web:
	@python3 scripts/build_web.py

run: prepare web
	@$(UV) run --no-sync python scripts/banner.py
	$(UV) run --no-sync honcho -f Procfile start

test: sync test-packages test-web test-e2e

test-packages:
	@for p in $(PACKAGES); do \
	  echo "=== $$p"; $(UV) run --no-sync pytest --rootdir=$$p $$p -q || exit 1; \
	done

# Component tests of the console (Vitest), then its type-checked build, which the browser tests
# in tests-e2e drive; Node.js is required, as PostgreSQL is.
test-web:
	@command -v npm >/dev/null 2>&1 || { echo "test-web: Node.js/npm is required (apt-get install nodejs npm)"; exit 1; }
	cd web && npm ci --no-audit --no-fund --loglevel=error && npm test && npm run build

test-e2e:
	$(UV) run --no-sync pytest tests-e2e -q

lint: sync
	$(UV) run --no-sync ruff check .
	$(UV) run --no-sync mypy shared-schemas/src libs/servicekit/src sso/src gateway/src \
	  services/insurance/src services/risk/src services/valueadd/src services/orders/src \
	  services/finance/src tenantentry
	$(UV) run --no-sync python -m shared_schemas.catalogue --check

catalogue: sync
	$(UV) run --no-sync python -m shared_schemas.catalogue

bench: sync
	@for b in $(BENCHMARKS); do \
	  if [ -f benchmarks/$$b.py ]; then echo "=== $$b"; \
	    $(UV) run --no-sync python benchmarks/$$b.py --write docs/benchmarks.md || exit 1; fi; \
	done

clean:
	rm -rf var
