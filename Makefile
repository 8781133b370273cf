# forge: `make demo` sets up and runs the main job; `make test` sets up and runs the tests
# (lint included: ruff, and mypy on core/).
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup setup-test demo test lint format
setup:
	./scripts/setup.sh

# The tests cover the optional engines too, so their setup builds them (llama.cpp: ~2-4 min once).
setup-test:
	./scripts/setup.sh --llamacpp

demo: setup
	$(BIN)/forge run --domain code --quick

test: setup-test lint
	$(BIN)/pytest -q

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
