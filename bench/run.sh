#!/usr/bin/env bash
# bench/run.sh: start-up and latency of the commands that run in every shell
# (switch on a cache hit, switch on a miss, now), against a minimal Go
# program that reads the same files and prints the same exports, and against
# the AWS CLI v2's `configure export-credentials`. Medians of RUNS runs
# (default 100) with hyperfine, peak RSS from getrusage, and where start-up
# time goes (GODEBUG=inittrace=1).
#   usage: bench/run.sh [RUNS]
#          bench/run.sh scale [RUNS]   the same at organisation scale: see bench/scale.sh
# With BEFORE=PATH (an awsenv built from an earlier commit, same flags),
# its switch and now are measured in the same run, for a before/after.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = scale ]; then
	shift
	exec bench/scale.sh "$@"
fi
runs=${1:-100}
command -v hyperfine >/dev/null && [ -x /usr/bin/time ] || { echo "bench: needs hyperfine and GNU time (apt-get install hyperfine time)" >&2; exit 1; }
out=bench/out
rm -rf "$out" && mkdir -p "$out"

# The binary as README.md installs it, and the default (cgo, dynamic) build.
CGO_ENABLED=0 go build -trimpath -tags urfave_cli_no_docs -o "$out/awsenv" ./cmd/awsenv
go build -trimpath -o "$out/awsenv-dynamic" ./cmd/awsenv
CGO_ENABLED=0 go build -trimpath -o "$out/baseline" ./bench/baseline

# A credential directory with one account and a valid cached MFA session.
creds=$out/creds
mkdir -p "$creds/.cache" && chmod 700 "$creds" "$creds/.cache"
printf 'AKIAIOSFODNN7EXAMPLE\n' >"$creds/work.access_key"
printf 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n' >"$creds/work.secret_key"
printf 'AKIAIOSFODNN7EXAMPL2\n' >"$creds/cold.access_key"
printf 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE2\n' >"$creds/cold.secret_key"
chmod 600 "$creds"/*_key
cat >"$creds/accounts.json" <<'JSON'
{
  "personal": "arn:aws:iam::987654321012:",
  "cold": "arn:aws:iam::987654321012:",
  "work": {"arn": "arn:aws:iam::012123456789:", "region": "eu-west-1", "session_duration": "8h"}
}
JSON
exp=$(date -u -d '+6 hours' +%Y-%m-%dT%H:%M:%SZ)
cat >"$creds/.cache/work.json" <<JSON
{"Version":1,"Account":"work","Kind":"session","Created":"2026-01-01T00:00:00Z",
 "Credentials":{"AccessKeyId":"ASIAIOSFODNN7EXAMPLE","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
 "SessionToken":"$(head -c 600 /dev/zero | tr '\0' 'T')","Expiration":"$exp"}}
JSON
chmod 600 "$creds/.cache/work.json"

export AWSENV_DIR=$PWD/$creds HOME=$PWD/$out SHELL=/bin/bash
unset AWSENV_CONFIG AWSENV_CACHE_DIR AWS_PROFILE
# What `now` reads: the environment a switch leaves behind.
eval "$("$out/awsenv" switch work 2>/dev/null)"

hf() { hyperfine -N --warmup 20 --runs "$1" --export-json "$out/$2.json" -n "$2" "$3" >/dev/null 2>&1; }
hf "$runs" baseline "$out/baseline $creds work"
hf "$runs" switch-hit "$out/awsenv switch work"
hf "$runs" switch-miss "$out/awsenv switch cold"
hf "$runs" now "$out/awsenv now"
hf "$runs" switch-hit-dynamic "$out/awsenv-dynamic switch work"
if [ -n "${BEFORE:-}" ]; then
	hf "$runs" before-switch-hit "$BEFORE switch work"
	hf "$runs" before-now "$BEFORE now"
	# and again after, so drift during the run shows
	hf "$runs" switch-hit-2 "$out/awsenv switch work"
	hf "$runs" now-2 "$out/awsenv now"
fi
if [ -x /usr/bin/aws ]; then
	hf 30 aws-export "/usr/bin/aws configure export-credentials --format env"
fi

python3 - "$out" "$creds" <<'PY'
import json, os, subprocess, sys
out, creds = sys.argv[1], sys.argv[2]
def median(name):
    p = os.path.join(out, name + ".json")
    if not os.path.exists(p):
        return None
    return json.load(open(p))["results"][0]["median"] * 1000
def rss(cmd):
    # peak RSS (GNU time's %M, KiB) of one run
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return int(r.stderr.strip().splitlines()[-1]) / 1024
base = median("baseline")
rows = [("baseline", [f"{out}/baseline", creds, "work"]),
        ("switch-hit", [f"{out}/awsenv", "switch", "work"]),
        ("switch-miss", [f"{out}/awsenv", "switch", "cold"]),
        ("now", [f"{out}/awsenv", "now"]),
        ("switch-hit-dynamic", [f"{out}/awsenv-dynamic", "switch", "work"]),
        ("before-switch-hit", [os.environ.get("BEFORE", ""), "switch", "work"]),
        ("before-now", [os.environ.get("BEFORE", ""), "now"]),
        ("switch-hit-2", [f"{out}/awsenv", "switch", "work"]),
        ("now-2", [f"{out}/awsenv", "now"]),
        ("aws-export", ["/usr/bin/aws", "configure", "export-credentials", "--format", "env"])]
aws = median("aws-export")
print(f"{'command':<20}{'median ms':>10}{'x baseline':>12}{'aws CLI / it':>14}{'peak RSS MB':>13}")
for name, cmd in rows:
    m = median(name)
    if m is None:
        continue
    faster = f"{aws / m:.0f}x" if aws and name != "aws-export" else "-"
    print(f"{name:<20}{m:>10.2f}{m / base:>12.2f}{faster:>14}{rss(cmd):>13.1f}")
PY

echo
echo "init time (GODEBUG=inittrace=1, switch on a cache hit), the five slowest packages:"
GODEBUG=inittrace=1 "$out/awsenv" switch work 2>&1 >/dev/null | awk '/^init/ {t+=$5; print} END {printf "total init clock: %.3f ms\n", t}' | sort -k5 -g -r | head -6
