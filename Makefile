# The README's commands. `make serve` and `make test` set up everything they need themselves.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export NO_MKDOCS_2_WARNING := 1

.PHONY: serve lab test test-engines build lint bench mutate check-links chromium lighthouse clean help

help:
	@echo "make serve        build the site and serve it on http://127.0.0.1:8000 with live reload"
	@echo "make lab          open the worked examples (docs/examples) in JupyterLab with the project's venv"
	@echo "make test         run every offline check (lint, tests, PyTorch oracle, strict build, link check)"
	@echo "make build        build the site into site/ with --strict (ENGINE=properdocs or zensical: another engine)"
	@echo "make test-engines the same site from MkDocs and Zensical compared (installs Zensical, about 3 min more)"
	@echo "make bench        time the snippets against textbook NumPy and PyTorch (reports/bench.json)"
	@echo "make mutate       mutation testing of snippets/ with mutmut"
	@echo "make check-links  check every external link of the catalogue (needs network)"
	@echo "make lighthouse   Lighthouse scores and page weights of the built site (reports/lighthouse-*.json)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps: reinstall only when pyproject.toml changes.
$(VENV)/.site: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[site]"
	@touch $@

$(VENV)/.test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[site,test,oracle]"
	@touch $@ $(VENV)/.site

serve: $(VENV)/.site
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

# The notebooks stay jupytext .py files; jupytext.toml pairs each with lab/<name>.ipynb (not in git).
$(VENV)/.lab: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[site,lab]"
	@touch $@ $(VENV)/.site

# Jupyter refuses to start as root (containers, CI images) unless told to.
JUPYTER_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(VENV)/.lab
	$(BIN)/jupyter lab $(JUPYTER_ROOT) --ServerApp.root_dir="$(CURDIR)" --ServerApp.default_url=/lab/tree/docs/examples

# ENGINE=mkdocs (the default), properdocs (MkDocs' maintained fork, a drop-in) or zensical: the last runs
# the pipeline's stage steps, `zensical build` and the finish steps (pipeline/zensical.py), with Zensical
# in its own venv (.venv-zensical), pinned.
ENGINE ?= mkdocs
ZENSICAL_VERSION := 0.0.73
ZENSICAL_VENV := .venv-zensical

$(ZENSICAL_VENV)/bin/zensical:
	$(PYTHON) -m venv $(ZENSICAL_VENV)
	$(ZENSICAL_VENV)/bin/pip install --quiet zensical==$(ZENSICAL_VERSION)

$(VENV)/.properdocs: pyproject.toml | $(VENV)/.site
	$(BIN)/pip install --quiet properdocs
	@touch $@

ifeq ($(ENGINE),mkdocs)
build: $(VENV)/.site
	$(BIN)/mkdocs build --strict
else ifeq ($(ENGINE),properdocs)
build: $(VENV)/.site $(VENV)/.properdocs
	$(BIN)/properdocs build --strict -f mkdocs.yml
else ifeq ($(ENGINE),zensical)
build: $(VENV)/.site $(ZENSICAL_VENV)/bin/zensical  # zensical build --strict between the pipeline's steps
	ZENSICAL=$(ZENSICAL_VENV)/bin/zensical $(BIN)/python -m pipeline zensical site
else
$(error ENGINE=$(ENGINE): expected mkdocs, properdocs or zensical)
endif

# Not part of `make test` (it would add a second full build to every CI run): tests/site/test_engines.py
# is collected only when ZENSICAL names the command (tests/conftest.py).
test-engines: $(VENV)/.test $(ZENSICAL_VENV)/bin/zensical
	ZENSICAL=$(ZENSICAL_VENV)/bin/zensical $(BIN)/python -m pytest tests/site/test_engines.py

lint: $(VENV)/.test
	$(BIN)/ruff check .

test: $(VENV)/.test chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# The browser tests (tests/browser) and Lighthouse drive Debian's Chromium, never a browser download.
# Installed when missing and we are root; otherwise the tests skip (fail under CI=true) and say how.
CHROMIUM ?= /usr/bin/chromium
chromium:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Chromium for the browser tests (apt-get install chromium)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
	  echo "Chromium not found at $(CHROMIUM): the browser tests will skip. Install it with:"; \
	  echo "  sudo apt-get install chromium    (or set CHROMIUM_PATH to another Chromium)"; \
	fi

# Lighthouse 12.2.3 (through npx, needs Node.js) on the home, a technique and a notebook page.
lighthouse: $(VENV)/.test chromium
	$(BIN)/mkdocs build --strict
	CHROME_PATH=$(CHROMIUM) $(BIN)/python tools/lighthouse.py site $(ARGS)

# Not part of `make test`: slow. Results in mutants/ (ignored by git); see README "Test strength".
bench: $(VENV)/.test
	$(BIN)/python tools/bench.py $(ARGS)

mutate: $(VENV)/.test
	$(BIN)/pip install --quiet -e ".[dev]"
	$(BIN)/mutmut run $(ARGS); $(BIN)/mutmut results

# External links of the catalogue with LinkChecker (needs network; not part of `make test`).
# ARGS="--update" writes the findings into docs/resources.yml, as the weekly workflow does.
$(VENV)/.links: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[links]"
	@touch $@

check-links: $(VENV)/.links
	$(BIN)/python tools/check_links.py $(ARGS)

clean:
	rm -rf site .cache $(ZENSICAL_VENV)
