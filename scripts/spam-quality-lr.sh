#!/usr/bin/env bash
# Issue 18, 2026-12-05 (bench/README.md, "a discriminative model"): the quality driver's logistic
# regression variants (SPAM_QUALITY_LR_VARIANTS, see bench/Serverless.Bench.Micro/SpamQualityLogistic.cs)
# on the 13 splits issue 18 judges — the end-to-end run's (Python shuffle 18, via SPAM_QUALITY_ORDER)
# and .NET shuffles 18, 1–11 — two at a time; each split's scores go to OUT/<split>.<variant>, then
# scripts/spam-quality-lr.py judges them. Usage: scripts/spam-quality-lr.sh OUT  (SPAM_CORPUS as
# for scripts/spam-quality.sh; SPAM_QUALITY_LR_DROP passes through).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?output directory}
mkdir -p "$out"
source scripts/spam-corpus.sh
dotnet build bench/Serverless.Bench.Micro -c Release --nologo -v quiet -clp:ErrorsOnly
scripts/spam-quality-e2e.py --corpus "$corpus" --seed 18 --print-order > "$out/order18.txt"
dll=bench/Serverless.Bench.Micro/bin/Release/net10.0/Serverless.Bench.Micro.dll
run() { # split name, then environment
  local name=$1; shift
  env "$@" SPAM_QUALITY_LR="$out/$name" dotnet $dll --spam-quality "$corpus" 500 80000 > "$out/$name.log" 2>&1
}
run e2e SPAM_QUALITY_ORDER="$out/order18.txt" &
run n18 SPAM_QUALITY_SEED=18
wait
for pair in "1 2" "3 4" "5 6" "7 8" "9 10" "11"; do
  for s in $pair; do run "n$(printf %02d "$s")" SPAM_QUALITY_SEED="$s" & done
  wait
done
grep -h '^lr' "$out"/e2e.log
