# regkey — build, install, test.
#
#   make install    build, install regkey, docker-credential-regkey, man pages
#                   and bash/zsh/fish completions under $(PREFIX) (/usr/local
#                   for root, else ~/.local), then wire docker and podman
#   make uninstall  unwire docker and podman (regkey setup --undo), then
#                   remove everything make install installed
#   make test       every test: unit, protocol conformance, end to end with
#                   real clients (see .ci/run for the packages they need)
#   make bench      benchmarks against a floor and the reference helpers
#                   (bench.mk, BENCHMARKS.md)
#   make package    .deb and .rpm into dist/ (packaging.mk, packaging/README.md)

# root installs into /usr/local, whose bin is on every PATH (root's
# ~/.local/bin is on none on Debian); anyone else into ~/.local, which
# needs no privilege and which Debian's ~/.profile puts on PATH.
ifeq ($(shell id -u),0)
PREFIX    ?= /usr/local
else
PREFIX    ?= $(HOME)/.local
endif
BINDIR    ?= $(PREFIX)/bin
DATADIR   ?= $(PREFIX)/share
MANDIR    ?= $(DATADIR)/man
# Where bash-completion, zsh (Debian's fpath for /usr/local) and fish look
# under /usr/local and ~/.local.
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR  ?= $(DATADIR)/zsh/site-functions
FISHCOMPDIR ?= $(DATADIR)/fish/vendor_completions.d
GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
# A static binary starts faster than one that loads libc (about 0.5 ms per
# helper process, see BENCHMARKS.md); nothing in regkey needs cgo.
CGO_ENABLED ?= 0
LDFLAGS   := -s -w -X github.com/regkey/regkey/internal/version.Version=$(VERSION) \
             -X github.com/regkey/regkey/internal/version.Commit=$(COMMIT)
# BINDIR as a line for ~/.profile would spell it ($HOME for the home).
BINDIR_SH  = $(patsubst $(HOME)/%,$$HOME/%,$(BINDIR))

.PHONY: all build install uninstall setup

all: build

build:
	CGO_ENABLED=$(CGO_ENABLED) $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/regkey ./cmd/regkey

# install wires docker and podman (regkey setup) only when PATH finds the
# helper just installed: docker and podman run docker-credential-regkey
# through PATH, so wiring them to a helper they cannot find (or to another
# copy earlier on PATH) would break their logins. The man pages and
# completions are the ones make package ships (make docs, gendocs).
install: build docs
	install -d -m 0755 '$(DESTDIR)$(BINDIR)' '$(DESTDIR)$(MANDIR)/man1' \
	  '$(DESTDIR)$(BASHCOMPDIR)' '$(DESTDIR)$(ZSHCOMPDIR)' '$(DESTDIR)$(FISHCOMPDIR)'
	install -m 0755 bin/regkey '$(DESTDIR)$(BINDIR)/regkey'
	ln -sf regkey '$(DESTDIR)$(BINDIR)/docker-credential-regkey'
	install -m 0644 '$(DIST)'/docs/man/*.1.gz '$(DESTDIR)$(MANDIR)/man1/'
	install -m 0644 '$(DIST)/docs/completions/regkey.bash' '$(DESTDIR)$(BASHCOMPDIR)/regkey'
	install -m 0644 '$(DIST)/docs/completions/_regkey' '$(DESTDIR)$(ZSHCOMPDIR)/_regkey'
	install -m 0644 '$(DIST)/docs/completions/regkey.fish' '$(DESTDIR)$(FISHCOMPDIR)/regkey.fish'
ifeq ($(DESTDIR),)
	@if [ -n "$${SUDO_USER:-}" ] && [ "$$SUDO_USER" != root ]; then \
	  echo "regkey: installed into $(BINDIR). docker and podman are wired per user, and under sudo regkey setup would wire root's: run regkey setup as $$SUDO_USER" >&2; \
	  exit 0; \
	fi; \
	found=$$(command -v docker-credential-regkey || true); \
	if [ -z "$$found" ]; then \
	  echo "regkey: installed into $(BINDIR), which is not on PATH: docker and podman were NOT wired, since they could not run the new helper" >&2; \
	  echo "hint: add this line to ~/.profile, start a new login shell and run regkey setup:" >&2; \
	  echo '    export PATH="$(BINDIR_SH):$$PATH"' >&2; \
	  exit 1; \
	elif ! [ "$$found" -ef '$(BINDIR)/docker-credential-regkey' ]; then \
	  echo "regkey: installed into $(BINDIR), but PATH finds $$found first: docker and podman were NOT wired, since they would run that other copy" >&2; \
	  echo "hint: remove that copy, or put $(BINDIR) first on PATH with this line in ~/.profile, then run regkey setup:" >&2; \
	  echo '    export PATH="$(BINDIR_SH):$$PATH"' >&2; \
	  exit 1; \
	fi; \
	echo "'$(BINDIR)/regkey' setup"; '$(BINDIR)/regkey' setup
endif

# uninstall unwires docker and podman first (regkey setup --undo), so that
# they are never left naming a helper that is gone; when undo fails it stops
# with everything still installed. Then it removes what install installed.
# Under sudo, undo would unwire root's files, not the user's: it stops while
# the user's own files still name regkey.
uninstall:
ifeq ($(DESTDIR),)
	@if [ -n "$${SUDO_USER:-}" ] && [ "$$SUDO_USER" != root ]; then \
	  home=$$(getent passwd "$$SUDO_USER" | cut -d: -f6); \
	  wired=$$(grep -l '"regkey"' "$$home/.docker/config.json" "$$home/.config/containers/auth.json" \
	    "$$home/.config/containers/registries.conf.d/zz-regkey.conf" 2>/dev/null || true); \
	  if [ -n "$$wired" ]; then \
	    echo "regkey: make uninstall stopped with regkey still installed: $$SUDO_USER's files still name regkey:" $$wired >&2; \
	    echo "hint: run regkey setup --undo as $$SUDO_USER (without sudo), then make uninstall again" >&2; \
	    exit 1; \
	  fi; \
	fi
	@if [ -x '$(BINDIR)/regkey' ]; then \
	  '$(BINDIR)/regkey' setup --undo || { \
	    echo "regkey: make uninstall stopped with regkey still installed: regkey setup --undo failed (above), and docker or podman may still name regkey" >&2; \
	    echo "hint: do what it says, then run make uninstall again" >&2; \
	    exit 1; }; \
	fi
endif
	rm -f '$(DESTDIR)$(BINDIR)/regkey' '$(DESTDIR)$(BINDIR)/docker-credential-regkey'
	rm -f '$(DESTDIR)$(MANDIR)'/man1/regkey.1.gz '$(DESTDIR)$(MANDIR)'/man1/regkey-*.1.gz
	rm -f '$(DESTDIR)$(BASHCOMPDIR)/regkey' '$(DESTDIR)$(ZSHCOMPDIR)/_regkey' '$(DESTDIR)$(FISHCOMPDIR)/regkey.fish'

# packaging.mk first: test.mk names its nfpm stamp as a prerequisite.
-include packaging.mk
-include test.mk
-include bench.mk
