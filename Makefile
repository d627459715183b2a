# regkey — build, install, test.
#
#   make install   build, install regkey and docker-credential-regkey into
#                  $(PREFIX)/bin (default ~/.local/bin) and wire docker
#   make test      every test: unit, protocol conformance, end to end with
#                  real clients (see .ci/run for the packages they need)
#   make bench     benchmarks against a floor and the reference helpers
#                  (bench.mk, BENCHMARKS.md)
#   make package   .deb and .rpm into dist/ (packaging.mk, packaging/README.md)

PREFIX    ?= $(HOME)/.local
BINDIR    ?= $(PREFIX)/bin
GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
# A static binary starts faster than one that loads libc (about 0.5 ms per
# helper process, see BENCHMARKS.md); nothing in regkey needs cgo.
CGO_ENABLED ?= 0
LDFLAGS   := -s -w -X github.com/regkey/regkey/internal/version.Version=$(VERSION) \
             -X github.com/regkey/regkey/internal/version.Commit=$(COMMIT)

.PHONY: all build install uninstall setup

all: build

build:
	CGO_ENABLED=$(CGO_ENABLED) $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/regkey ./cmd/regkey

# install wires docker and podman (regkey setup) only when PATH finds the
# helper just installed: docker and podman run docker-credential-regkey
# through PATH, so wiring them to a helper they cannot find (or to another
# copy earlier on PATH) would break their logins.
install: build
	install -d -m 0755 $(DESTDIR)$(BINDIR)
	install -m 0755 bin/regkey $(DESTDIR)$(BINDIR)/regkey
	ln -sf regkey $(DESTDIR)$(BINDIR)/docker-credential-regkey
ifeq ($(DESTDIR),)
	@found=$$(command -v docker-credential-regkey || true); \
	if [ -z "$$found" ] || ! [ "$$found" -ef "$(BINDIR)/docker-credential-regkey" ]; then \
	  echo "regkey: installed into $(BINDIR), but PATH finds $${found:-no docker-credential-regkey}; docker and podman were NOT wired, since they could not run the new helper" >&2; \
	  echo "hint: put $(BINDIR) first on PATH (for example in ~/.profile) and run regkey setup, or install with PREFIX=/usr/local" >&2; \
	  exit 1; \
	fi
	$(BINDIR)/regkey setup
endif

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/regkey $(DESTDIR)$(BINDIR)/docker-credential-regkey

# packaging.mk first: test.mk names its nfpm stamp as a prerequisite.
-include packaging.mk
-include test.mk
-include bench.mk
