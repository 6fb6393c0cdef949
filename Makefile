# RPyMostat — two commands: `make run` (start the whole suite) and `make test` (every test).
# Both create .venv with Python 3.11+ and install the five packages (editable) first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACKAGES := -e shared -e 'engine[mongodb]' -e sensor_agent -e relay_agent -e webui -e cli
export PIP_CONSTRAINT := $(CURDIR)/constraints.txt
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: venv run test unit acceptance lint docs bench clean vendor-webui

$(STAMP): constraints.txt requirements-dev.txt $(wildcard */pyproject.toml)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "RPyMostat needs Python 3.11 or newer (set PYTHON=...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -r requirements-dev.txt $(PACKAGES)
	touch $(STAMP)

venv: $(STAMP)

run: venv
	$(BIN)/python -m rpymostat.shared.suite --data-dir $(CURDIR)/.run $(ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy shared/src engine/src sensor_agent/src relay_agent/src webui/src cli/src

unit: venv
	$(BIN)/python -m pytest -q tests

acceptance: venv
	$(BIN)/python -m pytest -q acceptance

test: lint
	@test -x /usr/bin/chromium || { apt-get update -qq && apt-get install -y --no-install-recommends chromium; } \
	  || { echo "error: could not install chromium (apt-get install chromium); the web UI's browser tests need it" >&2; exit 1; }
	$(BIN)/python -m pytest -q tests acceptance

docs: venv
	$(BIN)/python docs/gen_api.py

bench: venv
	@command -v wrk >/dev/null || { echo "bench needs wrk: apt-get install wrk"; exit 1; }
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/bus.py
	$(BIN)/python bench/sensor_agent.py
	$(BIN)/python bench/relay.py
	$(BIN)/python bench/schedule.py
	$(BIN)/python bench/control_quality.py --seeds 21-22
	$(BIN)/python bench/window_open.py --seeds 21

vendor-webui:
	@command -v npm >/dev/null || { echo "vendor-webui needs npm (Node), at development time only"; exit 1; }
	$(PYTHON) webui/tools/vendor.py

clean:
	rm -rf $(VENV) .run .pytest_cache .mypy_cache .ruff_cache .hypothesis
