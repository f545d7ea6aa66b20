# Two commands for a new machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint unit keyring-tests screenshots screenshots-smallest bench trust package clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@# pyside6-pdf (6.12 only) would shadow pyside6-addons' QtPdf in a venv made before
	@# the PySide6 pin (issue 20): remove it first.
	$(BIN)/pip uninstall --quiet --yes pyside6-pdf 2>/dev/null || true
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/therapynotes run

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# The whole suite runs inside its own D-Bus session with an unlocked gnome-keyring, so
# the Secret Service tests talk to a real keyring; GUI tests run offscreen.
test: lint
	QT_QPA_PLATFORM=offscreen scripts/with-secret-service $(BIN)/pytest -q

unit: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q -m "not secretservice"

package: $(STAMP)
	$(BIN)/pyinstaller --noconfirm --distpath dist --workpath build packaging/therapynotes.spec
	@echo "built dist/therapynotes/ (run dist/therapynotes/therapynotes --version)"

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis

# PNGs of the real app under Xvfb (xcb), in a throwaway vault, into docs/screenshots/.
screenshots: $(STAMP)
	scripts/with-secret-service xvfb-run -a -s "-screen 0 1600x1000x24" \
		env QT_QPA_PLATFORM=xcb $(BIN)/python scripts/screenshots.py --dark

# The same at the window's smallest size (smallest-*.png), to look for clipped text.
screenshots-smallest: $(STAMP)
	scripts/with-secret-service xvfb-run -a -s "-screen 0 1600x1000x24" \
		env QT_QPA_PLATFORM=xcb $(BIN)/python scripts/screenshots.py --smallest --dark

# The trust suite (issue 8): first at the CI size `make test` uses, then at full size
# (hundreds of SIGKILLs, thousands of fuzz examples, 1,000 lock/unlock cycles). Writes
# docs/trust-report.md from the figures both runs record. One && chain: a failing run
# stops here (with `;` a crashed CI-size run went on to the full run and a report).
TRUST_TESTS := tests/trust tests/ui/test_trust_ui.py tests/unit/backup/test_kill.py \
	tests/unit/backup/test_drive.py tests/ui/test_signal_endurance.py
TRUST_CI := $(CURDIR)/.trust-figures-ci.jsonl
TRUST_FULL := $(CURDIR)/.trust-figures-full.jsonl
TRUST_RUN := QT_QPA_PLATFORM=offscreen scripts/with-secret-service $(BIN)/pytest -q $(TRUST_TESTS)
trust: $(STAMP)
	rm -f $(TRUST_CI) $(TRUST_FULL)
	t0=$$(date +%s) && TN_TRUST_FIGURES=$(TRUST_CI) $(TRUST_RUN) && \
	t1=$$(date +%s) && TN_TRUST_SCALE=full TN_TRUST_FIGURES=$(TRUST_FULL) $(TRUST_RUN) && \
	t2=$$(date +%s) && $(BIN)/python scripts/trust_report.py docs/trust-report.md \
		--run "CI size" $(TRUST_CI) "pytest $(TRUST_TESTS)" $$((t1 - t0)) \
		--run "make trust" $(TRUST_FULL) "TN_TRUST_SCALE=full pytest $(TRUST_TESTS)" $$((t2 - t1))
