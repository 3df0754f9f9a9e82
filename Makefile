# The two commands (see README):  make book   |   make test
# Both set everything up on a fresh machine: a Python 3.11 virtual environment with the pinned
# dependencies (requirements.lock), the pinned Vega scripts from the npm registry
# (package-lock.json) copied into _vendor/site/_static/vendor (served at _static/vendor/, and
# loaded only by pages with a chart), axe-core for the accessibility tests (node_modules/), and
# (for tests) Debian's chromium.

PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.ccth-installed
VENDOR := _vendor/site/_static/vendor
VENDOR_STAMP := _vendor/.installed

.PHONY: book test quick setup vendor chromium notebooks clean

# Each step redoes only what changed: validation and the data package are cached by content
# digest, `ccth execute` runs only the stale pages (in parallel, one per core), and the site is
# rebuilt only when a file it is built from is newer than the last build (SITE_STAMP).
book: setup vendor
	$(BIN)/ccth validate
	$(BIN)/ccth datapackage
	$(BIN)/ccth execute
	@test -f _build/html/index.html || rm -f $(SITE_STAMP)
	@$(MAKE) --no-print-directory $(SITE_STAMP)
	@echo "Site built: _build/html/index.html"

SITE_STAMP := _build/.ccth-site-built
# Every file of the project but tools, caches, tests and output (evaluated after `ccth execute`,
# in the sub-make above, so re-executed notebooks count).
SITE_FILES = $(shell find . \( -name .git -o -name .venv -o -name _build -o -name node_modules -o -name tests \
  -o -name benchmarks -o -name .pytest_cache -o -name .hypothesis -o -name __pycache__ -o -name '*.egg-info' \
  -o -name .ipynb_checkpoints \) -prune -o -type f -print)

$(SITE_STAMP): $(SITE_FILES)
	# --all: Sphinx copies static files only when some page is outdated, and Markdown pages that
	# glue values from a notebook are not re-read when only the notebook changed; a full build
	# takes a few seconds (execution is off).
	$(BIN)/jupyter-book build . --all --warningiserror --keep-going
	@touch $@

test: setup vendor chromium
	$(BIN)/python -m pytest

# The quick loop for development: unit, data and page-layer tests, no kernels, no book, no
# browser (a few seconds); `make test` runs everything.
quick: setup
	$(BIN)/python -m pytest -m "not notebooks and not build and not browser"

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

vendor: $(VENDOR_STAMP)

$(VENDOR_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	# Not under _static/: Jupyter Book would put every script found there on every page
	# (an older checkout's _static/vendor is removed for that reason).
	rm -rf _static/vendor
	mkdir -p $(VENDOR)
	cp node_modules/vega/build/vega.min.js node_modules/vega-lite/build/vega-lite.min.js \
	   node_modules/vega-embed/build/vega-embed.min.js $(VENDOR)/
	touch $@

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium (browser tests)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

notebooks: setup
	$(BIN)/ccth execute

clean:
	rm -rf _build _vendor node_modules
