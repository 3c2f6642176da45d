# autoresearch — build, run and test. See README.md.
GO      ?= go
BIN     ?= bin/autoresearch
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
PKG     := github.com/autoresearch/autoresearch/internal/cli
LDFLAGS := -s -w -X $(PKG).Version=$(VERSION) -X $(PKG).Commit=$(COMMIT)

# Tiny Shakespeare ships beside the repository in this project's workspace.
ifneq ($(wildcard ../shared/data/tinyshakespeare/input.txt),)
export AUTORESEARCH_DATA_DIR ?= $(abspath ../shared/data)
endif
# A virtualenv made by scripts/install-deps.sh (non-Debian systems) wins.
ifneq ($(wildcard .venv/bin/python),)
export AUTORESEARCH_PYTHON ?= $(abspath .venv/bin/python)
endif

.PHONY: all deps build run test fmt-check vet bench-overhead clean

all: build

deps:
	./scripts/install-deps.sh

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

# The main job on the embedded default: check the machine, then measure
# the fashion-mnist baseline (offline, no API key).
run: deps build
	./$(BIN) doctor || true
	./$(BIN) baseline --task fashion-mnist
	./$(BIN) status --task fashion-mnist

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

test: fmt-check vet
	$(GO) test -count=1 -timeout 20m ./...

# Per-seed overhead (wall time - budget) of every task's baseline on CPU.
bench-overhead: build
	./scripts/bench-overhead.sh $(BIN)

clean:
	rm -rf bin
