#!/usr/bin/env bash
# The benchmark (bench/README.md): builds the driver and the listener in Release, then runs every
# phase against a private in-memory Azurite and the dev host hosted in the driver's process.
# Arguments go to the driver (--help lists them), e.g. scripts/bench.sh --quick, --only smtp,pop3.
# Micro-benchmarks: scripts/bench.sh --micro [BenchmarkDotNet options, e.g. --filter '*Smtp*'].
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/azurite.sh

if [ "${1:-}" = "--micro" ]; then
  shift
  dotnet build bench/Serverless.Bench.Micro -c Release --nologo -v quiet -clp:ErrorsOnly
  cd bench/Serverless.Bench.Micro
  exec dotnet bin/Release/net10.0/Serverless.Bench.Micro.dll "${@:---filter=*}"
fi

azurite_install
dotnet build bench/Serverless.Bench -c Release --nologo -v quiet -clp:ErrorsOnly
load=$(cut -d' ' -f1 /proc/loadavg)
if awk "BEGIN{exit !($load > 1.5)}"; then
  echo "warning: load average $load: other work on this machine will distort the timings" >&2
fi
# 10,000 idle connections need a descriptor each on both ends.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec dotnet bench/Serverless.Bench/bin/Release/net10.0/Serverless.Bench.dll "$@"
