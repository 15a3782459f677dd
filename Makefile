# The README's two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# Touched after a successful install: pip only runs again when pyproject.toml changes.
STAMP := $(VENV)/.installed
PORT ?= 8000
VAR_DIR := $(or $(PASSERELLE_VAR_DIR),var)
# Touched after collectstatic: it runs again only when a static source or an installed package changed.
STATIC_STAMP := $(VAR_DIR)/.static-collected
STATIC_SOURCES := $(shell find static -type f -not -path 'static/vendor/*' 2>/dev/null)
# Touched after `npm ci`: npm's packages (browser libraries, vnu.jar) are installed again only when the lockfile changes.
NPM_STAMP := node_modules/.installed
# static/vendor/ (git-ignored): the npm libraries the pages load and the Workbox service worker.
VENDOR_STAMP := static/vendor/.built

.PHONY: run test lint install loadtest loadtest-capacity bench

run: install $(VENDOR_STAMP) $(STATIC_STAMP)
	$(BIN)/python manage.py migrate --noinput --verbosity 0
	$(BIN)/python manage.py demo_data --if-empty
	$(BIN)/python manage.py send_reminders
	$(BIN)/python manage.py run_embedded --addr 127.0.0.1:$(PORT)

$(STATIC_STAMP): $(STAMP) $(VENDOR_STAMP) $(STATIC_SOURCES)
	mkdir -p "$(VAR_DIR)"
	$(BIN)/python manage.py collectstatic --noinput --clear --verbosity 0
	touch $(STATIC_STAMP)

test: install $(VENDOR_STAMP)
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n auto --dist loadgroup -p no:warnings

# The benchmark app (its commands) is installed by these settings only.
BENCH := DJANGO_SETTINGS_MODULE=partnerships.settings.bench

# README "Benchmark": generate the national volume if the database of DATABASE_URL has no fiche, then measure.
bench: install
	$(BENCH) $(BIN)/python manage.py migrate --noinput
	$(BENCH) $(BIN)/python manage.py bench_generate --if-empty
	$(BENCH) DJANGO_DEBUG=0 $(BIN)/python manage.py bench_run $(BENCH_ARGS)

# README "Load test": against the PostgreSQL of DATABASE_URL (migrated, with data); LOADTEST_ARGS adds options.
loadtest: install
	$(BENCH) $(BIN)/python manage.py loadtest $(LOADTEST_ARGS)

# The highest rate each side holds: 8 clients, six steps of 20 s around the target (110 dashboards/s,
# half of them refreshes with If-None-Match; 80 filings/s), from a quarter of it to 1.5 times, no kill.
CAPACITY_STEPS := 0.25,0.5,0.75,1,1.25,1.5
loadtest-capacity: install
	$(BENCH) $(BIN)/python manage.py loadtest --no-kill --duration 120 --filing-rate 0 --triage-rate 110 --dashboard-only --steps $(CAPACITY_STEPS)
	$(BENCH) $(BIN)/python manage.py loadtest --no-kill --duration 120 --triage-rate 0 --filing-rate 80 --steps $(CAPACITY_STEPS)

lint: install
	$(BIN)/ruff check .

install: $(STAMP)

# --ignore-scripts: vnu-jar's postinstall would download a Java runtime; CI brings Debian's.
$(NPM_STAMP): package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $(NPM_STAMP)

# The service worker precaches static/ files by content hash: rebuilt when one of them changes.
$(VENDOR_STAMP): $(NPM_STAMP) scripts/build-static.mjs $(STATIC_SOURCES)
	node scripts/build-static.mjs
	touch $(VENDOR_STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# -qq: setuptools warns about every editable install, which a newcomer would take for an error.
	$(BIN)/python -m pip install -qq -e ".[test,bench]"
	touch $(STAMP)
