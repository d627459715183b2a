#!/bin/sh
# regkey's package removal script: the .deb's prerm and the .rpm's %preun.
#
# `regkey setup` wires docker and podman per user: it edits that user's
# ~/.docker/config.json, podman's auth.json and a registries.conf drop-in, and
# moves the user's plaintext logins into that user's keystore. The package is
# removed by root, for the whole system, and cannot undo each user's setup:
# undoing puts the logins back from the user's keystore, which only that
# user's session can open (an OS keyring on their D-Bus, their gpg key, their
# file key). So this script changes nothing. On removal (not on upgrade) it
# names each user whose files still name regkey, since their docker and
# podman will fail to log in or to pull private images once the helper is
# gone, and says how to undo it. `regkey doctor` names such a wiring too.
#
# It reads the standard places only (a DOCKER_CONFIG or REGISTRY_AUTH_FILE
# set in a user's environment is not known here), and prefixes every path
# with $DPKG_ROOT, which dpkg sets when it acts on another root directory.
set -u

case "${1:-}" in
remove | purge | 0) ;; # deb: remove, purge; rpm: 0 instances left (erase)
*) exit 0 ;;           # upgrades, and everything else
esac

root=${DPKG_ROOT:-}
[ -r "$root/etc/passwd" ] || exit 0
wired=
while IFS=: read -r user _ _ _ _ home _; do
	[ -n "$home" ] && [ "$home" != / ] && [ -d "$root$home" ] || continue
	files=
	for f in "$home/.docker/config.json" "$home/.config/containers/auth.json" \
		"$home/.config/containers/registries.conf.d/zz-regkey.conf"; do
		# credsStore, credHelpers and credential-helpers name it "regkey".
		if [ -f "$root$f" ] && grep -q '"regkey"' "$root$f" 2>/dev/null; then
			files="$files $f"
		fi
	done
	[ -n "$files" ] && wired="$wired
  $user:$files"
done <"$root/etc/passwd"

if [ -n "$wired" ]; then
	cat >&2 <<MSG
regkey: these users' docker or podman files still name regkey as their
credential helper; once it is removed, their logins to private registries fail:$wired
The package cannot undo each user's \`regkey setup\`: the logins it moved are in
that user's keystore, which only they can open. To undo it, reinstall regkey and
run \`regkey setup --undo\` as each of them, then remove the package; or delete
the "regkey" entries (and the zz-regkey.conf drop-in) by hand and log in again.
MSG
fi
exit 0
