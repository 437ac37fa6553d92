# Used by test.sh: pebble, Let's Encrypt's ACME test server (Debian package `pebble`), for the ACME tests.
# Usage: source scripts/pebble.sh; pebble_install; pebble_start <dir> <acme> <management> <http-01> <tls-alpn-01> <dns>
# pebble validates HTTP-01 at http://{name}:<http-01>/ and resolves {name} with the DNS server on
# 127.0.0.1:<dns> (the tests' loopback DNS server). Sets PEBBLE_PID and exports MAIL_TEST_PEBBLE_*.

pebble_install() {
  debian_tool_install pebble "The ACME tests need pebble, Let's Encrypt's ACME test server"
}

# debian_tool_install <command (= its Debian package)> <what needs it>: installs it with apt-get when
# missing and this is root on Debian; otherwise says what to install and fails.
debian_tool_install() {
  local tool=$1 why=$2
  if command -v "$tool" >/dev/null 2>&1; then
    return 0
  fi
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "Installing $tool (Debian package)..."
    apt-get install -y -qq "$tool" >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "$tool" >/dev/null 2>&1; }
  fi
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$why: install the Debian package '$tool' (apt-get install -y $tool)." >&2
    return 1
  fi
}

pebble_start() {
  local dir=$1 acme=$2 management=$3 http=$4 tls=$5 dns=$6
  local log=${PEBBLE_LOG:-/dev/null}
  mkdir -p "$dir"
  # pebble's own HTTPS certificate (its directory is HTTPS only): self-signed, trusted by the tests alone.
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1 || { echo "openssl could not make pebble's certificate" >&2; return 1; }
  cat >"$dir/pebble-config.json" <<JSON
{"pebble": {"listenAddress": "127.0.0.1:$acme", "managementListenAddress": "127.0.0.1:$management",
  "certificate": "$dir/cert.pem", "privateKey": "$dir/key.pem", "httpPort": $http, "tlsPort": $tls,
  "ocspResponderURL": "", "externalAccountBindingRequired": false}}
JSON
  # Real validation, but no random sleeps and no random nonce refusals; authorizations are never reused,
  # so every order (a renewal too) is validated again.
  PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 \
    pebble -config "$dir/pebble-config.json" -dnsserver "127.0.0.1:$dns" >"$log" 2>&1 &
  PEBBLE_PID=$!
  for _ in $(seq 1 100); do
    if curl -sfk "https://127.0.0.1:$acme/dir" >/dev/null 2>&1; then
      export MAIL_TEST_PEBBLE="https://127.0.0.1:$acme/dir" MAIL_TEST_PEBBLE_MANAGEMENT="https://127.0.0.1:$management" \
        MAIL_TEST_PEBBLE_HTTP_PORT="$http" MAIL_TEST_PEBBLE_DNS_PORT="$dns" MAIL_TEST_PEBBLE_CA="$dir/cert.pem"
      return 0
    fi
    if ! kill -0 "$PEBBLE_PID" 2>/dev/null; then
      echo "pebble exited during startup (ports $acme/$management in use?)" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "pebble did not start" >&2
  return 1
}

pebble_stop() {
  if [ -n "${PEBBLE_PID:-}" ] && kill -0 "$PEBBLE_PID" 2>/dev/null; then
    kill -TERM "$PEBBLE_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$PEBBLE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$PEBBLE_PID" 2>/dev/null || true
    wait "$PEBBLE_PID" 2>/dev/null || true
  fi
  PEBBLE_PID=
}
