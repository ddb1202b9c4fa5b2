# Hamrah: `make run` serves the dashboard on the embedded demo database; `make test` checks all.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
CHROMIUM := /usr/bin/chromium
PDF_FONT := /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
PORT ?= 8501
DEMO_PATIENTS ?= 300
DEMO_DAYS ?= 365

.PHONY: install run db test lint typecheck pytest chromium fonts clean bench-import catalogs bench \
	bench-load

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

db: install
	$(BIN)/hamrah init
	$(BIN)/hamrah demo --if-empty --patients $(DEMO_PATIENTS) --days $(DEMO_DAYS)

# The family-channel worker runs next to the dashboard and stops when the dashboard stops.
run: db fonts
	$(BIN)/hamrah worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	trap 'exit 130' INT TERM; \
	$(BIN)/streamlit run app.py --server.port $(PORT)

# Debian's Chromium for the browser tests; never a browser downloaded by a test tool.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "installing Debian's chromium"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; \
	fi

# Debian's DejaVu Sans for PDFs with Persian names and notes (documents/pdf_layout.py); without
# it the PDFs fall back to Latin-1 and print Persian as "?".
fonts:
	@if [ ! -f $(PDF_FONT) ]; then \
		echo "installing Debian's fonts-dejavu-core"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq fonts-dejavu-core; \
	fi

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy

pytest: install chromium fonts
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

# Message catalogs (docs/i18n.md): extract the messages the code translates, update the .po
# files, compile the .mo files (both committed, so a fresh checkout translates without a build
# step) and list what is still untranslated. The completeness test fails until that list is empty.
catalogs: install
	$(BIN)/python -m i18n.catalog_files

# Import speed: 1,000,000 synthetic dose rows into a fresh SQLite file (target: <= 60 s).
bench-import: install
	$(BIN)/python bench/import_doses.py --rows $${ROWS:-1000000}

# The benchmark suite of issue #8 (bench/README.md): pages cold and warm, the core computations,
# the worklist against the naive way, the 1M-row import and peak memory, in one table (also in
# bench/results.json). Built databases are kept in bench/data/ and reused. Options, e.g.
#   make bench SCALE=demo DATABASE=sqlite RUNS=5 ROWS=100000
# SCALE=demo,network  DATABASE=sqlite,postgresql  PARTS=pages,core,worklist,import  RUNS=5
# ROWS=1000000  SEED=1  REBUILD=1 (build the databases again)  FRESH=1 (drop earlier rows).
bench: install
	$(BIN)/python -m bench.run $(if $(SCALE),--scale $(SCALE)) \
		$(if $(DATABASE),--database $(DATABASE)) $(if $(PARTS),--parts $(PARTS)) \
		$(if $(RUNS),--runs $(RUNS)) $(if $(ROWS),--rows $(ROWS)) $(if $(SEED),--seed $(SEED)) \
		$(if $(REBUILD),--rebuild) $(if $(FRESH),--fresh)

# Concurrency (issue #8, bench/README.md): the real server driven by SESSIONS concurrent Chromium
# sessions (sign in, open the worklist, open a record), ROUNDS times; time to a drawn page
# (median, p95), the server's peak memory, and errors (any fails the run). Rows go to
# bench/results.json. E.g.  make bench-load SESSIONS=10 SCALE=demo DATABASE=sqlite ROUNDS=3
bench-load: install chromium
	$(BIN)/python -m bench.load --sessions $(or $(SESSIONS),10) --scale $(or $(SCALE),demo) \
		--database $(or $(DATABASE),sqlite) $(if $(ROUNDS),--rounds $(ROUNDS)) \
		$(if $(SEED),--seed $(SEED)) $(if $(REBUILD),--rebuild)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
