#!/usr/bin/env bash
# bench/fuzz.sh: run every fuzzer in the repository for DURATION each
# (default 60s), one after another, and report which found something. Not
# part of `go test ./...`: a fuzzer that fails writes its input under the
# package's testdata/fuzz/FuzzXxx/, which is the seed corpus: commit it with
# the fix, and plain `go test` replays it from then on.
#   usage: bench/fuzz.sh [DURATION] [PARALLEL]
set -uo pipefail
cd "$(dirname "$0")/.."
duration=${1:-60s}
parallel=${2:-$(nproc)}
failed=()
ran=0
# Every `func FuzzXxx(` in a _test.go file, with its package directory.
while IFS=: read -r file name; do
	pkg=./$(dirname "$file")
	ran=$((ran + 1))
	echo "== $pkg $name ($duration)"
	if ! go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$duration" -parallel "$parallel"; then
		failed+=("$pkg $name")
	fi
done < <(grep -rEo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]+' . | sed 's#^\./##; s#:func #:#' | sort)
echo "== $ran fuzzers, ${#failed[@]} failed"
for f in "${failed[@]}"; do
	echo "FAILED: $f (its input is in the package's testdata/fuzz/)"
done
[ ${#failed[@]} -eq 0 ]
