# autoresearch — build, run and test. See README.md.
GO      ?= go
BIN     ?= bin/autoresearch
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
PKG     := github.com/autoresearch/autoresearch/internal/cli
LDFLAGS := -s -w -X $(PKG).Version=$(VERSION) -X $(PKG).Commit=$(COMMIT)

# A virtualenv made by scripts/install-deps.sh (non-Debian systems) is
# used unless AUTORESEARCH_PYTHON is set; looked for when a recipe runs,
# since deps may have just made it.
WITH_VENV = AUTORESEARCH_PYTHON="$${AUTORESEARCH_PYTHON:-$$(test -x .venv/bin/python && echo $(CURDIR)/.venv/bin/python)}"

GOLANGCI_VERSION := v2.15.0
GOLANGCI := bin/tools/golangci-lint-$(GOLANGCI_VERSION)

.PHONY: all deps test-deps build check-build install run test test-bare lint fmt-check vet bench-overhead clean

all: build

deps:
	./scripts/install-deps.sh

# What the tests need besides: Chromium for the browser tests, git.
test-deps:
	./scripts/install-deps.sh --test

# A static binary (no cgo) with the version and commit embedded.
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

# The release binary is static and names its version and commit.
check-build: build
	./$(BIN) version | grep -E '^autoresearch \S+ \(commit [0-9a-f]+'
	! ldd $(BIN) >/dev/null 2>&1 || (echo "$(BIN) is dynamically linked"; exit 1)

install:
	CGO_ENABLED=0 $(GO) install -trimpath -ldflags '$(LDFLAGS)' ./...

# The main job on the embedded default: check the machine, then run the
# research loop on fashion-mnist with the offline proposer (no API key):
# the baseline, then a handful of experiments kept or discarded.
run: deps build
	$(WITH_VENV) ./$(BIN) doctor || true
	$(WITH_VENV) ./$(BIN) run --task fashion-mnist --proposer search --max-experiments 4 --train-seconds 10

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# golangci-lint builds from the module proxy at a pinned version.
$(GOLANGCI):
	mkdir -p bin/tools
	GOBIN=$(abspath bin/tools) GOFLAGS= $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION)
	mv bin/tools/golangci-lint $(GOLANGCI)

# The binary builds for macOS too (isolation none there): vet type-checks
# every package, tests included, for both of its architectures.
lint: fmt-check vet $(GOLANGCI)
	$(GOLANGCI) run ./...
	GOOS=darwin GOARCH=amd64 $(GO) vet ./...
	GOOS=darwin GOARCH=arm64 $(GO) vet ./...

# Install what the tests need, lint, then every test with the race
# detector (real PyTorch runs, isolation and browsers included). A test
# that would skip for a missing dependency fails here (plain `go test
# ./...` skips it, naming what is missing).
test: test-deps lint
	$(WITH_VENV) AUTORESEARCH_TEST_DISALLOW_SKIP=1 $(GO) test -race -count=1 -timeout 30m ./...

# The fast tier as on a machine with only Go (root: hides PyTorch,
# bubblewrap, Chromium and the data sets in a private mount namespace).
test-bare:
	./scripts/test-bare.sh

# Per-seed overhead (wall time - budget) of every task's baseline on CPU.
bench-overhead: build
	$(WITH_VENV) ./scripts/bench-overhead.sh $(BIN)

clean:
	rm -rf bin
