# Every target bootstraps what it needs (Debian packages, .venv), so a fresh Debian 12 machine with only
# python3.11 and pip can run `make test` or `make run` as its first command.
SHELL := /bin/bash
.DEFAULT_GOAL := test

VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# Debian packages the tests and `make run` use: chromium for the Playwright browser tests (/usr/bin/chromium);
# restic for backups, and openssh-server for the SFTP backup repository the tests start on 127.0.0.1.
# Signatures and digitisation: tesseract (+ vie) and ghostscript for OCR, poppler-utils (pdfsig), softhsm2 (PKCS#11
# tests), FreeSans for signature stamps and DejaVu for the test scans. prometheus for its promtool, which checks and
# unit-tests the alert rules of monitoring/ (the tests need no Prometheus server); jq, which the runbooks use to read
# `--json` output. tests/playbooks: nftables (`nft -c` checks the off-site host's ruleset), python3-apt (Ansible's apt
# module), python3.11-venv (the single host's venv), systemd (`systemd-analyze verify` of the units the roles write;
# it reads files only, no systemd needs to run).
APT_PACKAGES := chromium restic openssh-server tesseract-ocr tesseract-ocr-vie ghostscript poppler-utils softhsm2 fonts-dejavu-core fonts-freefont-ttf prometheus jq nftables python3-apt python3.11-venv systemd

# The project pins Python 3.11 (pyproject requires-python).
PYTHON ?= $(shell command -v python3.11 || command -v python3)

# `make run` options; empty HOST/PORT leave the CLI's defaults.
HOST     ?=
PORT     ?=
DATA_DIR ?= .kholuutru

.PHONY: setup system-packages run lint test bench

setup: system-packages $(STAMP)

# Install only what is missing (a removed package whose configuration is left counts as missing); `apt-get update`
# only when something is. Debian's own python3.11 lacks ensurepip until python3.11-venv is installed, so that package
# is added when the venv cannot be made.
# Without systemd running (a container, a chroot), the packages' init scripts would start their daemons (sshd,
# prometheus) and fail the install when they cannot: a policy-rc.d that denies every start (exit 101, Debian's
# invoke-rc.d policy) is put in place for the install when the system has none; the tests start their own servers.
system-packages:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  [ "$$(dpkg-query -W -f='$${db:Status-Status}' "$$p" 2>/dev/null)" = installed ] || missing="$$missing $$p"; done; \
	if [ ! -x $(BIN)/python ] && ! $(PYTHON) -c 'import ensurepip' >/dev/null 2>&1; then \
	  missing="$$missing python3.11-venv"; fi; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null; then sudo="sudo"; \
	else echo "Missing Debian packages:$$missing — install them as root (apt-get install$$missing)." >&2; exit 1; fi; \
	echo "Installing Debian packages:$$missing"; \
	policy=/usr/sbin/policy-rc.d; deny_starts=""; \
	if [ ! -d /run/systemd/system ] && [ ! -e $$policy ]; then \
	  deny_starts=yes; printf '#!/bin/sh\nexit 101\n' | $$sudo tee $$policy >/dev/null && $$sudo chmod 755 $$policy; fi; \
	$$sudo apt-get update -qq && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	status=$$?; [ -z "$$deny_starts" ] || $$sudo rm -f $$policy; exit $$status

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
	  { echo "Python 3.11 is required; '$(PYTHON)' is not it (set PYTHON=/path/to/python3.11)." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changed; the editable install picks up code changes by itself.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

run: setup
	$(BIN)/kholuutru up --demo --data-dir $(DATA_DIR) $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT))

lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-logo

# The layout test runs first and alone: if the namespace layout is broken, every other failure is noise. The slowest
# steps are listed at the end, so a CI log shows where the suite's time goes.
test: setup lint
	$(BIN)/python -m pytest tests/test_layout.py -q
	$(BIN)/python -m pytest tests -x -q --ignore=tests/test_layout.py --durations=25

# Speed and memory goals (ARCHITECTURE §7): every benchmark, figures and baselines written to BENCHMARKS.md.
# BENCH_DOCUMENT_BYTES (default 2 GiB and 8 GiB), BENCH_ROUNDS (default 3), BENCH_CHANGES and BENCH_WORK_DIR size
# and place the run; see benchmarks/run.py.
bench: setup
	$(BIN)/kholuutru bench
