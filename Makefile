# Two entry points (see README): `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup system run test lint notebooks bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# Debian packages the charts, notebooks and report tests need, installed only when missing: a CJK font
# (matplotlib and Chromium draw Chinese with it) and headless Chromium (the report test renders the page);
# and poppler-utils, whose `pdftotext -layout` is the floor the PDF benchmark measures the reader against
# (no test needs it).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
system:
	@missing=""; \
	fc-list :lang=zh family 2>/dev/null | grep -q . || missing="$$missing fonts-wqy-microhei"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing (apt-get)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

run: $(STAMP)
	$(BIN)/budget-etl run

# Test files are spread over the cores (at most 4 processes; a file's tests stay in one, so its fixtures are
# built once).
test: $(STAMP) system
	$(BIN)/ruff check src tests
	$(BIN)/pytest -n auto --maxprocesses 4 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests

# Run the notebooks on the warehouse and store their outputs (charts, conclusions) in place.
notebooks: run system
	$(BIN)/jupyter execute --inplace notebooks/*.ipynb

# Benchmarks (not tests): corpora of 100, 1,000 and 10,000 documents, 3 runs each; results into BENCHMARKS.md.
# About 15 minutes on 2 cores; corpora, warehouses and logs stay in /tmp/bench-budget-etl.
bench: $(STAMP) system
	$(BIN)/python benchmarks/run.py --sizes 100 1000 10000 --repeats 3 --out BENCHMARKS.md

clean:
	rm -rf warehouse dbt_project/target dbt_project/logs
