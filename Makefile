# Qihang: local development. GNU make; Python 3.11+ is the only prerequisite. `make help` lists the targets.

PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.qihang-installed
SERVICES := gateway registry placement subsidy reporting
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help venv run migrate test lint bench smoke clean

help: ## List the targets
	@echo "Qihang make targets (PYTHON=$(PYTHON)):"
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

venv: $(STAMP) ## Create .venv and install the pinned requirements (reruns only when they change)

# The stamp is newer than the requirements once they are installed. The .pth file puts the repository root and
# every services/<name>/ folder on the venv's path, so `import shared` and `import registry` work everywhere.
$(STAMP): requirements.txt requirements-dev.txt Makefile
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed; PYTHON=$(PYTHON) is $$($(PYTHON) --version 2>&1)." >&2; exit 1; }
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --disable-pip-version-check -r requirements-dev.txt
	SP=$$($(VPY) -c "import sysconfig;print(sysconfig.get_paths()['purelib'])") && \
		printf '%s\n' "$(CURDIR)" $(foreach s,$(SERVICES),"$(CURDIR)/services/$(s)") > "$$SP/qihang.pth"
	touch $@

run: venv ## Start PostgreSQL (embedded unless DATABASE_URL), migrate, run all five services; Ctrl-C stops
	$(VPY) -m scripts.run

migrate: venv ## Create and migrate the five databases, then stop
	$(VPY) -m scripts.run --migrate-only

test: venv ## Run the whole test suite (TEST_DATABASE_URL, else an embedded PostgreSQL)
	$(VPY) -m pytest $(PYTEST_ARGS)

lint: venv ## ruff check and ruff format --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: venv ## Run the benchmarks: gateway overhead, the audited read against a raw app, the registry with 100k people, placement and subsidy at county scale (docs/benchmarks.md)
	$(VPY) -m bench.run
	$(VPY) -m bench.persons_read
	$(VPY) -m bench.registry_volume
	$(VPY) -m bench.placement_volume
	$(VPY) -m bench.subsidy_volume

smoke: venv ## Check a running system through the gateway (ADMIN_PASSWORD must be set)
	$(VPY) -m scripts.smoke

clean: ## Remove .venv and its stamp (keeps .data/, the databases and secrets)
	rm -rf $(VENV)
