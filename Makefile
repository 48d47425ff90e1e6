# `make demo` and `make test` each create .venv if missing, install with the pinned constraints, and run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
WS ?= demo-workspace
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast install lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e ".[dev]"
	# LLaMA-Factory's own pins clash with ours; its converter (tests/training/test_llamafactory.py) needs none of them
	$(BIN)/pip install -q -c constraints.txt --no-deps llamafactory
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/kgsynth run data/examples --workspace $(WS)

test: $(STAMP)
	$(BIN)/python -m pytest -q

# Everything but the tests marked slow (Prefect, subprocesses, browsers, training): the loop while editing.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) $(WS)
