# The two commands a newcomer needs:  make demo  (run it)  and  make test  (prove it).
# Both set themselves up: uv (from PyPI) and a locked virtual environment, npm packages,
# and Debian's Chromium for the sidebar tests.

SHELL := /bin/bash
UV := python3 -m uv
RUN := $(UV) run --frozen

.PHONY: setup setup-py setup-js demo test lint typecheck test-py test-js bench bench-quick chaos schema-js wheel clean

setup: setup-py setup-js

setup-py:
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check uv
	@$(UV) sync --frozen --quiet

setup-js:
	@if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; fi
	@bash scripts/ensure-chromium.sh

demo: setup-py
	$(RUN) orc demo

lint: setup-py
	$(RUN) ruff check agent packages tests bench
	$(RUN) ruff format --check agent packages tests bench

typecheck: setup-py
	$(RUN) mypy

test-py: setup-py
	$(RUN) pytest

test-js: setup-py setup-js  # the API-backed tests start the emulator from .venv
	@if [ -f package.json ]; then npm test; fi

test: setup lint typecheck test-py test-js

# make bench [QUICK=1] [NAMES="calls backlog"]: `make bench --quick` would be an option of make
# itself (and an error), so the quick variant is QUICK=1 or the bench-quick target.
bench: setup-py
	$(RUN) python -m bench $(NAMES) $(if $(QUICK),--quick)

bench-quick:
	@$(MAKE) --no-print-directory bench QUICK=1

chaos: setup-py
	$(RUN) python -m tests.chaos --full

schema-js: setup-py
	$(RUN) orc schema-js

wheel: setup-py
	$(UV) build --wheel

clean:
	rm -rf .venv node_modules dist build tests/artifacts .pytest_cache .mypy_cache .ruff_cache
