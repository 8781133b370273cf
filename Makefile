# forge: `make demo` sets up and runs the main job; `make test` sets up and runs the tests
# (lint included: ruff, and mypy on core/).
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint format
setup:
	./scripts/setup.sh

demo: setup
	$(BIN)/forge run --domain code --quick

test: setup lint
	$(BIN)/pytest -q

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
