# Shared by run.sh and test.sh: install the pinned Azurite if missing, start it, wait until it answers.
# Usage: source scripts/azurite.sh; azurite_install; azurite_start <blob> <queue> <table> [--location DIR | --inMemoryPersistence]
# Sets AZURITE_PID and AZURITE_CONNECTION_STRING.

azurite_install() {
  if [ ! -f node_modules/azurite/dist/src/azurite.js ]; then
    echo "Installing Azurite (pinned in package.json)..."
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

azurite_start() {
  local blob=$1 queue=$2 table=$3; shift 3
  local log=${AZURITE_LOG:-/dev/null}
  # node directly (not npx) so AZURITE_PID is Azurite itself; telemetry off so one SIGTERM ends it.
  node node_modules/azurite/dist/src/azurite.js --disableTelemetry --silent \
    --blobHost 127.0.0.1 --blobPort "$blob" --queueHost 127.0.0.1 --queuePort "$queue" \
    --tableHost 127.0.0.1 --tablePort "$table" "$@" >"$log" 2>&1 &
  AZURITE_PID=$!
  local key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
  AZURITE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${key};BlobEndpoint=http://127.0.0.1:${blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:${queue}/devstoreaccount1;TableEndpoint=http://127.0.0.1:${table}/devstoreaccount1;"
  for _ in $(seq 1 100); do
    if node -e "const n=require('net');let ok=0;for(const p of [$blob,$queue,$table]){const s=n.connect(p,'127.0.0.1',()=>{s.end();if(++ok==3)process.exit(0)});s.on('error',()=>process.exit(1))}" 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$AZURITE_PID" 2>/dev/null; then
      echo "Azurite exited during startup (ports $blob/$queue/$table in use?)" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "Azurite did not start" >&2
  return 1
}

azurite_stop() {
  if [ -n "${AZURITE_PID:-}" ] && kill -0 "$AZURITE_PID" 2>/dev/null; then
    kill -TERM "$AZURITE_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$AZURITE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$AZURITE_PID" 2>/dev/null || true
    wait "$AZURITE_PID" 2>/dev/null || true
  fi
  AZURITE_PID=
}

# Three free TCP ports on loopback, space separated.
free_ports() {
  node -e "
    const net=require('net');const out=[];
    (function next(){ if(out.length==${1:-3}){console.log(out.join(' '));return;}
      const s=net.createServer();s.listen(0,'127.0.0.1',()=>{out.push(s.address().port);s.close(next);}); })();"
}
