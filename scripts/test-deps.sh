#!/usr/bin/env bash
# scripts/test-deps.sh — install the Debian packages regkey's tests run.
#
# Used by `make test` (through `make test-deps`) and by .ci/run. Only missing
# packages are installed, and never an upgrade: naming an installed package
# in apt-get install would upgrade it, so installed ones are left out, and
# --no-upgrade keeps apt from upgrading them anyway. It names the packages
# before it installs them. Run as root on Debian/Ubuntu it installs them;
# anywhere else it lists what is missing and exits 0, and the tests that
# need a missing program say so (and fail when CI is set).
#
# Deliberately NOT dbus-x11: with dbus-launch present, godbus spawns a leaked
# session bus whenever DBUS_SESSION_BUS_ADDRESS is unset. podman runs as root
# with --root/--runroot and the vfs driver, so it needs neither uidmap nor
# fuse-overlayfs. The docker CLI (client only) is not a Debian package here:
# machines of this kind come with it.
set -euo pipefail

packages=(
  make git curl ca-certificates jq
  docker-registry apache2-utils          # registries under test, htpasswd
  dbus gnome-keyring libsecret-tools     # Secret Service on a private bus
  pass gnupg                             # pass keystore
  skopeo podman                          # containers/image clients
  gh hyperfine                           # GHCR's gh source; benchmarks
  rpm systemd                            # TestPackage: rpm -qlp and rpm --root -i, systemd-analyze verify
  bash-completion man-db                 # completions and man pages that make install puts under PREFIX
)

missing=()
if command -v dpkg-query >/dev/null; then
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
else
  echo "test-deps: not a Debian system; the tests need: ${packages[*]}" >&2
  exit 0
fi

if ((${#missing[@]} == 0)); then
  echo "test-deps: all ${#packages[@]} Debian packages present"
  exit 0
fi
if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
  echo "test-deps: missing Debian packages: ${missing[*]}" >&2
  echo "test-deps: install them with: sudo apt-get install --no-install-recommends --no-upgrade ${missing[*]}" >&2
  exit 0
fi
echo "test-deps: ${#missing[@]} of ${#packages[@]} Debian packages are missing; installing them (and what they depend on) with apt-get: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends --no-upgrade "${missing[@]}" </dev/null
