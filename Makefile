PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup system-deps audit test bench docs clean

# Create .venv from pyproject.toml when missing (or when pyproject.toml changed).
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "needs $(PYTHON) on PATH"; exit 2; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

audit: $(STAMP)
	$(VENV)/bin/auditor audit \
		$(foreach f,$(wildcard sample_data/court_accounts*),--court-accounts $(f)) \
		$(foreach f,$(wildcard sample_data/roster*),--roster $(f)) \
		$(foreach f,$(wildcard sample_data/pacer_accounts*),--pacer-accounts $(f)) \
		--as-of 2026-11-30 --out reports/sample-audit.xlsx; \
	status=$$?; [ $$status -le 1 ] || exit $$status

# Packages the suite drives for real (Chromium, PostgreSQL, LibreOffice); installed when missing.
system-deps:
	@bash scripts/system-deps.sh

# The suite on every core (pytest-xdist), each test module on one worker (its module-scoped set-up made
# once: a LibreOffice print, a split-by-firm run); the slowest tests listed at the end.
test: $(STAMP) system-deps
	$(PY) -m pytest -q -n auto --dist loadscope --durations=15

bench: $(STAMP)
	$(PY) benchmarks/bench.py
	$(PY) benchmarks/bench_upload.py
	$(PY) benchmarks/bench_hostile.py
	$(PY) benchmarks/bench_binary.py
	$(PY) benchmarks/bench_split.py
	$(PY) benchmarks/history.py
	$(PY) benchmarks/bench_notify.py

docs: $(STAMP)
	$(VENV)/bin/auditor rules --format markdown > docs/rules.md
	$(VENV)/bin/auditor columns > docs/columns.md

clean:
	rm -rf $(VENV) .pytest_cache
