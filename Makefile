PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))

.PHONY: setup system-deps audit lint test bench bench-more docs clean

# Create .venv from pyproject.toml when missing (or when pyproject.toml changed): everything (the upload
# page, PostgreSQL) and the test tools.  uv installs them (the same packages pip would choose, in about a
# third of pip's time, which is most of a fresh `make test`'s set-up; bytecode compiled as pip does);
# where uv cannot be had, pip does it.  A user who needs less installs less: pip install . (the command
# line alone), pip install '.[web]' (and the upload page), pip install '.[postgres]'.
$(STAMP): pyproject.toml setup.py
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "needs $(PYTHON) on PATH"; exit 2; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet uv && $(PY) -m uv pip install --quiet --python $(PY) --compile-bytecode -e '.[all,test]' \
		|| { $(PY) -m pip install --quiet --upgrade pip && $(PY) -m pip install --quiet -e '.[all,test]'; }
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

# The habits the tools check: ruff (style and likely bugs), mypy (types), import-linter (the layer order
# and no import cycle); each configured in pyproject.toml.
lint: $(STAMP)
	$(VENV)/bin/ruff check
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# The suite on every core (pytest-xdist) and one worker more (its tests spend part of their time waiting
# on the processes, servers, browser and disk they drive: on 2 cores, 3 workers kept the cores busier and
# finished about 10 s sooner than 2), each test module on one worker (its module-scoped set-up made
# once: a LibreOffice print, a split-by-firm run), the slowest modules first (tests/conftest.py
# SLOWEST_FIRST, kept in that order by --no-loadscope-reorder); the slowest tests listed at the end.  The lint runs
# beside the tests (mypy alone takes about 20 s of one core on a fresh clone, while the tests start);
# its output is shown after theirs, and either failing fails the target.  Bytecode is written (as a
# user's install keeps it) even where the shell says not to: the suite starts a few hundred processes
# (the command, upload-page and notify workers), each of which would compile the auditor's modules again.
test: $(STAMP) system-deps
	@lint_log=$$(mktemp); \
	$(MAKE) --no-print-directory lint >$$lint_log 2>&1 & lint_pid=$$!; \
	env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder --durations=15; tests=$$?; \
	wait $$lint_pid; lint=$$?; \
	echo "-- make lint (ruff, mypy, import-linter), run beside the tests:"; cat $$lint_log; rm -f $$lint_log; \
	[ $$lint -eq 0 ] || echo "make test: the lint failed (above)"; \
	[ $$tests -eq 0 ] && [ $$lint -eq 0 ]

# Every speed target in one run, as ratios and with the load average (a few minutes): the table in
# docs/performance.md and benchmarks/results/targets-<date>.csv.  bench-more: each part in depth.
bench: $(STAMP)
	$(PY) benchmarks/targets.py

bench-more: $(STAMP)
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
