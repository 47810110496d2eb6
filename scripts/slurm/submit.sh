#!/usr/bin/env bash
# Runs a blockade scenario (a sweep, usually) on a Slurm cluster as N shards and merges them.
#
#   submit.sh FILE N [--out DIR] [--wait] [sbatch options...] [-- blockade run flags...]
#
# Checks FILE locally first (a bad file is refused before anything is submitted), then submits
#   - a job array of N tasks (sweep.sbatch): task t runs shard t+1 of N into DIR.shards/I-of-N;
#   - a merge job, --dependency=afterok on the array, that runs `blockade merge` into DIR.
# The merge runs only if every shard succeeded; a failed shard cancels it. DIR defaults to
# output/<FILE's name without .toml>; logs go to DIR.shards/logs/. sbatch options (e.g.
# --partition=short --time=1:00:00 --cpus-per-task=4) apply to both jobs. Flags after `--`
# change the scenario as they do for `blockade run` (--set, --variant, --seed, --replicates,
# --population); every shard gets the same ones.
#
# --wait returns when the merge has finished: 0 if it succeeded, 1 if a shard or the merge
# failed (naming the failed shards and their logs). Without --wait it returns once submitted.
# Exit status 2: bad arguments or a scenario file that `blockade check` refuses.
#
# The binary is $BLOCKADE, else `blockade` on the PATH, else target/release/blockade of this
# repository. Every node must see the same file system (FILE, DIR and the binary).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
poll=${BLOCKADE_POLL_SECONDS:-2}

say() { echo "submit.sh: $*" >&2; }
usage() {
  sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[ $# -ge 2 ] || usage
file=$1 n=$2
shift 2
[[ $n =~ ^[1-9][0-9]*$ ]] || { say "N must be a whole number >= 1, not '$n'"; exit 2; }
[ -f "$file" ] || { say "no scenario file '$file'"; exit 2; }

out="" wait=0 sbatch_opts=() run_opts=()
while [ $# -gt 0 ]; do
  case $1 in
    --out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
    --out=*) out=${1#--out=}; shift ;;
    --wait) wait=1; shift ;;
    --) shift; run_opts=("$@"); break ;;
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
out=${out:-output/$(basename "$file" .toml)}
out=$(realpath -m "$out")
shards=$out.shards
logs=$shards/logs

# Refuse a bad file (or flags) here, with blockade's own message, not in N job logs.
if ! "$BLOCKADE" check "$file" ${run_opts[@]+"${run_opts[@]}"} >/dev/null; then
  exit 2
fi
mkdir -p "$logs"

# The merge job is a script of its own (kept beside the shards as a record of what ran), so
# that folder names need only bash's quoting.
merge_script=$shards/merge.sh
{
  echo '#!/usr/bin/env bash'
  echo 'set -euo pipefail'
  printf 'exec %q merge' "$BLOCKADE"
  for i in $(seq 1 "$n"); do printf ' %q' "$shards/$i-of-$n"; done
  printf ' --out %q\n' "$out"
} >"$merge_script"
chmod 755 "$merge_script"

# --parsable prints "id" or "id;cluster".
submitted=$(sbatch --parsable --array=0-$((n - 1)) --job-name=blockade-shards \
  --output="$logs/shard-%a.log" --export="ALL,BLOCKADE=$BLOCKADE" \
  ${sbatch_opts[@]+"${sbatch_opts[@]}"} \
  "$here/sweep.sbatch" "$file" "$n" "$shards" ${run_opts[@]+"${run_opts[@]}"}) ||
  { say "sbatch refused the shards' job array"; exit 1; }
array_id=${submitted%%;*}
submitted=$(sbatch --parsable --dependency="afterok:$array_id" \
  --kill-on-invalid-dep=yes --job-name=blockade-merge --output="$logs/merge.log" \
  ${sbatch_opts[@]+"${sbatch_opts[@]}"} "$merge_script") || {
  # Shards nobody would merge are wasted work.
  scancel "$array_id" 2>/dev/null || true
  say "sbatch refused the merge job; cancelled the shards (job $array_id)"
  exit 1
}
merge_id=${submitted%%;*}

say "submitted $n shards as array job $array_id and the merge as job $merge_id"
say "shards: $shards/I-of-$n; logs: $logs; results: $out"
[ "$wait" = 1 ] || exit 0

# True while job $1 (or a task of it) is pending or running. A job the controller no longer
# knows has finished; any other squeue failure is taken as "still running" and polled again.
active() {
  local listed rc=0
  listed=$(squeue -h -j "$1" -o %T 2>&1) || rc=$?
  if [ "$rc" != 0 ]; then
    case $listed in *"Invalid job id"*) return 1 ;; *) return 0 ;; esac
  fi
  [ -n "$listed" ]
}

# "TASK STATE EXITCODE" for a job and each of its array tasks (TASK is - for a plain job):
# from scontrol while the controller remembers the job, else from accounting.
states() {
  local lines
  lines=$(scontrol -o show job "$1" 2>/dev/null | awk '{
    t = "-"; s = "?"; e = "?"
    for (i = 1; i <= NF; i++) {
      split($i, kv, "=")
      if (kv[1] == "ArrayTaskId") t = kv[2]
      if (kv[1] == "JobState") s = kv[2]
      if (kv[1] == "ExitCode") e = kv[2]
    }
    print t, s, e
  }') || true
  if [ -z "$lines" ] && command -v sacct >/dev/null; then
    lines=$(sacct -n -P -X -j "$1" -o JobID,State,ExitCode 2>/dev/null | awk -F'|' '{
      t = "-"; if (index($1, "_")) t = substr($1, index($1, "_") + 1)
      split($2, s, " "); print t, s[1], $3
    }') || true
  fi
  echo "$lines"
}

started=$SECONDS
while active "$array_id" || active "$merge_id"; do
  # A cluster that ignores --kill-on-invalid-dep keeps a merge that can never run pending.
  if scontrol -o show job "$merge_id" 2>/dev/null | grep -q 'Reason=DependencyNeverSatisfied'; then
    scancel "$merge_id" 2>/dev/null || true
  fi
  sleep "$poll"
done

failed=0
while read -r task state code; do
  [ -n "${task:-}" ] || continue
  if [ "$state" != COMPLETED ] || [ "$code" != 0:0 ]; then
    failed=$((failed + 1))
    say "shard $((task + 1))/$n (array task $array_id"_"$task): $state, exit $code; log: $logs/shard-$task.log"
    tail -n 5 "$logs/shard-$task.log" 2>/dev/null | sed 's/^/    /' >&2 || true
  fi
done < <(states "$array_id")
read -r _ merge_state merge_code < <(states "$merge_id") || true
if [ "$failed" = 0 ] && [ "${merge_state:-?}" = COMPLETED ] && [ "${merge_code:-?}" = 0:0 ]; then
  say "merged into $out after $((SECONDS - started)) s of waiting"
  exit 0
fi
if [ "${merge_state:-?}" != COMPLETED ] || [ "${merge_code:-?}" != 0:0 ]; then
  say "the merge (job $merge_id) did not succeed: ${merge_state:-unknown}, exit ${merge_code:-?}; log: $logs/merge.log"
  tail -n 5 "$logs/merge.log" 2>/dev/null | sed 's/^/    /' >&2 || true
fi
exit 1
