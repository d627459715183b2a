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

install: build
	install -d -m 0755 $(DESTDIR)$(BINDIR)
	install -m 0755 bin/regkey $(DESTDIR)$(BINDIR)/regkey
	ln -sf regkey $(DESTDIR)$(BINDIR)/docker-credential-regkey
	@case ":$$PATH:" in *":$(BINDIR):"*) ;; *) \
	  echo "NOTE: $(BINDIR) is not on your PATH; docker finds docker-credential-regkey only through PATH." >&2 ;; esac
ifeq ($(DESTDIR),)
	$(BINDIR)/regkey setup
endif

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/regkey $(DESTDIR)$(BINDIR)/docker-credential-regkey

-include test.mk
-include bench.mk
-include packaging.mk
