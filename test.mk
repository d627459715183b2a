# Test targets (owned by the test harness; included from Makefile).
#
#   make test       unit + protocol + end-to-end tests, with -race and -shuffle
#   make test-unit  every package except the end-to-end suite
#   make test-e2e   only the end-to-end suite (real docker, skopeo, podman, crane)
#   make tools      Go tools the end-to-end suite runs (crane) into .cache/tools/bin
#   make test-deps  the Debian packages they run (installed when root on Debian)
#
# The end-to-end suite also needs Debian packages (docker-registry, skopeo,
# podman, gnome-keyring, pass, ...): make test-deps installs them.

GO            ?= go
TOOLS_DIR     ?= $(CURDIR)/.cache/tools
CRANE_VERSION ?= v0.22.1
TEST_FLAGS    ?= -race -shuffle=on
TEST_TIMEOUT  ?= 20m
E2E_PKG       := ./e2e/...

# Tests find crane here (internal/testenv.ToolsDirEnv).
export REGKEY_TEST_TOOLS := $(TOOLS_DIR)/bin

.PHONY: test test-unit test-e2e test-deps tools

# test-deps installs the Debian packages the tests run when it can (root on
# Debian), else lists the missing ones; see scripts/test-deps.sh.
test-deps:
	@scripts/test-deps.sh

test: test-deps tools
	$(GO) test $(TEST_FLAGS) -timeout $(TEST_TIMEOUT) ./...

test-unit:
	$(GO) test $(TEST_FLAGS) -timeout $(TEST_TIMEOUT) $$($(GO) list ./... | grep -v '/e2e$$')

test-e2e: test-deps tools
	$(GO) test $(TEST_FLAGS) -timeout $(TEST_TIMEOUT) $(E2E_PKG)

tools: $(TOOLS_DIR)/crane-$(CRANE_VERSION).stamp

$(TOOLS_DIR)/crane-$(CRANE_VERSION).stamp:
	mkdir -p $(TOOLS_DIR)/bin
	GOBIN=$(TOOLS_DIR)/bin GOFLAGS= $(GO) install github.com/google/go-containerregistry/cmd/crane@$(CRANE_VERSION)
	touch $@
