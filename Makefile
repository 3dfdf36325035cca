# Two commands for a fresh machine: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
PORT ?= 8000
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test lint format worker beat install check-deploy bench migrate screenshots audit

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(BIN)/uv: | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Re-sync whenever the lock changes; --inexact keeps uv itself in the environment.
$(VENV)/.synced: uv.lock pyproject.toml | $(BIN)/uv
	$(BIN)/uv sync --frozen --inexact --extra dev --python $(BIN)/python
	touch $@

install: $(VENV)/.synced

migrate: install
	$(BIN)/python manage.py migrate --noinput

run: install migrate node_modules/.installed
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# axe-core (accessibility tests) and Lighthouse (bench) from the npm registry, exact versions locked.
# Without npm, locally, the accessibility tests skip with a message; CI installs npm first.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  if [ ! -f node_modules/.package-lock.json ] || [ node_modules/.package-lock.json -ot package-lock.json ]; then \
	    npm ci --no-audit --no-fund; fi && touch $@; \
	else echo "npm not found: the accessibility tests will be skipped (apt-get install nodejs npm)"; fi

test: install node_modules/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# bandit (no medium/high findings) and pip-audit against uv.lock (fails on a known vulnerability;
# says "could not check" when the vulnerability service does not answer). See fitsperfect/audit.py.
audit: install
	$(BIN)/python -m fitsperfect.audit

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

worker: install
	$(BIN)/celery -A fitsperfect worker --loglevel=INFO

beat: install
	$(BIN)/celery -A fitsperfect beat --loglevel=INFO

check-deploy: install
	DJANGO_ENV=production SECRET_KEY=check-deploy-$$RANDOM-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ \
	ALLOWED_HOSTS=fitsperfect.example STRIPE_SECRET_KEY=sk_live_check_only STRIPE_WEBHOOK_SECRET=whsec_check_only \
	LAB_WEBHOOK_SECRET=lab-check-only $(BIN)/python manage.py check --deploy --fail-level WARNING

bench: install node_modules/.installed
	$(BIN)/python benchmarks/run.py

# PNGs of every page at desktop and 360 px wide, into test-artifacts/screenshots/, and of each step of
# the customer journey (desktop and keyboard-only phone) into test-artifacts/journey/ (git-ignored).
screenshots: install node_modules/.installed
	SCREENSHOTS=1 $(BIN)/python -m pytest -m "screenshots or journey" $(PYTEST_ARGS)
