#!/usr/bin/env bash
# Coverage-guided fuzzing of the protocol parsers and the MIME indexing path (docs/reliability.md).
# Builds fuzz/Serverless.Fuzz, copies it to .test-data/fuzz-bin, instruments the code under test
# with SharpFuzz, then runs every target (or the ones named) for --seconds each. The corpus grows
# in .test-data/fuzz-corpus/<target> across runs; fuzz/regressions/<target> seeds it. Findings go to
# .test-data/fuzz-crashes and fail the run: move the input to fuzz/regressions/<target>/ with the
# fix, and the regression test replays it for ever.
#   scripts/fuzz.sh --seconds 600                 # ten minutes per target
#   scripts/fuzz.sh --seconds 60 imap-command     # one target
# ./test.sh runs it with a few seconds per target.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=60
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
bin=.test-data/fuzz-bin
if [ -z "${FUZZ_NO_BUILD:-}" ]; then
  dotnet build fuzz/Serverless.Fuzz -c Release --nologo -v quiet -clp:ErrorsOnly || exit 1
fi
rm -rf "$bin" && mkdir -p "$bin" && cp -r fuzz/Serverless.Fuzz/bin/Release/net10.0/. "$bin/" || exit 1
dotnet "$bin/Serverless.Fuzz.dll" instrument "$bin" || exit 1
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(dotnet "$bin/Serverless.Fuzz.dll" list)
fi
status=0
for t in "${targets[@]}"; do
  dotnet "$bin/Serverless.Fuzz.dll" run --target "$t" --seconds "$seconds" \
    --corpus "fuzz/regressions/$t" --corpus ".test-data/fuzz-corpus/$t" --out ".test-data/fuzz-corpus/$t" \
    --crashes .test-data/fuzz-crashes || status=1
done
exit $status
