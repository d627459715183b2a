# Test targets (owned by the test harness; included from Makefile).
#
#   make test       unit + protocol + end-to-end tests, with -race and -shuffle
#   make test-unit  every package except the end-to-end suite
#   make test-e2e   only the end-to-end suite (real docker, skopeo, podman, crane)
#   make lint       gofmt, go vet and staticcheck
#   make tools      Go tools, pinned, into .cache/tools/bin: crane and nfpm
#                   (the end-to-end suite runs them) and staticcheck (make lint)
#   make test-deps  the Debian packages the tests run (installed when root on Debian)
#
# The end-to-end suite also needs Debian packages (docker-registry, skopeo,
# podman, gnome-keyring, pass, ...): make test-deps installs them.

GO                  ?= go
TOOLS_DIR           ?= $(CURDIR)/.cache/tools
CRANE_VERSION       ?= v0.22.1
STATICCHECK_VERSION ?= v0.8.2
TEST_FLAGS          ?= -race -shuffle=on
TEST_TIMEOUT        ?= 20m
# The end-to-end tests mostly wait on the programs they run (docker,
# skopeo, podman, registries), so more of them run at once than there are
# CPUs (go test's default -parallel).
E2E_PARALLEL        ?= 6
E2E_PKG             := ./e2e/...

CRANE_STAMP         := $(TOOLS_DIR)/crane-$(CRANE_VERSION).stamp
# staticcheck must be built by the Go release that checks the code: a
# binary built by an older Go cannot load newer standard library packages.
STATICCHECK_STAMP    = $(TOOLS_DIR)/staticcheck-$(STATICCHECK_VERSION)-$(shell $(GO) env GOVERSION).stamp

# Tests find crane here (internal/testenv.ToolsDirEnv).
export REGKEY_TEST_TOOLS := $(TOOLS_DIR)/bin

.PHONY: test test-unit test-e2e test-deps tools lint

# test-deps installs the Debian packages the tests run when it can (root on
# Debian), else lists the missing ones; see scripts/test-deps.sh.
test-deps:
	@scripts/test-deps.sh

# The end-to-end suite runs crane, and nfpm through make package
# (TestPackage): they are built here rather than inside a test.
E2E_TOOLS           := $(CRANE_STAMP) $(NFPM_STAMP)

test: test-deps $(E2E_TOOLS)
	$(GO) test $(TEST_FLAGS) -timeout $(TEST_TIMEOUT) -parallel $(E2E_PARALLEL) ./...

test-unit: test-deps
	$(GO) test $(TEST_FLAGS) -timeout $(TEST_TIMEOUT) $$($(GO) list ./... | grep -v '/e2e$$')

test-e2e: test-deps $(E2E_TOOLS)
	$(GO) test $(TEST_FLAGS) -timeout $(TEST_TIMEOUT) -parallel $(E2E_PARALLEL) $(E2E_PKG)

# lint checks the code as the release build compiles it (CGO_ENABLED,
# -trimpath): what go vet and staticcheck compile is then in the build cache
# for the binary the tests build (testenv.BuildRegkey), make install and
# make package, which only link.
LINT_ENV            = CGO_ENABLED=$(CGO_ENABLED) GOFLAGS='$(strip $(GOFLAGS) -trimpath)'

lint: $(STATICCHECK_STAMP)
	@files=$$(git ls-files '*.go') && test -n "$$files" || { echo "git ls-files lists no Go files"; exit 1; }; \
	  out=$$(gofmt -l $$files) || exit 1; \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(LINT_ENV) $(GO) vet ./...
	$(LINT_ENV) $(GO) vet -tags bench ./bench
	$(LINT_ENV) $(TOOLS_DIR)/bin/staticcheck ./...

tools: $(E2E_TOOLS) $(STATICCHECK_STAMP)

$(CRANE_STAMP):
	mkdir -p $(TOOLS_DIR)/bin
	GOBIN=$(TOOLS_DIR)/bin GOFLAGS= $(GO) install github.com/google/go-containerregistry/cmd/crane@$(CRANE_VERSION)
	touch $@

$(STATICCHECK_STAMP):
	mkdir -p $(TOOLS_DIR)/bin
	GOBIN=$(TOOLS_DIR)/bin GOFLAGS= $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	rm -f $(TOOLS_DIR)/staticcheck-*.stamp
	touch $@
