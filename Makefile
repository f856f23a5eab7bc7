# sosdata — the two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   ?= demo-out

.PHONY: setup demo test lint bench docs clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: setup  # a register with three quarters of history, served at http://127.0.0.1:8000/
	$(BIN)/sosdata demo --out $(DEMO) --scale $(or $(SCALE),demo)

test: setup
	$(BIN)/ruff check
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest -n 2 --dist loadgroup

lint: setup
	$(BIN)/ruff check
	$(BIN)/ruff format --check

bench: setup
	mkdir -p bench/results
	for b in bench/*.py; do $(BIN)/python $$b | tee bench/results/$$(basename $$b .py).json; done

docs: setup  # the documents generated from the code: the rule catalogue, the notification schema
	$(BIN)/python -m sosdata.delivery.docs docs/rules.md
	$(BIN)/sosdata notification schema --out docs/notification.schema.json
	$(BIN)/python -c "from sosdata.app import policy; print(policy.markdown(), end='')" > docs/access.md

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .ruff_cache .mypy_cache
