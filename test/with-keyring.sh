#!/usr/bin/env bash
# Runs one command inside a private D-Bus session with an unlocked GNOME Keyring, as the suite does, so a
# single test file or a benchmark that touches the keychain never uses the developer's own keyring.
# Usage: bash test/with-keyring.sh npx vitest run test/unit/cases
set -euo pipefail
if [[ -n "${RAO_DESK_TEST_SESSION:-}" ]]; then exec "$@"; fi
export RAO_DESK_TEST_SESSION=1
if [[ "$(uname -s)" != Linux ]] || ! command -v dbus-run-session >/dev/null \
  || ! command -v gnome-keyring-daemon >/dev/null; then
  exec "$@"
fi
exec dbus-run-session -- bash -c \
  'export XDG_DATA_HOME="$(mktemp -d)"; eval "$(printf test | gnome-keyring-daemon --unlock --components=secrets)" >/dev/null; exec "$@"' \
  keyring "$@"
