# Two entry points, each doing its own set-up on a fresh machine:
#   make example   build the graph of the bundled example articles (no server needed)
#   make test      the whole test suite (installs Chromium and starts a real Neo4j as needed)
PYTHON ?= python3
VENV   := .venv
STAMP  := $(VENV)/.installed

.PHONY: example test install
example: $(STAMP)
	$(VENV)/bin/kg build examples/*.txt -o out/example
	@echo "Open out/example/graph.html in a browser; triples in out/example/triples.jsonl."

test: $(STAMP)
	bash scripts/test.sh

install: $(STAMP)

$(STAMP): pyproject.toml scripts/install.sh
	bash scripts/install.sh $(VENV) $(PYTHON)
	touch $(STAMP)
