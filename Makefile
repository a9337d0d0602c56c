# Lamina's two set-up commands: `make serve` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PEERS := tools/iam-simulate

.PHONY: serve test lint bench bench-api bench-lambda bench-invoke bench-hostile fuzz install peers clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/lamina serve

# The Node.js peer engine for the differential tests (installed from the lock file).
$(PEERS)/node_modules/.stamp: $(PEERS)/package.json $(PEERS)/package-lock.json
	cd $(PEERS) && npm ci --silent --no-audit --no-fund
	touch $@

peers: $(PEERS)/node_modules/.stamp

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

# The AWS CLI (v1) for the end-to-end CLI tests, in its own venv: it pins an older botocore than boto3's.
CLI_VENV := .cli-venv
$(CLI_VENV)/.installed-stamp:
	test -x $(CLI_VENV)/bin/python || $(PYTHON) -m venv $(CLI_VENV)
	$(CLI_VENV)/bin/python -m pip install --quiet 'awscli==1.46.3'
	touch $@

test: $(STAMP) peers $(CLI_VENV)/.installed-stamp lint
	$(BIN)/python -m pytest

# Peer engines for the benchmark, in their own venv (never Lamina's dependencies).
BENCH_VENV := .bench-venv
$(BENCH_VENV)/.installed-stamp: benchmarks/requirements-peers.txt
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet -r benchmarks/requirements-peers.txt
	touch $@

bench: $(STAMP) peers $(BENCH_VENV)/.installed-stamp
	$(BIN)/python benchmarks/policy_engine.py

# API throughput of signed IAM/STS calls: Lamina against moto's server, in one run (benchmarks/api.py).
bench-api: $(STAMP) $(BENCH_VENV)/.installed-stamp
	$(BIN)/python benchmarks/api.py

# Lambda reads as the account grows (1, 1,000, 10,000 functions): Lamina against moto's server.
bench-lambda: $(STAMP) $(BENCH_VENV)/.installed-stamp
	$(BIN)/python benchmarks/lambda_api.py

# Functions that run: warm/cold invoke latency beside a bare boto3 round trip, throughput, the API under load.
bench-invoke: $(STAMP)
	$(BIN)/python benchmarks/invoke.py

# The server under hostile load: GetUser beside the worst simulation, memory under oversized bodies.
bench-hostile: $(STAMP)
	$(BIN)/python benchmarks/hostile.py

# The long fuzz run against a real server (a short one is part of `make test`).
FUZZ_EXAMPLES ?= 3000
fuzz: $(STAMP)
	LAMINA_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q tests/fuzz

clean:
	rm -rf $(VENV) .bench-venv .cli-venv $(PEERS)/node_modules
