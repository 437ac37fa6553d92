#!/usr/bin/env bash
# Restores, builds and runs every test. Starts Azurite and pebble (the ACME test server) on free
# loopback ports for the tests and stops them by PID afterwards; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")"
source scripts/azurite.sh
source scripts/pebble.sh

azurite_install || exit 1
pebble_install || exit 1
debian_tool_install swaks "The README's examples (ReadmeExamplesTests) use swaks" || exit 1
read -r BLOB QUEUE TABLE < <(free_ports 3)
AZURITE_LOG=${AZURITE_LOG:-/dev/null} azurite_start "$BLOB" "$QUEUE" "$TABLE" --inMemoryPersistence || exit 1
trap 'azurite_stop; pebble_stop' EXIT
trap 'exit 1' INT TERM
export MAIL_TEST_STORAGE="$AZURITE_CONNECTION_STRING"
echo "Azurite for tests on 127.0.0.1:$BLOB/$QUEUE/$TABLE (pids ${AZURITE_PIDS[*]})"
read -r ACME ACME_MGMT ACME_TLS < <(free_ports 3)
read -r ACME_HTTP ACME_DNS < <(free_fixed_ports 2) # bound by the tests later: outside the ephemeral range
PEBBLE_LOG=${PEBBLE_LOG:-/dev/null} pebble_start "$PWD/.test-data/pebble" "$ACME" "$ACME_MGMT" "$ACME_HTTP" "$ACME_TLS" "$ACME_DNS" || exit 1
echo "pebble for tests on 127.0.0.1:$ACME (HTTP-01 on $ACME_HTTP, DNS from 127.0.0.1:$ACME_DNS; pid $PEBBLE_PID)"

dotnet build Serverless.sln -c Release --nologo -v quiet -clp:ErrorsOnly || exit 1
# What the listener Dockerfile runs (no Docker engine needed); the infrastructure tests start the result.
export MAIL_LISTENERS_PUBLISH_DIR="$PWD/.test-data/listeners-publish"
rm -rf "$MAIL_LISTENERS_PUBLISH_DIR"
dotnet publish listeners/Serverless.Listeners/Serverless.Listeners.csproj -c Release --nologo -v quiet -clp:ErrorsOnly -o "$MAIL_LISTENERS_PUBLISH_DIR" || exit 1
# What azd deploys to the function app; the infrastructure tests read its functions.metadata.
export MAIL_FUNCTIONS_PUBLISH_DIR="$PWD/.test-data/functions-publish"
rm -rf "$MAIL_FUNCTIONS_PUBLISH_DIR"
dotnet publish functions/Serverless.Functions/Serverless.Functions.csproj -c Release --nologo -v quiet -clp:ErrorsOnly -o "$MAIL_FUNCTIONS_PUBLISH_DIR" || exit 1
dotnet test Serverless.sln -c Release --no-build --nologo "$@"
status=$?
# Coverage-guided fuzzing of every parser and the MIME path, a few seconds each (scripts/fuzz.sh; docs/reliability.md).
FUZZ_NO_BUILD=1 scripts/fuzz.sh --seconds "${FUZZ_SECONDS:-5}" || status=1
exit $status
