# Every target installs what it needs first, so a fresh clone needs no manual step.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup run test lint typecheck unit bench crds clean

setup: $(STAMP)

# Re-installs only when the dependency list changes; the stamp makes `make setup` idempotent.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "jobctl needs Python >= 3.11 (found " + sys.version.split()[0] + ")")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

# Until the embedded controller lands, the demo validates the sample jobs and previews their
# real upcoming fire times.
run: setup
	$(BIN)/jobctl validate intuned-resources
	@for f in intuned-resources/jobs/*.job.json*; do \
	  if grep -q '"schedule"\|schedule:' "$$f"; then $(BIN)/jobctl schedule preview "$$f" --count 5 || exit $$?; fi; \
	done

lint: setup
	$(BIN)/ruff check controller tests bench
	$(BIN)/ruff format --check controller tests bench

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest tests/unit

test: lint typecheck
	$(BIN)/pytest

bench: setup
	$(BIN)/python -m bench

crds: setup
	$(BIN)/jobctl crds

clean:
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache .ruff_cache .hypothesis
