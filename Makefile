# Set-up, demo and checks for nnzero. Needs only python3 (with pip) on the PATH.
#
#   make demo   create .venv if needed, then train the MNIST demo
#   make test   create .venv if needed, then run the tests (with CI set, also
#               the long fuzz run)
#   make fuzz   the parser fuzz tests' long run alone
#   make lint   ruff over the whole tree
#   make bench  time nnzero against PyTorch, scikit-learn and JAX, three rounds
#               (benchmarks/bench.py; about ten minutes); BENCH_ARGS="--quick"
#               for a fast smoke run, BENCH_ARGS="--rounds 5" for more rounds
#   make reproduce  train every config in examples/ and rebuild docs/results.md
#   make gallery  draw every figure of nnzero.plot into docs/gallery/ and
#               write docs/gallery.md
#   make docs   execute the tutorial notebooks, then build the documentation
#               site offline in strict mode into site/
#   make notebooks  execute the tutorial notebooks alone (into build/notebooks/)
#   make clean  remove .venv, build outputs and caches
#
# The fast suite skips tests marked `slow` (full-dataset checks). They run
# when NNZERO_DATA points at a data directory (e.g. NNZERO_DATA=../shared/data),
# as they need the real files. Extra pytest arguments go in PYTEST_ARGS,
# extra demo arguments in DEMO_ARGS (e.g. DEMO_ARGS="--epochs 10").
# `make reproduce` needs the data sets (NNZERO_DATA=../shared/data, and
# Fashion-MNIST from `apt-get install dataset-fashion-mnist`); a config whose
# data is missing is skipped with the reason. REPRODUCE_ARGS picks configs,
# e.g. REPRODUCE_ARGS="tutorial_001 tutorial_002", or "--report-only".

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The stamp records that the project is installed; it is older than
# pyproject.toml exactly when the dependencies may have changed.
STAMP := $(VENV)/nnzero-install.stamp

ifeq ($(strip $(NNZERO_DATA)),)
PYTEST_MARK := -m "not slow"
else
PYTEST_MARK :=
endif

.PHONY: venv demo test fuzz lint reproduce bench clean docs notebooks

venv: $(STAMP)

$(STAMP): pyproject.toml
	@if ! $(PY) -m pip --version >/dev/null 2>&1; then \
	  echo "Creating $(VENV)"; \
	  $(PYTHON) -m venv $(VENV) || { \
	    echo "$(PYTHON) -m venv could not install pip (no ensurepip); using the system pip"; \
	    $(PYTHON) -m venv --clear --without-pip $(VENV) && \
	    $(PYTHON) -m pip --python $(PY) install pip; \
	  }; \
	fi
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e '.[test,dev]'
	touch $@

demo: venv
	$(PY) -m nnzero.demo $(DEMO_ARGS)

# The peers (the `bench` extra: PyTorch, scikit-learn, JAX) go into the same
# .venv, once.
BENCH_STAMP := $(VENV)/nnzero-bench.stamp

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install -e '.[bench]'
	touch $@

# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, where an environment sets them,
# force an older OpenBLAS kernel; the benchmark times the kernel NumPy's own
# OpenBLAS picks for the processor (the table names it), as on a machine
# without them. MNIST comes from NNZERO_DATA (../shared/data when it is unset
# and exists); without it the benchmark uses synthetic data of MNIST's shape.
bench: $(BENCH_STAMP)
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
	  NNZERO_DATA="$${NNZERO_DATA:-$$(realpath -q ../shared/data || true)}" \
	  $(PY) benchmarks/bench.py $(BENCH_ARGS)

test: venv
	$(PY) -m pytest $(PYTEST_MARK) $(PYTEST_ARGS)
ifneq ($(strip $(CI)),)
	$(MAKE) fuzz
endif

# The parser fuzz tests' long run: 2,000 examples per property instead of the
# default suite's 200 (a few minutes). `make test` runs it when CI is set.
fuzz: venv
	$(PY) -m pytest -m fuzz $(PYTEST_ARGS)

lint: venv
	$(PY) -m ruff check .

reproduce: venv
	$(PY) examples/reproduce.py $(REPRODUCE_ARGS)

# Every figure of nnzero.plot into docs/gallery/, and docs/gallery.md with the
# code that drew each (examples/gallery.py; MNIST from NNZERO_DATA, a few
# minutes). GALLERY_ARGS="--only samples activations" redraws some of them.
.PHONY: gallery
gallery: venv
	NNZERO_DATA="$${NNZERO_DATA:-$$(realpath -q ../shared/data || true)}" \
	  $(PY) examples/gallery.py $(GALLERY_ARGS)

# The documentation tools (the `docs` extra) go into the same .venv, once.
DOCS_STAMP := $(VENV)/nnzero-docs.stamp

$(DOCS_STAMP): $(STAMP)
	$(PY) -m pip install -e '.[docs]'
	touch $@

# The notebooks read MNIST from NNZERO_DATA (../shared/data when it is unset
# and exists) and never download (NNZERO_OFFLINE=1): without the data they
# fail at once, naming the places they looked, instead of hanging.
notebooks: $(DOCS_STAMP)
	NNZERO_OFFLINE=1 NNZERO_DATA="$${NNZERO_DATA:-$$(realpath -q ../shared/data || true)}" \
	  $(PY) docs/_tools/run_notebooks.py

# Strict: any warning (a broken link, a missing reference, a notebook not
# executed) fails the build. Nothing is fetched from the network.
docs: notebooks
	NNZERO_OFFLINE=1 NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
