#!/usr/bin/env bash
# Starts the whole service locally: Azurite + the listeners + the function classes in the dev host.
# MAIL_SPLIT=1: the listeners and the dev host (function classes + API) as two processes on the same
# Azurite, as in Azure (Container App + Function App), so IMAP learns of new mail through the
# change feed as it will there. Ctrl-C (or SIGTERM) stops everything.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/azurite.sh

BLOB_PORT=${AZURITE_BLOB_PORT:-10000}
QUEUE_PORT=${AZURITE_QUEUE_PORT:-10001}
TABLE_PORT=${AZURITE_TABLE_PORT:-10002}
DATA_DIR=${MAIL_DATA_DIR:-.data}
mkdir -p "$DATA_DIR/azurite"

azurite_install
echo "Building the dev host..."
dotnet build tools/Serverless.DevHost -c Release --nologo -v quiet -clp:ErrorsOnly

DEVHOST_PID=
LISTENERS_PID=
SPLIT=${MAIL_SPLIT:-0}
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "Stopping..."
  if [ -n "$LISTENERS_PID" ] && kill -0 "$LISTENERS_PID" 2>/dev/null; then
    kill -TERM "$LISTENERS_PID" 2>/dev/null || true
    wait "$LISTENERS_PID" 2>/dev/null || true
  fi
  if [ -n "$DEVHOST_PID" ] && kill -0 "$DEVHOST_PID" 2>/dev/null; then
    kill -TERM "$DEVHOST_PID" 2>/dev/null || true
    if [ "$SPLIT" = "1" ]; then
  wait -n "$DEVHOST_PID" "$LISTENERS_PID"
else
  wait "$DEVHOST_PID"
fi 2>/dev/null || true
  fi
  azurite_stop
  echo "Stopped."
}
trap cleanup INT TERM EXIT

AZURITE_LOG="$DATA_DIR/azurite.log" azurite_start "$BLOB_PORT" "$QUEUE_PORT" "$TABLE_PORT" --location "$DATA_DIR/azurite"

# The admin key: generated once and kept in .data, so scripts (and the README's examples) can read it.
if [ -z "${Mail__AdminApiKey:-}" ]; then
  if [ ! -s "$DATA_DIR/admin-key" ]; then
    (umask 077; node -e "console.log(require('crypto').randomBytes(24).toString('base64url'))" > "$DATA_DIR/admin-key")
  fi
  export Mail__AdminApiKey="$(cat "$DATA_DIR/admin-key")"
  GENERATED_KEY=1
fi
# The demo mailbox (tenant demo, verified domain demo.test): its password is generated once into .data.
if [ "${MAIL_DEMO:-1}" != "0" ]; then
  export Mail__DevHost__Demo__PasswordFile="${Mail__DevHost__Demo__PasswordFile:-$DATA_DIR/demo-password}"
fi
# The SRS key (forwarding): kept in .data so bounces to addresses made before a restart still verify.
if [ -z "${Mail__Srs__Secret:-}" ]; then
  if [ ! -s "$DATA_DIR/srs-secret" ]; then
    (umask 077; node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))" > "$DATA_DIR/srs-secret")
  fi
  export Mail__Srs__Secret="$(cat "$DATA_DIR/srs-secret")"
fi
# The key that encrypts IMAP import passwords while an import runs.
if [ -z "${Mail__Import__SecretKey:-}" ]; then
  if [ ! -s "$DATA_DIR/import-secret" ]; then
    (umask 077; node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))" > "$DATA_DIR/import-secret")
  fi
  export Mail__Import__SecretKey="$(cat "$DATA_DIR/import-secret")"
fi
export Mail__Storage__ConnectionString="${Mail__Storage__ConnectionString:-$AZURITE_CONNECTION_STRING}"
export Mail__Listeners__AllowPlaintextAuthOnLoopback="${Mail__Listeners__AllowPlaintextAuthOnLoopback:-true}"
export Mail__Tls__DevelopmentCertificatePath="${Mail__Tls__DevelopmentCertificatePath:-$DATA_DIR/dev-cert.pfx}"
# Local domains cannot publish a TXT record: verified at creation unless the caller says otherwise.
export Mail__Provisioning__RequireDomainVerification="${Mail__Provisioning__RequireDomainVerification:-false}"
export DOTNET_ENVIRONMENT="${DOTNET_ENVIRONMENT:-Development}"
# As the listener container sets it (listeners/Serverless.Listeners/Dockerfile, ENV): fewer glibc
# malloc arenas for OpenSSL's per-connection state. Applies to the dev host too, which hosts the
# listeners unless MAIL_SPLIT=1.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"

if [ "$SPLIT" = "1" ]; then
  # The function app's part only: the listener program below serves the mail ports.
  Mail__DevHost__Listeners=false dotnet tools/Serverless.DevHost/bin/Release/net10.0/Serverless.DevHost.dll &
else
  dotnet tools/Serverless.DevHost/bin/Release/net10.0/Serverless.DevHost.dll &
fi
DEVHOST_PID=$!

for _ in $(seq 1 150); do
  if node -e "require('http').get('http://127.0.0.1:${Mail__Api__Port:-7071}/api/health',r=>process.exit(r.statusCode==200?0:1)).on('error',()=>process.exit(1))" 2>/dev/null; then break; fi
  if ! kill -0 "$DEVHOST_PID" 2>/dev/null; then echo "The dev host exited." >&2; exit 1; fi
  sleep 0.2
done

if [ "$SPLIT" = "1" ]; then
  # Started after the dev host, which has created the storage and the development certificate.
  dotnet listeners/Serverless.Listeners/bin/Release/net10.0/Serverless.Listeners.dll &
  LISTENERS_PID=$!
  for _ in $(seq 1 150); do
    if node -e "require('net').connect(${Mail__Listeners__Ports__Imap:-2143},'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))" 2>/dev/null; then break; fi
    if ! kill -0 "$LISTENERS_PID" 2>/dev/null; then echo "The listeners exited." >&2; exit 1; fi
    sleep 0.2
  done
fi

cat <<INFO

Serverless Mail is running locally$( [ "$SPLIT" = "1" ] && echo " (split: listeners pid $LISTENERS_PID, dev host pid $DEVHOST_PID)").

  SMTP (MX)                 127.0.0.1:${Mail__Listeners__Ports__Smtp:-2525}
  Submission (STARTTLS)     127.0.0.1:${Mail__Listeners__Ports__Submission:-2587}
  Submission (implicit TLS) 127.0.0.1:${Mail__Listeners__Ports__Submissions:-2465}
  IMAP (STARTTLS)           127.0.0.1:${Mail__Listeners__Ports__Imap:-2143}
  IMAPS                     127.0.0.1:${Mail__Listeners__Ports__Imaps:-2993}
  POP3 (STLS)               127.0.0.1:${Mail__Listeners__Ports__Pop3:-2110}
  POP3S                     127.0.0.1:${Mail__Listeners__Ports__Pop3s:-2995}
  ManageSieve (STARTTLS)    127.0.0.1:${Mail__Listeners__Ports__ManageSieve:-4190}
  HTTP API                  http://127.0.0.1:${Mail__Api__Port:-7071}/api/health
  Azurite                   127.0.0.1:${BLOB_PORT}-${TABLE_PORT} (data in $DATA_DIR/azurite)

Admin API key: ${Mail__AdminApiKey}$( [ -n "${GENERATED_KEY:-}" ] && echo "  (kept in $DATA_DIR/admin-key; set Mail__AdminApiKey to choose one)" )
Log in everywhere with a mailbox's full address and its password (create more through the API,
see README.md). TLS uses a self-signed development certificate ($Mail__Tls__DevelopmentCertificatePath);
plaintext AUTH is allowed from loopback only.
INFO
if [ -n "${Mail__DevHost__Demo__PasswordFile:-}" ] && [ -s "$Mail__DevHost__Demo__PasswordFile" ]; then
  cat <<INFO

Demo mailbox (tenant demo, domain demo.test; MAIL_DEMO=0 skips it):
  login: demo@demo.test / $(cat "$Mail__DevHost__Demo__PasswordFile")
INFO
fi
cat <<INFO

Press Ctrl-C to stop.
INFO

if [ "$SPLIT" = "1" ]; then
  wait -n "$DEVHOST_PID" "$LISTENERS_PID"
else
  wait "$DEVHOST_PID"
fi
