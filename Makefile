# Sufficiency Portal: `make run` sets up and serves the demo region; `make test` runs every test
# on SQLite and again on PostgreSQL (`make test-sqlite` or `make test-postgres` for one of them).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
PORT ?= 5000
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
ASSET_STAMP := portal/static/vendor/.copied
GOVUK := node_modules/govuk-frontend/dist/govuk

.PHONY: install run serve-production test test-sqlite test-postgres lint bench bench-details bench-national clean

install: $(PY_STAMP) $(ASSET_STAMP)

$(PY_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,reference]'  # reference: the district build's own tests
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Built assets are copied from node_modules at set-up, never committed. The GDS Transport
# fonts are for GOV.UK services only: their @font-face rules are stripped, the files left behind.
$(ASSET_STAMP): $(NODE_STAMP)
	rm -rf portal/static/vendor
	mkdir -p portal/static/vendor/govuk/assets
	sed -E 's/@font-face\{[^}]*\}//g' $(GOVUK)/govuk-frontend.min.css \
		> portal/static/vendor/govuk/govuk-frontend.min.css
	cp $(GOVUK)/govuk-frontend.min.js portal/static/vendor/govuk/
	cp -r $(GOVUK)/assets/images portal/static/vendor/govuk/assets/
	cp node_modules/htmx.org/dist/htmx.min.js portal/static/vendor/
	touch $@

run: install
	$(BIN)/portal demo load --if-empty
	$(BIN)/portal demo accounts
	@echo "Serving Sufficiency Portal at http://127.0.0.1:$(PORT)"
	PORT=$(PORT) $(BIN)/portal serve --port $(PORT)  # links in mail: http://127.0.0.1:$(PORT)

# The production layout (PostgreSQL): DATABASE_URL, PORTAL_URL and SECRET_KEY from the environment.
serve-production: install
	$(BIN)/portal serve-production --host $${HOST:-127.0.0.1} --port $${PORT:-8000} \
		--workers $${WORKERS:-2}

# The whole suite with every portal on SQLite, then the whole suite again with every portal on
# PostgreSQL (with the server's own tests, tests/postgres: the production store, crash and
# concurrency). The PostgreSQL pass is left out only when CI is unset and no server answers;
# under CI a missing server fails.
# TEST_WORKERS test processes at a time (pytest-xdist, a test file to a worker, each worker with
# its own databases); TEST_WORKERS=0 runs in this process. PYTEST_ARGS is passed on, e.g. -x.
TEST_WORKERS ?= 2
PYTEST_RUN = $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

test: install
	TEST_DATABASE=sqlite $(PYTEST_RUN) --ignore=tests/postgres
	@if $(BIN)/python -m tests.databases wanted; then \
		TEST_DATABASE=postgresql $(PYTEST_RUN); \
	fi

# Only SQLite (the quick local run; no server needed).
test-sqlite: install
	TEST_DATABASE=sqlite $(PYTEST_RUN) --ignore=tests/postgres

# Only PostgreSQL: every portal on the server (TEST_POSTGRES_URL, default the local one).
test-postgres: install
	TEST_DATABASE=postgresql $(PYTEST_RUN)

lint: $(PY_STAMP)
	$(BIN)/ruff check .

# One honest table (tests/benchmarks/RESULTS.md, checked in): write path, projections, the
# national history's rebuild (on SQLite, then the same log on PostgreSQL: TEST_POSTGRES_URL,
# default the local server), "as at", pages over HTTP and memory, each beside its baseline.
# Sizes and durations: BENCH_CHILDREN, BENCH_AUTHORITIES, BENCH_YEARS, BENCH_HTTP_SECONDS.
BENCH_TABLE := tests/benchmarks/test_write_path.py tests/benchmarks/test_projections.py \
	tests/benchmarks/test_national.py tests/benchmarks/test_crash.py \
	tests/benchmarks/test_ofsted_import.py
bench: install
	BENCH_RESULTS=tests/benchmarks/RESULTS.md $(BIN)/pytest $(BENCH_TABLE) -o addopts="" \
		-p no:cacheprovider -s

# The component benchmarks behind the table (matching, imports, dashboards' measures in
# process, checkpoints, pages through the test client), with their profiles.
bench-details: install
	$(BIN)/pytest tests/benchmarks -o addopts="" -p no:cacheprovider -s \
		$(foreach t,$(BENCH_TABLE),--deselect $(t))

# "As at" at national scale: generate a history through the real commands once (on a RAM disk,
# so the disk's fsync is not what is measured), then time views rebuilt as at past positions.
NATIONAL_DB ?= /dev/shm/sufficiency-national.db
NATIONAL_CHILDREN ?= 85000
bench-national: install
	test -f $(NATIONAL_DB) || $(BIN)/portal demo generate --database sqlite:///$(NATIONAL_DB) \
		--authorities 150 --children $(NATIONAL_CHILDREN) --years 10 --seed 2026
	$(BIN)/python -m tests.benchmarks.national measure $(NATIONAL_DB)

clean:
	rm -rf $(VENV) node_modules portal/static/vendor .pytest_cache .ruff_cache
