# Two commands for a newcomer: `make report` and `make test`. Both set up .venv when it is missing
# or when pyproject.toml changed; a second `make report` with nothing changed does nothing.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
INPUTS := $(shell find seeds publish report_templates -type f -not -name '*.pyc' 2>/dev/null)
OUTPUTS := datapackage/datapackage.json build/datapackage.zip build/workbook.xlsx build/report.html build/report.pdf build/report-booklet.pdf

.PHONY: report test lint bench clean browser

report: $(OUTPUTS)

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# One build writes every output (grouped target: make runs it once for all of them).
$(OUTPUTS) &: $(INSTALLED) $(INPUTS)
	$(PY) -m publish build

lint: $(INSTALLED)
	$(PY) -m ruff check publish tests bench

# The site's tests drive Debian's headless Chromium; install it when it is missing (as root, from Debian).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	  else echo "make test needs Debian's chromium: sudo apt-get install chromium" >&2; exit 1; fi; }

test: $(INSTALLED) lint browser
	$(PY) -m pytest -q

bench: $(INSTALLED)
	$(PY) -m bench.run

clean:
	rm -rf build $(VENV)
