# The two commands of README.md: `make run` and `make test`. Everything else is set up behind them.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_WORKERS ?= 2

.PHONY: run demo test lint bench bench-full deps lock system-deps clean

run: $(STAMP) system-deps
	$(BIN)/backorder-desktop $(ARGS)

demo: $(STAMP) system-deps
	$(BIN)/backorder-desktop --demo

test: $(STAMP) system-deps
	$(BIN)/ruff check backorder_desktop tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	# The demo stores the tests start are as strict as the live API (demo/strict.py's preset).
	# Two workers, each whole test file on one of them (its fixtures and order as when run alone):
	# the suite's servers (demo stores, PostgreSQL, Xvfb, the keyring daemon) are per process.
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check backorder_desktop tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(STAMP) system-deps pyinstaller
	$(BIN)/python -m bench $(BENCH_ARGS)

bench-full: $(STAMP) system-deps pyinstaller
	$(BIN)/python -m bench --full $(BENCH_ARGS)

system-deps:
	@scripts/system-deps.sh

deps: $(STAMP)

# constraints.txt pins every package to what CI tested; `make lock` refreshes it (scripts/lock.sh).
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q -c constraints.txt --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

lock:
	scripts/lock.sh

clean:
	rm -rf $(VENV) build *.egg-info

# The frozen app (packaging/, docs/packaging.md). PyInstaller is a packaging-time tool: installed
# into .venv here, pinned, and never needed by `make test`.
.PHONY: package package-check pyinstaller bench-bundle
PYINSTALLER_PINS := pyinstaller==6.22.3 pyinstaller-hooks-contrib==2026.9

pyinstaller: $(STAMP)
	$(BIN)/pyinstaller --version 2>/dev/null | grep -qx 6.22.3 || $(BIN)/python -m pip install -q $(PYINSTALLER_PINS)

package: pyinstaller system-deps
	$(BIN)/python packaging/build_bundle.py

# The bundle's start beside the source run's (bench/bundle.py; builds into build/bench-bundle/).
bench-bundle: pyinstaller system-deps
	$(BIN)/python -m bench.bundle

package-check: $(STAMP) system-deps
	test -x dist/backorder-desktop/backorder-desktop || $(MAKE) package
	$(BIN)/python packaging/smoke_test.py
