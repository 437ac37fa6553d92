#!/usr/bin/env bash
# The spam filter's quality through the whole local stack (bench/README.md, "Spam filter quality,
# end to end"): starts ./run.sh on ports of its own (base $QUALITY_PORT_BASE, 17000) with a fresh
# data directory and a loopback DNS server that answers NXDOMAIN, then runs
# scripts/spam-quality-e2e.py: a new mailbox learns 500 spam + 500 ham of the SpamAssassin corpus
# through IMAP (MOVE to Junk, $NotJunk), every other message comes in through the MX, and the script
# counts what landed in Junk. Arguments go to the Python driver (e.g. --train 300). Stops the stack
# when done.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/spam-corpus.sh
base=${QUALITY_PORT_BASE:-17000}
data=$(mktemp -d "${TMPDIR:-/tmp}/spam-quality-XXXXXX")
export MAIL_DATA_DIR=$data MAIL_DEMO=0
export AZURITE_BLOB_PORT=$((base)) AZURITE_QUEUE_PORT=$((base + 1)) AZURITE_TABLE_PORT=$((base + 2))
export Mail__Api__Port=$((base + 71)) Mail__Listeners__Ports__Smtp=$((base + 25)) Mail__Listeners__Ports__Imap=$((base + 43))
export Mail__Listeners__Ports__Submission=0 Mail__Listeners__Ports__Submissions=0 Mail__Listeners__Ports__Imaps=0
export Mail__Listeners__Ports__Pop3=0 Mail__Listeners__Ports__Pop3s=0 Mail__Listeners__Ports__ManageSieve=0 Mail__Listeners__Ports__Health=0
export Mail__Dns__Servers=127.0.0.1:$((base + 53))
./run.sh > "$data/run.log" 2>&1 &
stack=$!
trap 'kill -TERM $stack 2>/dev/null; wait $stack 2>/dev/null || true; rm -rf "$data"' EXIT
# ./run.sh builds first: on a busy machine that alone can take minutes.
ready=0
for _ in $(seq 1 1200); do
  if node -e "require('http').get('http://127.0.0.1:$Mail__Api__Port/api/health',r=>process.exit(r.statusCode==200?0:1)).on('error',()=>process.exit(1))" 2>/dev/null; then ready=1; break; fi
  if ! kill -0 $stack 2>/dev/null; then cat "$data/run.log" >&2; exit 1; fi
  sleep 1
done
if [ $ready = 0 ] || [ ! -s "$data/admin-key" ]; then echo "the stack did not become ready in 20 minutes (log: $data/run.log)" >&2; tail -20 "$data/run.log" >&2; exit 1; fi
python3 scripts/spam-quality-e2e.py --corpus "$corpus" --api "http://127.0.0.1:$Mail__Api__Port/api" \
  --admin-key "$(cat "$data/admin-key")" --imap-port $((base + 43)) --smtp-port $((base + 25)) --dns-port $((base + 53)) "$@"
