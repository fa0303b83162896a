# The README's contract: `make run` and `make test` each create .venv/ from PyPI and do their job.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORES ?= all
SMK := $(BIN)/snakemake
GOLD ?= ../shared/eval/dev.jsonl
PAGES ?= ../shared/eval/dev_pages.jsonl
PAGES_DIR := results/evaluation/pages

.PHONY: run-deps system-deps run test classify evaluate evaluate-reports sample agreement model lint bench report-zip env-file lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: requirements-test.lock $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-test.lock
	touch $@

# Debian packages. The pipeline needs a CJK font for its charts (RUN_PKGS); the tests also need
# antiword for .doc files, LibreOffice (no GUI) for the .doc files too small for antiword and to write
# test .doc/.rtf files, chromium for the HTML report's browser test, slurm-wlm and munge for the
# single-node SLURM cluster of tests/test_slurm.py. Installed only where missing (needs root + apt).
RUN_PKGS := fonts-noto-cjk
SYSTEM_PKGS := $(RUN_PKGS) antiword libreoffice-writer-nogui chromium slurm-wlm munge
define apt_install
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "please install the Debian packages: $$missing"; exit 1; fi; \
	fi
endef
run-deps:
	$(call apt_install,$(RUN_PKGS))
system-deps:
	$(call apt_install,$(SYSTEM_PKGS))

run: run-deps $(VENV)/.installed
	$(SMK) --cores $(CORES)
	@echo "Outputs: results/diagnosis.xlsx, results/report.html, results/manifest.json, results/tables/ (CSV)"

# the tables, workbook, HTML report and manifest with their captions, in one archive
report-zip: $(VENV)/.installed
	$(SMK) --report results/report.zip

test: system-deps $(VENV)/.installed-test
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

model: $(VENV)/.installed
	$(SMK) --cores $(CORES) resources/model/model.pkl

classify: model
	@test -n "$(IN)" -a -n "$(OUT)" || { echo "usage: make classify IN=sentences.jsonl OUT=predictions.jsonl"; exit 2; }
	$(BIN)/python -m reportdiag classify --in "$(IN)" --out "$(OUT)"

evaluate: model
	$(BIN)/python -m reportdiag evaluate --gold "$(GOLD)"

# Report level: the pipeline runs on the gold's pages as whole texts; its diagnosis is scored
# against the pages' sentence labels (a page has a problem when one of its sentences carries it).
evaluate-reports: model
	$(BIN)/python -m reportdiag write-pages --pages "$(PAGES)" --out $(PAGES_DIR)/corpus
	$(SMK) --cores $(CORES) --config corpus=$(PAGES_DIR)/corpus results=$(PAGES_DIR)/run
	$(BIN)/python -m reportdiag evaluate-reports --gold "$(GOLD)" --run $(PAGES_DIR)/run

# The researcher's loop: a stratified sample to code by hand (after a run), then agreement by id.
sample: $(VENV)/.installed
	@test -n "$(N)" || { echo "usage: make sample N=200"; exit 2; }
	$(SMK) --cores $(CORES)
	$(BIN)/python -m reportdiag sample --n "$(N)"

agreement: $(VENV)/.installed
	@test -n "$(A)" -a -n "$(B)" || { echo "usage: make agreement A=coder1.csv B=coder2.csv (or B=results/annotation/sample_model.jsonl)"; exit 2; }
	$(BIN)/python -m reportdiag agreement --a "$(A)" --b "$(B)"

# Throughput, incremental re-runs and memory (not part of make test): writes results/bench.json.
bench: $(VENV)/.installed
	$(BIN)/python tools/bench.py $(BENCH_ARGS)

lint: $(VENV)/.installed
	$(SMK) --lint

# Regenerate the exact pins from the top-level lists (in a scratch venv, so nothing stale leaks in).
lock:
	rm -rf /tmp/reportdiag-lock && $(PYTHON) -m venv /tmp/reportdiag-lock
	/tmp/reportdiag-lock/bin/pip install --quiet -r requirements.in
	/tmp/reportdiag-lock/bin/pip freeze --all --exclude pip --exclude setuptools --exclude wheel > requirements.lock
	/tmp/reportdiag-lock/bin/pip install --quiet -r requirements-test.in
	/tmp/reportdiag-lock/bin/pip freeze --all --exclude pip --exclude setuptools --exclude wheel > requirements-test.lock
	$(MAKE) env-file

env-file:
	$(PYTHON) tools/make_environment.py requirements-test.lock > environment.yml

clean:
	rm -rf results .snakemake
