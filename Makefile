# The two commands every user needs: `make run` and `make test`. Everything else is a step of them.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

# Debian packages: a Japanese font and Pango for WeasyPrint, gettext to compile translations.
SYSTEM_PACKAGES := fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 gettext
# Browser tests drive Debian's Chromium; pdfsig (poppler-utils) checks signed PDFs independently.
TEST_SYSTEM_PACKAGES := chromium poppler-utils

# DEBUG is off unless asked for (exportctl/settings.py). The commands below ask for it — the
# embedded default of `make run`, with demo data — unless the environment or .env already says
# what it wants (production: DJANGO_DEBUG=false). Prefixed to each command: `make -n` shows it.
DEBUG_IN_DOTENV := $(shell grep -qs '^[[:space:]]*DJANGO_DEBUG=' .env && echo yes)
ifeq ($(origin DJANGO_DEBUG)$(DEBUG_IN_DOTENV),undefined)
ASK_DEBUG := DJANGO_DEBUG=true
endif
MANAGE := $(ASK_DEBUG) $(PY) manage.py

.PHONY: run test setup lock lock-check system-deps test-system-deps locale migrate seed static lint format \
        worker bench-screening bench clean native

run: setup static
	@echo "exportctl: http://127.0.0.1:8000  (demo users are listed in README.md)"
	@if [ -n "$$DATABASE_URL" ] && [ -n "$$REDIS_URL" ]; then \
		$(ASK_DEBUG) $(VENV)/bin/honcho -f exportctl/Procfile -d . start; \
	else \
		$(MANAGE) runserver 127.0.0.1:8000; \
	fi

setup: $(VENV)/.installed native system-deps locale migrate seed

# The install is reproducible: every package comes at the version and hash that uv.lock records.
# uv itself is pinned here; `make lock` refreshes the lock after pyproject.toml changes, and the
# install (like `make lock-check`) fails while the two disagree.
UV_VERSION := 0.13.8
UV := $(VENV)/bin/uv
UV_SYNC := UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --locked --inexact --quiet

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet 'uv==$(UV_VERSION)'

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV_SYNC) --extra test --extra dev --extra native
	@touch $@

# The matcher's modules compiled with Cython into screening/matching/_native (native.py): rebuilt
# when a module changes; the package uses the build only while it matches the modules beside it,
# and runs them as Python where this machine cannot compile (NATIVE_ARGS=--strict: fail instead).
MATCHER_MODULES := $(filter-out %/__init__.py %/native.py,$(wildcard screening/matching/*.py))
NATIVE_MANIFEST := screening/matching/_native/manifest.json

native: $(NATIVE_MANIFEST)

$(NATIVE_MANIFEST): $(MATCHER_MODULES) screening/matching/native.py $(VENV)/.installed
	$(PY) screening/matching/native.py $(NATIVE_ARGS)

lock: $(UV)
	$(UV) lock

lock-check: $(UV)
	$(UV) lock --check

define ensure_debian_packages
	@missing=""; \
	for package in $(1); do \
		dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing Debian packages:$$missing"; \
			apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
		else \
			echo "Missing Debian packages. Run:  sudo apt-get install -y$$missing"; exit 1; \
		fi; \
	fi
endef

system-deps:
	$(call ensure_debian_packages,$(SYSTEM_PACKAGES))

test-system-deps:
	$(call ensure_debian_packages,$(TEST_SYSTEM_PACKAGES))

locale: $(VENV)/.installed
	$(MANAGE) compilemessages --ignore '.venv/*' --verbosity 0

migrate: $(VENV)/.installed
	@mkdir -p var
	$(MANAGE) migrate --no-input --verbosity 1
	$(MANAGE) signing_key --ensure

seed: migrate
	$(MANAGE) seed_demo

static: $(VENV)/.installed
	$(MANAGE) collectstatic --no-input --verbosity 0

worker: $(VENV)/.installed native
	$(ASK_DEBUG) $(VENV)/bin/celery -A exportctl worker --loglevel INFO --concurrency 2 \
		--queues celery,mail --max-memory-per-child 1048576

# lint-imports checks the apps' layering: the import-linter contracts in pyproject.toml. mypy
# checks the types of the modules listed in pyproject's [tool.mypy] (cache in .mypy_cache).
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The suite runs in PYTEST_WORKERS processes (pytest-xdist), each with its own test database and
# Redis database (tests/conftest.py); PYTEST_WORKERS=0 runs it in this one.
PYTEST_WORKERS ?= 2

test: lock-check $(VENV)/.installed native system-deps test-system-deps locale static lint
	$(MANAGE) makemigrations --check --dry-run
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The matching scorecard on the real data in partners/data (add BENCH_ARGS=--large for 1M names).
bench-screening: $(VENV)/.installed native
	@mkdir -p var/bench
	$(PY) -m screening.matching.bench.scorecard --out var/bench/screening.json $(BENCH_ARGS)

# Every performance budget of DESIGN.md in one run, beside its budget (see README, "Benchmarks"):
# own PostgreSQL database exportctl_bench, private redis-server, worker, gunicorn, locust.
bench: $(VENV)/.installed native system-deps locale
	@mkdir -p var/bench
	$(UV_SYNC) --extra test --extra dev --extra native --extra bench
	$(PY) -m exportctl.benchmarks $(BENCH_OPTS)

clean:
	rm -rf $(VENV) var screening/matching/_native
