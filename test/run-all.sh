#!/usr/bin/env bash
# The whole test suite: type-check, lint, build, unit and component tests, end-to-end tests in Chromium,
# then one summary. On Linux it runs inside a private D-Bus session with an unlocked GNOME Keyring, so the
# keychain tests talk to a real Secret Service and never touch the developer's own keyring (its files go to
# a fresh temporary XDG_DATA_HOME).
set -uo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${RAO_DESK_TEST_SESSION:-}" ]]; then exec bash test/with-keyring.sh bash test/run-all.sh; fi

mkdir -p out/test-results
rm -f out/test-results/vitest.json out/test-results/playwright.json
failed_steps=()
step() {
  local name=$1
  shift
  echo
  echo "=== ${name}"
  if ! "$@"; then
    failed_steps+=("$name")
  fi
}

step typecheck npm run --silent typecheck
step lint npm run --silent lint
step build bash -c 'npm run --silent build >/dev/null && npm run --silent build:harness >/dev/null && echo built'
step unit npx vitest run
step e2e npx playwright test

echo
node test/summary.mjs "${failed_steps[@]}"
