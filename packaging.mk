# Packaging targets (included from Makefile).
#
#   make package    .deb and .rpm for $(PKG_ARCH) (default: this machine's)
#                   into $(DIST): /usr/bin/regkey, docker-credential-regkey,
#                   bash/zsh/fish completions, man pages, a systemd user timer
#   make docs       man pages and completions into $(DIST)/docs
#   make manifests  Homebrew formula and Scoop manifest from a goreleaser
#                   release's checksums ($(DIST)/release/checksums.txt)
#
# Release archives for every platform: goreleaser release -f packaging/goreleaser.yaml.
# nfpm is built from the Go module proxy into $(TOOLS_DIR); it is a build tool,
# never a dependency of regkey.

DIST         ?= $(CURDIR)/dist
TOOLS_DIR    ?= $(CURDIR)/.cache/tools
NFPM_VERSION ?= v2.45.2
NFPM         := $(TOOLS_DIR)/bin/nfpm
NFPM_STAMP   := $(TOOLS_DIR)/nfpm-$(NFPM_VERSION).stamp
PKG_ARCH     ?= $(shell $(GO) env GOARCH)
PKG_VERSION  ?= $(shell sh packaging/pkgversion.sh '$(VERSION)')
DOCS_DATE    ?= $(shell git log -1 --format=%cs 2>/dev/null || date -u +%Y-%m-%d)

.PHONY: package docs manifests

package: docs $(NFPM_STAMP)
	CGO_ENABLED=0 GOOS=linux GOARCH=$(PKG_ARCH) $(GO) build -trimpath -ldflags '$(LDFLAGS)' \
	  -o '$(DIST)/build/regkey' ./cmd/regkey
	for p in deb rpm; do \
	  PKG_DIST='$(DIST)' PKG_ARCH='$(PKG_ARCH)' PKG_VERSION='$(PKG_VERSION)' \
	    $(NFPM) package --config packaging/nfpm.yaml --packager $$p --target '$(DIST)/' || exit 1; \
	done

# gendocs is built with the release build's flags, so that it shares the
# compiled packages in the build cache with it.
docs:
	CGO_ENABLED=$(CGO_ENABLED) $(GO) run -trimpath ./internal/cli/gendocs -out '$(DIST)/docs' -version '$(VERSION)' -date '$(DOCS_DATE)'

manifests:
	$(GO) run ./packaging/render -version '$(VERSION)' -checksums '$(DIST)/release/checksums.txt' \
	  -out '$(DIST)/manifests'

$(NFPM_STAMP):
	mkdir -p $(TOOLS_DIR)/bin
	GOBIN=$(TOOLS_DIR)/bin GOFLAGS= $(GO) install github.com/goreleaser/nfpm/v2/cmd/nfpm@$(NFPM_VERSION)
	touch $@
