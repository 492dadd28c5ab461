# Two commands for a newcomer: `make report` and `make test`. Both set up .venv from the lock file when
# it is missing or when requirements.lock or pyproject.toml changed, and install the system libraries
# that change output bytes; a second `make report` with nothing changed does nothing.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
LOCK := requirements.lock
UV_VERSION := 0.13.9
LOCK_TOOL := .venv-lock
INPUTS := $(shell find seeds publish report_templates -type f -not -name '*.pyc' 2>/dev/null)
OUTPUTS := datapackage/datapackage.json build/datapackage.zip build/workbook.xlsx build/report.html build/report.pdf build/report-booklet.pdf
# Debian packages whose libraries decide the PDFs' bytes, as library:package. WeasyPrint lays text out
# with Pango and HarfBuzz, and subsets fonts with HarfBuzz-Subset when it is present, with fontTools
# when not (other bytes): Debian's chromium pulls libharfbuzz-subset0 in, so without this rule the
# PDFs changed the day the site tests first ran.
SYSTEM_LIBRARIES := pango-1.0:libpango-1.0-0 pangoft2-1.0:libpangoft2-1.0-0 harfbuzz-subset:libharfbuzz-subset0

.PHONY: train report test lint bench clean test-tools system lock

report: $(OUTPUTS)

# Exact versions with hashes (requirements.lock), installed as locked: --no-deps, since the lock is
# whole and pip's resolver would otherwise look at extras again (pip 23.2 fetched a newer fonttools
# for weasyprint's `fonttools[woff]` and refused it as unpinned). Then the project itself without
# dependencies and with the locked setuptools (no build isolation: nothing unlocked is fetched;
# setuptools' notice that an editable install is editable is silenced). `pip check` then checks that
# every installed package's own requirements are there (not those behind extras: the lock has them).
$(INSTALLED): $(LOCK) pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --no-deps --require-hashes -r $(LOCK)
	PYTHONWARNINGS="ignore:Editable installation" $(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m pip check
	touch $@

# Regenerate the lock from pyproject.toml (dependencies, the test extra, the build backend) with uv,
# for every platform and Python the project supports; commit the result. Pins already in the lock are
# kept where they still fit; `make lock LOCK_OPTIONS=--upgrade` moves every package to its newest release.
LOCK_OPTIONS ?=
lock:
	$(PYTHON) -m venv $(LOCK_TOOL)
	$(LOCK_TOOL)/bin/python -m pip install --quiet uv==$(UV_VERSION)
	$(PYTHON) -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"]))' \
	  | $(LOCK_TOOL)/bin/uv pip compile --quiet --universal --generate-hashes --extra test \
	    --custom-compile-command 'make lock' $(LOCK_OPTIONS) --output-file $(LOCK) pyproject.toml -

# One build writes every output (grouped target: make runs it once for all of them); then the column
# tables of docs/datasett.md are written from publish/schema.py, as the package's README is.
$(OUTPUTS) &: $(INSTALLED) $(INPUTS) | system
	$(PY) -m publish build
	$(PY) -m publish.docs

lint: $(INSTALLED)
	$(PY) -m ruff check publish tests bench

# Install Debian packages $(1) when $(2) is not empty: as root with apt-get, else say how.
define apt_install
if [ -n "$(2)" ]; then \
  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
    echo "installing Debian's $(1)" >&2; \
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(1) >/dev/null; \
  else echo "this needs Debian's $(1): sudo apt-get install $(1)" >&2; exit 1; fi; \
fi
endef

# Debian packages whose data decide the relations, as file:package: Apertium's Nynorsk-to-Bokmål
# translation, in which a Nynorsk programme is compared with Bokmål ones (publish/nynorsk.py); and
# those that read the inputs: Poppler's pdftotext, which reads a PDF named in the manifest (publish/pdf.py),
# and the Norwegian Bokmål and Nynorsk word lists that find garbled letters (publish/garbled.py).
SYSTEM_DATA := /usr/share/apertium/modes/nno-nob.mode:apertium-nno-nob /usr/bin/pdftotext:poppler-utils \
  /usr/share/hunspell/nb_NO.dic:hunspell-no

system:
	@missing="$$($(PYTHON) -c 'import ctypes.util, sys; print(*(p for l, p in (a.split(":") for a in sys.argv[1:]) if not ctypes.util.find_library(l)))' $(SYSTEM_LIBRARIES)) \
	$$(for data in $(SYSTEM_DATA); do [ -e $${data%%:*} ] || printf '%s ' $${data#*:}; done)"; \
	missing="$$(echo $$missing)"; \
	$(call apt_install,$$missing,$$missing)

# Commands the tests run, as command:package: Debian's headless Chromium (the web pages) and poppler's
# pdftotext (where words sit on the printed pages); install those that are missing.
TEST_TOOLS := chromium:chromium pdftotext:poppler-utils
test-tools:
	@missing="$$(for tool in $(TEST_TOOLS); do command -v $${tool%%:*} >/dev/null 2>&1 || printf '%s ' $${tool#*:}; done)"; \
	$(call apt_install,$$missing,$$missing)

test: $(INSTALLED) lint system test-tools
	$(PY) -m pytest -q

bench: $(INSTALLED) system
	$(PY) -m bench.run
	$(PY) -m bench.groups
	$(PY) -m bench.scaling
	$(PY) -m bench.longword

clean:
	rm -rf build $(VENV) $(LOCK_TOOL)

# Learn the relation scorer from the tune split of seeds/labels/ and tests/corpus/evaluation/ (pair_labels.csv) (writes publish/relation_model.json
# and bench/relations-pr.png); the report split is printed, never used to choose.
train: $(INSTALLED) system
	$(PY) -m bench.train_relations
