#!/usr/bin/env bash
# The full exactly-once load run (docs/reliability.md): RELIABILITY_LOAD_MESSAGES messages (default
# 10,000) over RELIABILITY_LOAD_SESSIONS concurrent SMTP sessions (default 20) through the real MX
# listener and the ingest function of the dev host, on a private Azurite. Prints the FIGURES line.
#   scripts/load.sh                      # 10,000 messages
#   RELIABILITY_LOAD_MESSAGES=2000 scripts/load.sh
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/azurite.sh
azurite_install || exit 1
read -r BLOB QUEUE TABLE < <(free_ports 3)
azurite_start "$BLOB" "$QUEUE" "$TABLE" --inMemoryPersistence || exit 1
trap azurite_stop EXIT INT TERM
export MAIL_TEST_STORAGE="$AZURITE_CONNECTION_STRING"
export RELIABILITY_LOAD_MESSAGES=${RELIABILITY_LOAD_MESSAGES:-10000}
dotnet build tests/Serverless.Reliability.Tests -c Release --nologo -v quiet -clp:ErrorsOnly || exit 1
dotnet test tests/Serverless.Reliability.Tests -c Release --no-build --nologo \
  --filter "FullyQualifiedName~ExactlyOnceLoadTests" --logger "console;verbosity=detailed" | grep -E -A6 "FIGURES|Error Message|Passed!|Failed!"
exit "${PIPESTATUS[0]}"
