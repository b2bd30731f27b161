# ticketflow: install (.venv/ with every package editable), up, test, bench.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := -e contracts -e chassis -e services/pipeline -e services/ticket -e services/channels -e services/notifier -e cli

.PHONY: install up test lint bench clean

$(BIN)/ticketflow: constraints.txt requirements-dev.txt contracts/pyproject.toml chassis/pyproject.toml services/*/pyproject.toml cli/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip==25.3"
	$(BIN)/pip install --quiet -c constraints.txt -r requirements-dev.txt $(PACKAGES)
	touch $(BIN)/ticketflow

install: $(BIN)/ticketflow

up: install
	$(BIN)/ticketflow up

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: install lint
	$(BIN)/python scripts/ensure_rabbitmq.py
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/skeleton.py

clean:
	rm -rf $(VENV) var
