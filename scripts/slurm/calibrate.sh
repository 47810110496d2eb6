#!/usr/bin/env bash
# Runs `blockade calibrate` on a Slurm cluster: each batch of points (a wave of history
# matching, then the ABC step) as a job array of N shards, then a merge, until the
# calibration folder is written.
#
#   calibrate.sh FILE N [--out DIR] [sbatch options...] [-- blockade calibrate flags...]
#
# Each batch's points depend on the batch before, so it waits: it submits the batch's array
# (calibrate.sbatch; sbatch --wait), then runs `blockade calibrate --merge` here (it runs no
# model: it puts the shards' points in order and finds the next batch's), and again until
# the merge writes DIR. It goes on from DIR.partial when an earlier call left one (of the
# same calibration). DIR defaults to output/<FILE's name without .toml>.calibration; logs go
# to DIR.logs/. sbatch options (e.g. --partition=short --time=1:00:00 --cpus-per-task=4) apply
# to every array. Flags after `--` are calibrate's (--set, --prior, --population,
# --replicates, --seed, --wave-points, --waves, --abc-points); the shards and the merges get
# the same ones.
#
# Exit status 0 when DIR is written; 1 when a shard or a merge failed (naming the log); 2 for
# bad arguments. The binary is $BLOCKADE, else `blockade` on the PATH, else
# target/release/blockade of this repository. Every node must see the same file system.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

say() { echo "calibrate.sh: $*" >&2; }
usage() {
  sed -n '6p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[ $# -ge 2 ] || usage
file=$1 n=$2
shift 2
[[ $n =~ ^[1-9][0-9]*$ ]] || { say "N must be a whole number >= 1, not '$n'"; exit 2; }
[ -f "$file" ] || { say "no scenario file '$file'"; exit 2; }

out="" sbatch_opts=() calibrate_opts=()
while [ $# -gt 0 ]; do
  case $1 in
    --out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
    --out=*) out=${1#--out=}; shift ;;
    --) shift; calibrate_opts=("$@"); break ;;
    *) sbatch_opts+=("$1"); shift ;;
  esac
done

if [ -z "${BLOCKADE:-}" ]; then
  if command -v blockade >/dev/null; then
    BLOCKADE=$(command -v blockade)
  elif [ -x "$repo/target/release/blockade" ]; then
    BLOCKADE=$repo/target/release/blockade
  else
    say "no blockade binary: build one (cargo build --release) or set BLOCKADE"
    exit 2
  fi
fi
BLOCKADE=$(realpath "$BLOCKADE")
export BLOCKADE
file=$(realpath "$file")
out=${out:-output/$(basename "$file" .toml).calibration}
out=$(realpath -m "$out")
logs=$out.logs
mkdir -p "$logs"

batch=0
started=$SECONDS
while :; do
  batch=$((batch + 1))
  # A calibration has at most --waves + 1 batches; this only stops a loop gone wrong.
  [ "$batch" -le 1000 ] || { say "more than 1000 batches: giving up"; exit 1; }
  log=$logs/batch-$batch-shard-%a.log
  say "batch $batch: $n shards"
  rc=0
  sbatch --wait --quiet --array=0-$((n - 1)) --output="$log" \
    --export="ALL,BLOCKADE=$BLOCKADE" ${sbatch_opts[@]+"${sbatch_opts[@]}"} \
    "$here/calibrate.sbatch" "$file" "$n" "$out" \
    ${calibrate_opts[@]+"${calibrate_opts[@]}"} >/dev/null || rc=$?
  if [ "$rc" != 0 ]; then
    say "a shard of batch $batch failed (exit $rc); logs: $logs/batch-$batch-shard-*.log"
    exit 1
  fi
  rc=0
  "$BLOCKADE" calibrate "$file" --merge --out "$out" --quiet \
    ${calibrate_opts[@]+"${calibrate_opts[@]}"} 2>"$logs/merge-$batch.log" || rc=$?
  if [ "$rc" != 0 ]; then
    say "the merge after batch $batch failed (exit $rc):"
    sed 's/^/    /' "$logs/merge-$batch.log" >&2
    exit 1
  fi
  # The merge that computes the last point writes DIR and removes DIR.partial.
  if [ ! -d "$out.partial" ]; then
    say "wrote $out: $batch batches of $n shards in $((SECONDS - started)) s"
    exit 0
  fi
done
