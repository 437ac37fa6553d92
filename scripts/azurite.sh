# Shared by run.sh and test.sh: install the pinned Azurite if missing, start it, wait until it answers.
# Usage: source scripts/azurite.sh; azurite_install; azurite_start <blob> <queue> <table> [--location DIR | --inMemoryPersistence]
# Sets AZURITE_PIDS (blob, queue, table), AZURITE_PID (the table service's) and AZURITE_CONNECTION_STRING.

azurite_install() {
  if [ ! -f node_modules/azurite/dist/src/azurite.js ]; then
    echo "Installing Azurite (pinned in package.json)..."
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

azurite_start() {
  local blob=$1 queue=$2 table=$3; shift 3
  local log=${AZURITE_LOG:-/dev/null} service port
  # One node process per service (the package's azurite-blob/-queue/-table): node runs a process's
  # JavaScript on one core, and in one process the three services share it — the ceiling of every
  # throughput figure (bench/README.md). With --location they share the directory, each its own files.
  # node directly (not npx) so the PIDs are Azurite's own; telemetry off so one SIGTERM ends each.
  AZURITE_PIDS=()
  : >"$log"
  for service in blob queue table; do
    case $service in blob) port=$blob;; queue) port=$queue;; table) port=$table;; esac
    node "node_modules/azurite/dist/src/$service/main.js" --disableTelemetry --silent \
      "--${service}Host" 127.0.0.1 "--${service}Port" "$port" "$@" >>"$log" 2>&1 &
    AZURITE_PIDS+=($!)
  done
  AZURITE_PID=${AZURITE_PIDS[2]}
  local key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
  AZURITE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${key};BlobEndpoint=http://127.0.0.1:${blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:${queue}/devstoreaccount1;TableEndpoint=http://127.0.0.1:${table}/devstoreaccount1;"
  local pid
  for _ in $(seq 1 100); do
    if node -e "const n=require('net');let ok=0;for(const p of [$blob,$queue,$table]){const s=n.connect(p,'127.0.0.1',()=>{s.end();if(++ok==3)process.exit(0)});s.on('error',()=>process.exit(1))}" 2>/dev/null; then
      return 0
    fi
    for pid in "${AZURITE_PIDS[@]}"; do
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "Azurite exited during startup (ports $blob/$queue/$table in use?)" >&2
        azurite_stop
        return 1
      fi
    done
    sleep 0.1
  done
  echo "Azurite did not start" >&2
  azurite_stop
  return 1
}

azurite_stop() {
  local pid
  for pid in ${AZURITE_PIDS[@]+"${AZURITE_PIDS[@]}"}; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in ${AZURITE_PIDS[@]+"${AZURITE_PIDS[@]}"}; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  AZURITE_PIDS=()
  AZURITE_PID=
}

# Free loopback ports outside the kernel's ephemeral range (20000-32767), free for TCP and UDP,
# space separated: for ports a test binds only minutes later (pebble's HTTP-01 and DNS targets),
# which a port from listen(0) would risk to some outbound connection's local port meanwhile.
free_fixed_ports() {
  node -e "
    const net=require('net'),dgram=require('dgram');const out=[];
    (function next(){ if(out.length==${1:-2}){console.log(out.join(' '));return;}
      const port=20000+Math.floor(Math.random()*12768);
      if(out.includes(port)){next();return;}
      const s=net.createServer();s.once('error',next);
      s.listen(port,'127.0.0.1',()=>{const u=dgram.createSocket('udp4');
        u.once('error',()=>{u.close();s.close(next);});
        u.bind(port,'127.0.0.1',()=>{out.push(port);u.close();s.close(next);});});})();"
}

# Three free TCP ports on loopback, space separated.
free_ports() {
  node -e "
    const net=require('net');const out=[];
    (function next(){ if(out.length==${1:-3}){console.log(out.join(' '));return;}
      const s=net.createServer();s.listen(0,'127.0.0.1',()=>{out.push(s.address().port);s.close(next);}); })();"
}
