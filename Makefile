# One command to set up and test, one to run: see README.md.
# Everything a fresh Debian machine lacks is installed here: the Debian
# packages (with apt-get when running as root), a venv, and the package.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEB_PACKAGES := pcscd libpcsclite-dev swig vsmartcard-vpcd pcsc-tools systemd redis-server chromium openssl fonts-noto-core xvfb xauth poppler-utils \
	libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libegl1 libgl1 libxkbcommon-x11-0 postgresql
PYTEST_ARGS ?=
# e.g. make bench BENCH_ARGS="--write docs/bench.md" (store the output), or --only verifier,apdus
BENCH_ARGS ?=

.PHONY: all install system-deps test run bench pulled fuzz lint clean

all: test

system-deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "NOTE: Debian packages missing:$$missing"; \
	    echo "      install them with: sudo apt-get install$$missing"; \
	    echo "      (without them the PC/SC tests are skipped and only the emulator works)"; \
	  fi; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: system-deps $(STAMP)

test: install
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

run: install
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] && $(BIN)/python -c "import gui.app" 2>/dev/null; then \
	  $(BIN)/idcard-gui --demo; \
	else \
	  echo "No display (or Qt cannot load here): running the CLI demo on the built-in demo card; the desktop app needs a screen."; \
	  $(BIN)/idcard demo; \
	fi

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

# Every APDU of `idcard read` and `idcard token` x {removed, garbage, wrong MAC, silence}.
pulled: install
	$(BIN)/python -m bench.pulled

# The fuzz campaign (docs/fuzz.md); FUZZ_ARGS e.g. "--inputs 1000000 --family tlv".
FUZZ_ARGS ?= --inputs 20000
fuzz: install
	nice -n 10 $(BIN)/python -m bench.fuzz $(FUZZ_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
