#!/usr/bin/env bash
# The Slurm test, for real: on a throw-away single-node cluster on this machine, run a tiny
# swept scenario as shards through submit.sh --wait and check that the merged CSV files are
# byte-identical to a local unsharded run; then check that a failing shard makes --wait fail
# and cancels the merge; then calibrate a tiny scenario batch by batch as shards
# (calibrate.sh) and check its CSV files against a local calibration's.
#
#   scripts/slurm/test.sh           # as root (or with sudo) on Debian/Ubuntu; CI runs it
#
# start-slurm.sh installs Debian's slurm packages and munge with apt if they are missing and
# starts slurmctld and slurmd on localhost without systemd. A cluster this script started is
# stopped at the end; one that was already running is left running.
# Knobs: BLOCKADE (the binary; default: build it), SHARDS (default 4), KEEP_SLURM=1, and
# start-slurm.sh's SLURM_CI_* variables.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
shards=${SHARDS:-4}
scenario=$repo/tests/scenarios/tiny-sweep.toml
t0=$SECONDS

say() { echo "slurm test: $*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

if [ -z "${BLOCKADE:-}" ]; then
  # The binary `cargo test` builds (optimised, target/debug/blockade): right after
  # `cargo test`, as in CI, this builds nothing.
  say "building blockade (cargo test --no-run)"
  (cd "$repo" && cargo test --quiet --no-run 2>/dev/null)
  BLOCKADE=$repo/target/debug/blockade
fi
export BLOCKADE
t_build=$SECONDS

export SLURM_CI_DIR=${SLURM_CI_DIR:-/tmp/slurm-ci}
# A cluster start-slurm.sh started earlier is left running; asking sinfo would wait for a
# controller timeout when there is none, so look at its pid file instead.
was_up=0
ctld_pid=$(cat "$SLURM_CI_DIR/run/slurmctld.pid" 2>/dev/null || true)
[ -n "$ctld_pid" ] && kill -0 "$ctld_pid" 2>/dev/null && was_up=1
work=$(mktemp -d "${TMPDIR:-/tmp}/blockade-slurm-test.XXXXXX")
chmod 755 "$work"
cleanup() {
  local rc=$?
  rm -rf "$work"
  if [ "$was_up" = 0 ] && [ "${KEEP_SLURM:-0}" != 1 ]; then
    "$here/start-slurm.sh" stop >/dev/null 2>&1 || true
  fi
  exit "$rc"
}
trap cleanup EXIT
"$here/start-slurm.sh" start
export SLURM_CONF=$SLURM_CI_DIR/etc/slurm.conf
t_cluster=$SECONDS

# 0. A file blockade refuses is refused before anything is submitted.
rc=0
"$here/submit.sh" "$scenario" "$shards" --out "$work/refused" -- --set adoption.imitaton=0.3 \
  2>"$work/refused.err" || rc=$?
[ "$rc" = 2 ] || fail "submit.sh returned $rc for a bad --set, not 2"
grep -q "unknown path" "$work/refused.err" || fail "no message for a bad --set"
[ ! -e "$work/refused.shards" ] || fail "shards were submitted for a bad --set"

# 1. A sweep with variants, as shards on the cluster, merged there; and the same run locally.
say "submitting $scenario as $shards shards"
"$here/submit.sh" "$scenario" "$shards" --out "$work/merged" --wait --time=10
t_sharded=$SECONDS
"$BLOCKADE" run "$scenario" --out "$work/local" --quiet
files=(adoption.csv summary.csv comparison.csv flows.csv points.csv metrics.csv robustness.csv)
for f in "${files[@]}"; do
  cmp "$work/local/$f" "$work/merged/$f" || fail "$f differs between the merged and the local run"
done
hash() { grep -m1 '"resolved_sha256"' "$1/run.json"; }
[ "$(hash "$work/local")" = "$(hash "$work/merged")" ] || fail "resolved_sha256 differs"
for i in $(seq 1 "$shards"); do
  [ -f "$work/merged.shards/$i-of-$shards/shard.json" ] || fail "no shard folder $i-of-$shards"
done
tasks=$(grep -m1 '"tasks_total"' "$work/merged.shards/1-of-$shards/shard.json" | tr -dc 0-9)

# 2. A shard that fails: --wait must fail, name it, and the merge must never run.
cat >"$work/flaky" <<EOF
#!/usr/bin/env bash
for a in "\$@"; do [ "\$a" = "2/$shards" ] && { echo "simulated failure" >&2; exit 3; }; done
exec "$BLOCKADE" "\$@"
EOF
chmod 755 "$work/flaky"
say "submitting again with shard 2/$shards made to fail"
rc=0
BLOCKADE=$work/flaky "$here/submit.sh" "$scenario" "$shards" --out "$work/failed" --wait \
  --time=10 2>"$work/failed.err" || rc=$?
sed 's/^/    /' "$work/failed.err" >&2
[ "$rc" = 1 ] || fail "submit.sh --wait returned $rc for a failed shard, not 1"
grep -q "shard 2/$shards" "$work/failed.err" || fail "the failed shard is not named"
[ ! -e "$work/failed" ] || fail "a merge ran although a shard failed"

# 3. A calibration, each batch as shards on the cluster and merged, until written; and the
# same calibration locally. The targets' values are arbitrary: only the bytes are compared.
calibration=$work/twin-targets.toml
cp "$repo/tests/scenarios/twin.toml" "$calibration"
for t in "early adopted 6 0.2" "late adopted 14 0.6" "domestic domestic 20 0.4"; do
  read -r name of at value <<<"$t"
  printf '\n[[targets]]\nname = "%s"\nof = "%s"\nat = %s\nvalue = %s\nobservation_sd = 0.02\ndiscrepancy_sd = 0.0\nuse = "calibrate"\n' \
    "$name" "$of" "$at" "$value" >>"$calibration"
done
sizes=(--wave-points 24 --waves 3 --abc-points 30)
say "calibrating $calibration as $shards shards a batch"
t_calibration=$SECONDS
"$here/calibrate.sh" "$calibration" "$shards" --out "$work/calibrated" --time=10 -- "${sizes[@]}"
t_calibrated=$SECONDS
"$BLOCKADE" calibrate "$calibration" --out "$work/calibrated-local" --quiet "${sizes[@]}"
batches=$(ls "$work/calibrated.logs" | grep -c '^merge-')
for f in wave_points.csv implausibility.csv waves.csv posterior.csv targets.csv parameters.csv; do
  cmp "$work/calibrated-local/$f" "$work/calibrated/$f" ||
    fail "$f differs between the sharded and the local calibration"
done
[ "$batches" -ge 2 ] || fail "the calibration ran $batches batches on the cluster"

say "passed: $shards shards of $tasks tasks on Slurm, merged byte-identical to a local run" \
  "(${files[*]}); a failed shard fails --wait; a calibration in $batches batches of $shards" \
  "shards byte-identical to a local one ($((t_calibrated - t_calibration)) s on the cluster)." \
  "Build $((t_build - t0)) s, cluster up in" \
  "$((t_cluster - t_build)) s, sharded run $((t_sharded - t_cluster)) s, total $((SECONDS - t0)) s"
