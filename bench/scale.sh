#!/usr/bin/env bash
# bench/scale.sh: awsenv at organisation scale (issue 11). For each size N
# (default 10 100 1000 5000) bench/scalegen writes N accounts, each with key
# files, N profiles (role, IAM Identity Center and plain ones) and 1000 cache
# entries; hyperfine then measures, in one run, the floor (bench/baseline,
# which reads the accounts file and one account's key files and prints the
# exports) and
#   switch work        a cache hit of an account in the middle of the file
#   switch role-work   a cache hit of a role profile in the middle of ~/.aws/config
#   list --names       what every TAB of the completion runs
#   list               accounts, profiles and the cache state of each
#   switch work, rebuilt  the first switch after the files changed: a whole
#                      parse, and the index written (internal/index)
# Medians of RUNS runs (default 30), as milliseconds and as a ratio to the
# floor at the smallest size (the floor itself decodes the whole accounts
# file, so it grows too: its own row shows by how much).
#   usage: bench/scale.sh [RUNS]
# SIZES="10 5000" picks the sizes. With BEFORE=PATH (an awsenv built from an
# earlier commit, same flags) its commands are measured in the same run and
# get a table of their own, then a before/after ratio. AWSENV=PATH measures
# that binary instead of one built from the tree.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
sizes=${SIZES:-10 100 1000 5000}
command -v hyperfine >/dev/null || { echo "bench: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
out=bench/out/scale
rm -rf "$out" && mkdir -p "$out"

if [ -n "${AWSENV:-}" ]; then
	cp "$AWSENV" "$out/awsenv"
else
	CGO_ENABLED=0 go build -trimpath -tags urfave_cli_no_docs -o "$out/awsenv" ./cmd/awsenv
fi
CGO_ENABLED=0 go build -trimpath -o "$out/baseline" ./bench/baseline
go build -o "$out/scalegen" ./bench/scalegen

unset AWSENV_CONFIG AWSENV_CACHE_DIR AWS_PROFILE AWS_DEFAULT_PROFILE AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE \
	AWS_REGION AWS_DEFAULT_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_STS
export SHELL=/bin/bash USER=bench

cmds=("switch work" "switch role-work" "list --names" "list")
bins=(awsenv)
[ -n "${BEFORE:-}" ] && bins+=(before)
for n in $sizes; do
	"$out/scalegen" "$PWD/$out/setup-$n" "$n" "$n" 1000
done
# A file changed less than two seconds ago is parsed whole and not indexed
# (see internal/index): the setups settle first, as a user's
# files have long settled by the time they switch.
sleep 2.5
for n in $sizes; do
	dir=$PWD/$out/setup-$n
	export AWSENV_DIR=$dir/creds HOME=$dir/home
	# Each command is checked once (a benchmark of an error is no
	# benchmark), and this first run writes the index.
	for c in "${cmds[@]}"; do
		"$out/awsenv" $c >/dev/null 2>"$out/check.err" || { echo "bench: awsenv $c failed at $n:" >&2; cat "$out/check.err" >&2; exit 1; }
	done
	args=(-n "floor" "$out/baseline $AWSENV_DIR work")
	for b in "${bins[@]}"; do
		exe=$PWD/$out/awsenv
		[ "$b" = before ] && exe=$BEFORE
		for c in "${cmds[@]}"; do
			args+=(-n "$b $c" "$exe $c")
		done
	done
	hyperfine -N --warmup 5 --runs "$runs" --export-json "$out/$n.json" "${args[@]}" >/dev/null 2>&1
	# The first switch after a change: no index to use, one to write.
	hyperfine -N --warmup 2 --runs "$runs" --prepare "rm -rf $dir/creds/.cache/.index" --export-json "$out/$n-rebuilt.json" \
		-n "awsenv switch work, rebuilt" "$out/awsenv switch work" >/dev/null 2>&1
	"$out/awsenv" switch work >/dev/null 2>&1
done

python3 - "$out" "$sizes" "${BEFORE:+before}" <<'PY'
import json, os, sys
out, sizes, before = sys.argv[1], sys.argv[2].split(), sys.argv[3]
med = {}
for n in sizes:
    for f in (n + ".json", n + "-rebuilt.json"):
        for r in json.load(open(os.path.join(out, f)))["results"]:
            med[(r["command"], n)] = r["median"] * 1000
floor = med[("floor", sizes[0])]
cmds = ["switch work", "switch role-work", "list --names", "list"]
label = {"switch work": "`switch NAME`", "switch role-work": "`switch` to a role profile",
         "list --names": "`list --names` (every TAB)", "list": "`list`",
         "switch work, rebuilt": "`switch NAME`, first after an edit"}
def table(title, b):
    print(f"\n{title}: median ms (ratio to the floor at {sizes[0]}, {floor:.2f} ms)\n")
    print("| accounts = profiles | " + " | ".join(sizes) + " |")
    print("| --- |" + " --- |" * len(sizes))
    print("| floor | " + " | ".join(f"{med[('floor', n)]:.2f} ({med[('floor', n)] / floor:.2f}x)" for n in sizes) + " |")
    for c in cmds + (["switch work, rebuilt"] if b == "awsenv" else []):
        print(f"| {label[c]} | " + " | ".join(f"{med[(b + ' ' + c, n)]:.2f} ({med[(b + ' ' + c, n)] / floor:.2f}x)" for n in sizes) + " |")
    big, small = sizes[-1], sizes[0]
    print()
    for c in cmds[:2]:
        print(f"{c}: at {big} {med[(b + ' ' + c, big)] / med[(b + ' ' + c, small)]:.2f}x the time at {small}")
    for c in cmds[2:]:
        print(f"{c}: at {big} {med[(b + ' ' + c, big)] / med[('floor', big)]:.2f}x the floor at {big}")
table("awsenv", "awsenv")
if before:
    table("before", "before")
    print("\nafter / before:\n")
    print("| command | " + " | ".join(sizes) + " |")
    print("| --- |" + " --- |" * len(sizes))
    for c in cmds:
        print(f"| {label[c]} | " + " | ".join(f"{med[('awsenv ' + c, n)] / med[('before ' + c, n)]:.2f}" for n in sizes) + " |")
PY
