#!/bin/sh
# preprovision hook (azure.yaml): tells the template whether the identity running azd is a user
# or a service principal, for the operator's role assignments (principalType must match the
# principal, or ARM refuses the assignment). An explicit AZURE_PRINCIPAL_TYPE wins.
set -eu
if [ -n "${AZURE_PRINCIPAL_TYPE:-}" ]; then
  echo "AZURE_PRINCIPAL_TYPE=$AZURE_PRINCIPAL_TYPE (set by the caller)"
  exit 0
fi
# The access token says it: Entra ID puts idtyp=app in tokens of service principals and managed
# identities, idtyp=user (or none) in user tokens.
type=User
token=$(azd auth token --output json 2>/dev/null | sed -n 's/.*"token"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' || true)
if [ -n "$token" ]; then
  payload=$(printf '%s' "$token" | cut -d. -f2 | tr '_-' '/+')
  case $(( ${#payload} % 4 )) in 2) payload="$payload==" ;; 3) payload="$payload=" ;; esac
  if printf '%s' "$payload" | base64 -d 2>/dev/null | grep -q '"idtyp":"app"'; then
    type=ServicePrincipal
  fi
elif [ -n "${AZURE_CLIENT_ID:-}" ] && [ -n "${AZURE_TENANT_ID:-}" ]; then
  # No token to read: a client id in the environment is how CI signs azd in.
  type=ServicePrincipal
fi
azd env set AZURE_PRINCIPAL_TYPE "$type"
echo "AZURE_PRINCIPAL_TYPE=$type"
