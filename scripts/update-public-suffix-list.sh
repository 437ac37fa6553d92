#!/usr/bin/env bash
# Refreshes the Public Suffix List that DMARC uses for organisational domains
# (core/Serverless.Mail/Delivery/Authentication/Data/public_suffix_list.dat, embedded at build).
# Takes the list from publicsuffix.org; with --npm (or when that site is out of reach) from the npm
# package psl, which ships the same rules. Rebuild and commit the file afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
out=core/Serverless.Mail/Delivery/Authentication/Data/public_suffix_list.dat
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
header() {
  printf '%s\n' "// The Public Suffix List (https://publicsuffix.org/), ICANN and private sections, one rule a line," \
    "// as DMARC (RFC 7489 3.2) uses it to find organisational domains. This Source Code Form is subject" \
    "// to the terms of the Mozilla Public License, v. 2.0 (https://mozilla.org/MPL/2.0/)." \
    "// Taken from $1. Refresh: scripts/update-public-suffix-list.sh"
}
if [ "${1:-}" != "--npm" ] && curl -fsSL --max-time 30 https://publicsuffix.org/list/public_suffix_list.dat -o "$tmp/list.dat"; then
  { header "publicsuffix.org on $(date -u +%F)"; grep -v '^[[:space:]]*//' "$tmp/list.dat" | sed '/^[[:space:]]*$/d'; } > "$out"
else
  (cd "$tmp" && npm pack psl --silent >/dev/null && tar xzf psl-*.tgz)
  version=$(node -p "require('$tmp/package/package.json').version")
  { header "the npm package psl $version (data/rules.js)"
    node -e "const r=require('fs').readFileSync('$tmp/package/data/rules.js','utf8');for(const m of r.matchAll(/\"([^\"]+)\"/g))console.log(m[1]);"; } > "$out"
fi
echo "$(grep -vc '^//' "$out") rules written to $out"
