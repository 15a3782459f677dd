# The README's two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# Touched after a successful install: pip only runs again when pyproject.toml changes.
STAMP := $(VENV)/.installed

.PHONY: run test lint install

run: install
	mkdir -p "$${PASSERELLE_VAR_DIR:-var}"
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py demo_data --if-empty
	$(BIN)/python manage.py run_embedded

test: install
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n auto -p no:warnings

lint: install
	$(BIN)/ruff check .

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $(STAMP)
