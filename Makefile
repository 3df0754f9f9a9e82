# The two commands (see README):  make book   |   make test
# Both set everything up on a fresh machine: a Python 3.11 virtual environment with the pinned
# dependencies (requirements.lock), the pinned Vega scripts from the npm registry
# (package-lock.json) copied into _static/vendor, and (for tests) Debian's chromium.

PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.ccth-installed
VENDOR := _static/vendor
VENDOR_STAMP := $(VENDOR)/.installed

.PHONY: book test setup vendor chromium notebooks clean

book: setup vendor
	$(BIN)/ccth validate
	$(BIN)/ccth datapackage
	$(BIN)/ccth execute
	# --all: Sphinx copies static files only when some page is outdated, so a changed stylesheet
	# alone would not ship; a full build takes a few seconds (execution is off).
	$(BIN)/jupyter-book build . --all --warningiserror --keep-going
	@echo "Site built: _build/html/index.html"

test: setup vendor chromium
	$(BIN)/python -m pytest

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

vendor: $(VENDOR_STAMP)

$(VENDOR_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
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
	rm -rf _build $(VENDOR) node_modules
