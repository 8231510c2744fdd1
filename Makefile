# The two commands of the README: `make run` (the dashboard) and `make test` (every check).
# Both create .venv and install the package with everything it needs in one resolve, once
# (mediapipe pins numpy and protobuf; installing more later, alone, could break its pins).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8501

.PHONY: run test install clean

# needs no terminal and no input: `make run < /dev/null &` serves it (PORT=8502 for another port)
run: $(STAMP)
	$(BIN)/posture dashboard --port $(PORT)

test: $(STAMP)
	$(BIN)/ruff check posture app tests
	$(BIN)/ruff format --check posture app tests
	$(BIN)/mypy
	$(BIN)/python -m pytest

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
