#!/usr/bin/env bash
# The benchmark (bench/README.md): builds the driver and the listener in Release, then runs every
# phase against a private in-memory Azurite and the dev host hosted in the driver's process.
# Arguments go to the driver (--help lists them), e.g. scripts/bench.sh --quick, --only smtp,pop3.
# Micro-benchmarks: scripts/bench.sh --micro [BenchmarkDotNet options, e.g. --filter '*Smtp*'].
# Side by side with Postfix + Dovecot: scripts/bench.sh --compare-peers (the peers must be running:
# PEER_TLS=1 ../shared/peers/setup-peers.sh setup && ../shared/peers/setup-peers.sh start, as root).
# Their mail store is emptied first (setup-peers.sh reset) so both sides start empty;
# PEERS_RESET=0 keeps it, PEERS_SCRIPT points elsewhere.
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
if [[ " $* " == *" --compare-peers "* ]]; then
  peers=${PEERS_SCRIPT:-../shared/peers/setup-peers.sh}
  if ! (exec 3<>/dev/tcp/127.0.0.1/3525) 2>/dev/null; then
    echo "warning: nothing listens on 127.0.0.1:3525; start the peers: $peers start" >&2
  elif [ "${PEERS_RESET:-1}" = 1 ] && [ -r "$peers" ] && [ "$(id -u)" = 0 ]; then
    bash "$peers" reset
  fi
fi
# 10,000 idle connections need a descriptor each on both ends.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec dotnet bench/Serverless.Bench/bin/Release/net10.0/Serverless.Bench.dll "$@"
