# Two commands set everything up on a fresh Debian machine with Python 3.11+:
#   make run   - serve the demo on http://127.0.0.1:8000/ (SQLite)
#   make test  - the whole test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint format venv demo check bench audit clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

# Test-only checkers from npm (axe-core, vnu-jar); their tests skip without them
# outside CI, and .ci/run installs Node.js and Java when a machine lacks them.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the HTML and accessibility checks will be skipped (apt-get install npm)"; fi

# The demo: debug on, SQLite in the project, demo content loaded, a local admin.
demo: venv
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=1 $(PY) manage.py load_demo
	DJANGO_DEBUG=1 $(PY) manage.py ensure_dev_admin

run: demo
	DJANGO_DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# House style (pyproject.toml): ruff's lint and format, djhtml for templates,
# and the import contracts (.importlinter). `make test` runs it first.
TEMPLATES = $(shell find templates -name '*.html')
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djhtml --check $(TEMPLATES)
	$(VENV)/bin/lint-imports

# Rewrites files: what `make lint` asks for.
format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/djhtml $(TEMPLATES)

test: venv node_modules/.installed lint
	DJANGO_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	DJANGO_DEBUG=1 $(PY) -m pytest $(PYTEST_ARGS)

check: venv
	DJANGO_DEBUG=0 SITE_URL=https://blog.example.com DJANGO_SECRET_KEY=check-only-$$(date +%s)-not-a-real-key-0123456789abcdefghij \
	  DJANGO_ALLOWED_HOSTS=example.com $(PY) manage.py check --deploy --fail-level WARNING

# Load benchmark (not part of make test): gunicorn + wrk on 127.0.0.1; see bench/run.py.
bench: venv
	@command -v wrk >/dev/null && command -v redis-server >/dev/null || \
	  { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk redis-server >/dev/null; }
	$(PY) bench/run.py

# Lighthouse on the article page (mobile profile), printing the four scores; not part of make test.
audit: venv
	bash bench/audit.sh

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
