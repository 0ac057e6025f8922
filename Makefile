# lexcrew: `make run` starts the service on the embedded default; `make test` runs the tests.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SAMPLE ?= samples/AMERICANPHYSICIANSCAPITALINC_03_31_2003-EX-10.26-AGENCY_AGREEMENT.pdf
export CMAKE_BUILD_PARALLEL_LEVEL ?= 2
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# llama-cpp-python is compiled here for this CPU, but without the AMX kernels: on CPUs that
# have AMX they crash decoding Gemma 3's Q4_K weights (ggml-org/llama.cpp#20824). x86-64 only.
ifeq ($(shell uname -m),x86_64)
NO_AMX := -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
export CFLAGS += $(NO_AMX)
export CXXFLAGS += $(NO_AMX)
endif

.PHONY: run review bench-api bench-gateway screenshots test test-slow test-all test-unit test-integration lint format eval bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

# Reinstall whenever the dependency list changes. torch first, so pip takes the CPU wheel. No
# wheel cache for the rest: a cached llama-cpp-python may have been built with other flags.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --upgrade "pip>=25" >/dev/null
	$(BIN)/pip install "torch==2.13.0"
	$(BIN)/pip install --no-cache-dir -e ".[dev,model-server]"
	touch $(STAMP)

# The service on http://127.0.0.1:8000 (API docs at /docs) with its own worker, no Redis needed.
run: $(STAMP)
	$(BIN)/lexcrew serve

# One contract reviewed from the command line, no server.
review: $(STAMP)
	$(BIN)/lexcrew review $(SAMPLE) --out out/$(notdir $(basename $(SAMPLE))).json

# Everything but the suites marked `slow` (each over a minute: LoRA training, the registration
# gate, durability under restarts); CI runs those too, with `make test-slow`. Both print
# their 15 slowest tests, to see where CI's time goes.
test: $(STAMP)
	$(BIN)/pytest -q -m "not slow" --durations=15

test-slow: $(STAMP)
	$(BIN)/pytest -q -m slow --durations=15

test-all: $(STAMP)
	$(BIN)/pytest -q

# The browser tests, saving their screenshots for the README.
screenshots: $(STAMP)
	LEXCREW_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q tests/e2e

test-unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

test-integration: $(STAMP)
	$(BIN)/pytest -q tests/integration

lint: $(STAMP)
	$(BIN)/ruff check app agents workers web tests bench
	$(BIN)/ruff format --check app agents workers web tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format app agents workers web tests bench
	$(BIN)/ruff check --fix app agents workers web tests bench

eval: $(STAMP)
	$(BIN)/lexcrew eval ../shared/cuad/dev --out out/eval-dev

bench: $(STAMP)
	$(BIN)/pip install -e ".[dev,bench]"
	$(BIN)/python bench/ingest.py

# Upload latency with 50 clients and batch throughput with 1 and 2 worker threads.
bench-api: $(STAMP)
	$(BIN)/python bench/api_load.py

# Gateway overhead per call and cache lookup latency at 10k and 100k entries.
bench-gateway: $(STAMP)
	$(BIN)/python bench/gateway.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
