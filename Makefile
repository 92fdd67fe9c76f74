# Every target installs what it needs first, so a fresh clone needs no manual step.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup chromium postgres display-tools images run test lint format typecheck unit bench chaos intuned-sdk crds chart-schema clean cluster-binaries cluster-up cluster-down ecosystem-tools argocd-cm axe-core vendor-js

setup: $(STAMP) chromium

# Re-installs only when the dependency list changes; the stamp makes `make setup` idempotent.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "jobctl needs Python >= 3.11 (found " + sys.version.split()[0] + ")")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

# Chromium for the browser workers: CHROMIUM_PATH, Playwright's own browser, or Debian's package
# (installed here when none is found; `playwright install` cannot download on this network).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
chromium: $(STAMP)
	@if [ -n "$$CHROMIUM_PATH" ] || [ -x /usr/bin/chromium ] || \
	    $(BIN)/python -c 'import os,sys; from playwright.sync_api import sync_playwright; p=sync_playwright().start(); sys.exit(0 if os.path.exists(p.chromium.executable_path) else 1)' 2>/dev/null; \
	then true; else \
	  echo "installing Debian's chromium"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

# A PostgreSQL server for the store's contract tests and benchmarks (Debian's package; each test
# session makes its own cluster in a temporary folder and stops it).
postgres:
	@if ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then true; else \
	  echo "installing Debian's postgresql"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	fi

# A virtual display and a keyboard for it (Debian's xvfb and xdotool): the tests of
# `jobctl authsessions record`, which opens a browser window a person signs in with.
display-tools:
	@if command -v Xvfb >/dev/null && command -v xdotool >/dev/null; then true; else \
	  echo "installing Debian's xvfb and xdotool"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends xvfb xdotool >/dev/null; \
	fi

# The controller and worker images (images/*.Dockerfile), built with podman and runc on a Debian
# root filesystem made by mmdebstrap (Debian's packages, installed here when missing); the tags
# land in .cache/images/images.json. PROJECT=path puts another automation project in the worker.
PROJECT ?= examples/bookstore
images: setup
	@if command -v mmdebstrap >/dev/null && command -v podman >/dev/null && command -v runc >/dev/null; \
	then true; else \
	  echo "installing Debian's mmdebstrap, podman and runc"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap podman runc uidmap >/dev/null; \
	fi
	$(BIN)/python hack/images/build.py --project $(PROJECT)

# The demo: serve the offline bookstore (and its members area and webhook receiver), run the
# embedded controller on the sample jobs with the bookstore project, trigger the demo jobs and
# show their progress and deliveries; the first line is the dashboard's URL. Ctrl-C stops it;
# ONCE=1 exits when the demo JobRuns have ended (exit 0: every Run succeeded, 1: some failed,
# 2: one did not complete).
DEMO_MEMBER_PASSWORD ?= bookworm
export DEMO_MEMBER_PASSWORD
run: setup
	@$(BIN)/jobctl validate intuned-resources 2>/dev/null >&2 || $(BIN)/jobctl validate intuned-resources
	@$(BIN)/python -m examples.demo_site --quiet --member-password "$$DEMO_MEMBER_PASSWORD" & site=$$!; \
	trap 'kill $$site 2>/dev/null' EXIT INT TERM; \
	for i in $$(seq 50); do $(BIN)/python -c 'import urllib.request as u; u.urlopen("http://127.0.0.1:8765/", timeout=1)' 2>/dev/null && break; sleep 0.1; done; \
	$(BIN)/jobctl run --project examples/bookstore --allow-private-targets \
	  --trigger bookstore-demo --trigger members-orders $(if $(ONCE),--until-idle)

# Biome (from npm, into .cache/js-tools) formats and lints the dashboard's JavaScript (biome.json).
BIOME_VERSION := 2.6.9
BIOME := .cache/js-tools/node_modules/.bin/biome
$(BIOME):
	npm install --silent --no-audit --no-fund --prefix .cache/js-tools @biomejs/biome@$(BIOME_VERSION)

# axe-core (from npm, beside Biome): the e2e tier checks each dashboard page with it.
AXE_VERSION := 4.14.1
AXE := .cache/js-tools/node_modules/axe-core/axe.min.js
$(AXE):
	npm install --silent --no-audit --no-fund --prefix .cache/js-tools axe-core@$(AXE_VERSION)

axe-core: $(AXE)

# uPlot (MIT, from npm) draws the Job page's charts. It is committed under the dashboard's
# static/vendor/uplot/, served by the dashboard itself (nothing is fetched from elsewhere);
# `make vendor-js` fetches the pinned version again.
UPLOT_VERSION := 1.6.32
vendor-js:
	cd "$$(mktemp -d)" && npm pack --silent uplot@$(UPLOT_VERSION) >/dev/null && \
	  tar xzf uplot-$(UPLOT_VERSION).tgz && \
	  cp package/dist/uPlot.iife.min.js package/dist/uPlot.min.css package/LICENSE \
	    "$(CURDIR)/controller/server/dashboard/static/vendor/uplot/"

lint: setup $(BIOME)
	$(BIN)/ruff check controller tests bench chaos hack examples/demo_site
	$(BIN)/ruff format --check controller tests bench chaos hack examples/demo_site
	$(BIOME) ci --error-on-warnings --colors=off

# Rewrite what the formatters would: ruff for Python, Biome for the dashboard's JavaScript.
format: setup $(BIOME)
	$(BIN)/ruff format controller tests bench chaos hack examples/demo_site
	$(BIOME) check --write

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest tests/unit

test: lint typecheck postgres display-tools images cluster-binaries ecosystem-tools intuned-sdk $(AXE)
	$(BIN)/pytest

# A real control plane (etcd, kube-apiserver, the kubelet harness) on loopback, and helm for the
# chart tests; binaries are built once from Go modules into .cache/cluster/bin (or taken from
# $$KUBEBUILDER_ASSETS and $$HELM).
cluster-binaries: setup
	@bash hack/cluster/build-binaries.sh
	@bash hack/cluster/build-helm.sh

# What the GitOps and monitoring tests check our files with: kstatus, Argo CD's Lua engine and
# cel-go in one Go program, the Prometheus Operator's CRDs (Go modules), promtool (Debian).
ecosystem-tools: setup
	@bash hack/ecosystem/build.sh

# Intuned's Python SDK (intuned-client) in .cache/intuned-sdk/venv: the compatibility tests drive
# a real controller with it.
intuned-sdk:
	@bash hack/sdk/install.sh

cluster-up: cluster-binaries
	@$(BIN)/python hack/cluster/cluster.py up

cluster-down:
	@$(BIN)/python hack/cluster/cluster.py down

bench: setup postgres images
	$(BIN)/python -m bench

# Faults injected into real processes (SIGKILLs, sinks and control-plane components down, a full
# state volume, Chromium killed), one JSON line per scenario; SCENARIOS="a b" runs some of them.
# Not part of `make test`, which runs the short version of each (tests/*/test_chaos_short.py).
chaos: cluster-binaries
	$(BIN)/python -m chaos $(SCENARIOS)

# The CRDs and the chart's copy of them, and the chart's values.schema.json, from their sources.
crds: setup
	$(BIN)/jobctl crds
	$(BIN)/jobctl crds --output-dir charts/jobctl/files/crds

chart-schema: setup
	$(BIN)/python hack/chart/values_schema.py

# integrations/argocd/argocd-cm.yaml from the Argo CD health checks' Lua scripts.
argocd-cm: setup
	$(BIN)/python hack/argocd/argocd_cm.py

clean:
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache .ruff_cache .hypothesis
