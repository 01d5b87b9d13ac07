# Everything runs from a local virtualenv that these targets create: `make demo`, `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The pinned openai matrix CI checks besides the newest 3.x (which `make test` installs): the declared minimum, the
# newest 1.x, the newest 2.x and the oldest tested 3.x (the tested range per major is cli/_versions.py's TESTED_OPENAI).
MATRIX ?= 1.92.0 1.109.1 2.54.0 3.57.0
# The other CPython versions CI runs the suite on (`make pythons`); the default interpreter is PYTHON.
PYTHONS ?= 3.10 3.12 3.13
PIPFLAGS ?= -q
# The suite runs on every core (pytest-xdist); WORKERS=0 runs it in one process.
WORKERS ?= auto
PYTEST := -q -p no:cacheprovider -n $(WORKERS)
# The matrix, newest and Python jobs skip the tests marked `once` (see pyproject's markers), which `make test` runs.
AGAIN := not once
PYTEST_AGAIN := $(PYTEST) -m "$(AGAIN)"

.PHONY: install demo test lint docs matrix newest pythons frameworks frameworks-newest bench soak clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIPFLAGS) -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

DOCS_STAMP := $(VENV)/.installed-docs
$(DOCS_STAMP): $(STAMP)
	$(BIN)/pip install $(PIPFLAGS) -e '.[test,docs]'
	touch $(DOCS_STAMP)

# Three parts, each announced: the quick start against the fake (what `vertex-openai demo` runs), every cassette in
# cassettes/ replayed, then every example script replaying its own cassette, each introduced by its docstring.
demo: $(STAMP)
	@echo "== 1/3 python -m vertex_openai.demo: the quick start against the loopback fake (same as vertex-openai demo)"
	$(BIN)/python -m vertex_openai.demo
	@echo; echo "== 2/3 examples/replay_cassettes.py: every cassette in cassettes/ replayed through the real client"
	$(BIN)/python examples/replay_cassettes.py
	@echo; echo "== 3/3 every script in examples/, each replaying its own cassette (offline):"
	@set -e; for f in examples/[a-z]*.py; do [ "$$f" = examples/replay_cassettes.py ] && continue; \
	  echo; echo "== $$f: $$(sed -n '1{s/^"""//;s/"""$$//;p;}' $$f)"; $(BIN)/python $$f; done

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST)

lint: $(STAMP)
	$(BIN)/ruff check src tests tests_frameworks benchmarks examples cassettes docs
	$(BIN)/mypy

# The docs site, built strictly: a broken link between pages or a missing heading anchor fails the build;
# external links are listed in docs/_build/external-links.txt, not fetched. Snippets run in tests/test_docs_snippets.py.
docs: $(DOCS_STAMP)
	$(BIN)/sphinx-build -E -W --keep-going -n -q -b html docs docs/_build/html

matrix:
	@set -e; for v in $(MATRIX); do \
	  venv=$(VENV)-openai-$$v; \
	  if [ ! -f $$venv/.installed ]; then \
	    $(PYTHON) -m venv $$venv && $$venv/bin/pip install $(PIPFLAGS) -e '.[test]' "openai==$$v" && touch $$venv/.installed; \
	  fi; \
	  echo "== openai $$v (pinned)"; \
	  $$venv/bin/python -m pytest $(PYTEST_AGAIN); \
	done

# The newest openai 1.x, 2.x and 3.x on the package index now (printed), each not already run above.
newest: $(STAMP)
	PYTHON=$(PYTHON) PIPFLAGS=$(PIPFLAGS) VENV=$(VENV) MATRIX="$(MATRIX)" PYTEST_ARGS="$(PYTEST)" PYTEST_MARK="$(AGAIN)" bash .ci/newest.sh

# The suite on the other supported CPython versions, found on PATH or in pyenv's versions folder.
pythons:
	PIPFLAGS=$(PIPFLAGS) VENV=$(VENV) PYTHONS="$(PYTHONS)" PYTEST_ARGS="$(PYTEST)" PYTEST_MARK="$(AGAIN)" bash .ci/pythons.sh

# Framework flows (instructor, pydantic-ai, langchain-openai, openai-agents, llama-index) against the fake, in
# venvs of their own per framework group and openai major (kept in ~/.cache/vertex-openai-frameworks, reused while
# tests_frameworks/requirements/ and the pins are unchanged).
frameworks:
	PYTHON=$(PYTHON) PIPFLAGS=$(PIPFLAGS) bash tests_frameworks/run.sh

# The same flows on the newest framework releases that resolve with the newest openai of each group's major.
frameworks-newest:
	PYTHON=$(PYTHON) PIPFLAGS=$(PIPFLAGS) FRAMEWORKS_NEWEST=1 bash tests_frameworks/run.sh

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

soak: $(STAMP)
	VERTEX_OPENAI_SOAK=1 $(BIN)/python -m pytest -q -m soak -p no:cacheprovider

clean:
	rm -rf $(VENV) $(VENV)-openai-* $(VENV)-py* dist build docs/_build docs/api .pytest_cache .mypy_cache .ruff_cache
