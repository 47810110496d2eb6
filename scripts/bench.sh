#!/usr/bin/env bash
# Measures the performance targets of issue 5 with the release build and writes the figures
# into docs/PERFORMANCE.md, between the markers <!-- bench:begin --> and <!-- bench:end -->.
#
#   scripts/bench.sh            # every target, best of 3 runs each
#   REPS=5 scripts/bench.sh     # more runs per target on a noisy machine
#   QUICK=1 scripts/bench.sh    # smaller sizes, one run each: checks that the script works
#   BIN=/path/to/blockade scripts/bench.sh   # another build (e.g. an older commit's): prints
#                                            # the figures without building or writing the doc
#   BEFORE=/path/to/blockade scripts/bench.sh   # also runs the 10^7 run and the sweep with
#                                            # that build, and gives after / before ratios
#   SWEEP_POINTS=100 scripts/bench.sh   # the sweep of issue 13 with fewer points (default 2000)
#   ONLY=sweep scripts/bench.sh   # only the targets of issue 13 (sweep, 10^6, 10^7): prints them
#
# Issue 13's target: the flagship with a 2-parameter latin hypercube (adoption.innovation in
# 0.002-0.006, adoption.imitation in 0.05-0.25, the file's own sweep ranges) of SWEEP_POINTS
# points at 5 000 agents x 5 replicates x 7 arms runs at least at the agent-step rate of one
# 10^6-agent run, and the 10^7-agent run is no slower than before. A binary that knows
# --tables writes a sweep's default tables (metrics); an older one writes every table (32 MB
# per point). The sweep's output folder size is printed under the table.
#
# Each run is timed by /usr/bin/time -v (wall time and peak resident memory of the whole
# process: parsing, simulation, CSV writing); the simulation's own rate is read from run.json
# (agent_steps_per_s = agent-steps / wall_time_s, the time spent in runner::run: networks,
# agents and steps). Wall times on a shared machine are noisy: the table gives the best, the
# median and the worst of the runs, and the best is what the targets are judged on.
set -euo pipefail
cd "$(dirname "$0")/.."

REPS=${REPS:-3}
SCENARIO=scenarios/openai-api-block-2024.toml
BIG=10000000
SMALL=100000
SMALL_REPLICATES=100
SWEEP_POINTS=${SWEEP_POINTS:-2000}
BEFORE=${BEFORE:-}
if [[ -n "${QUICK:-}" ]]; then
    REPS=1 BIG=200000 SMALL=10000 SMALL_REPLICATES=8 SWEEP_POINTS=${SWEEP_POINTS_QUICK:-10}
fi
DOC=docs/PERFORMANCE.md
OTHER_BIN=${BIN:-}
BIN=${BIN:-target/release/blockade}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
[[ -n "$OTHER_BIN" ]] || cargo build --release --quiet

# run NAME ARGS...: REPS runs; prints "wall_best wall_median wall_worst sim_rate_best e2e_rate_best
# rss_max agent_steps cpu_of_best", cpu_of_best being the share of a core the best run got
# (/usr/bin/time's "Percent of CPU", 200% = both cores of this machine).
run() {
    local name=$1; shift
    local walls=() rates=() cpus=() rss=0 steps=0
    for ((r = 0; r < REPS; r++)); do
        local out="$WORK/$name-$r"
        /usr/bin/time -v "${RUN_BIN:-$BIN}" run "${RUN_SCENARIO:-$SCENARIO}" --quiet --out "$out" "$@" \
            2>"$WORK/time" >/dev/null
        local wall kb rate cpu
        wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/time" |
            awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
        kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time")
        rate=$(sed -n 's/.*"agent_steps_per_s": \([0-9.e+]*\).*/\1/p' "$out/run.json")
        steps=$(sed -n 's/.*"agent_steps": \([0-9]*\).*/\1/p' "$out/run.json")
        cpu=$(sed -n 's/.*Percent of CPU this job got: \([0-9]*\)%.*/\1/p' "$WORK/time")
        walls+=("$wall") rates+=("$rate") cpus+=("$wall $cpu")
        ((kb > rss)) && rss=$kb
        du -sb "$out" | cut -f1 >"$WORK/$name.bytes"
        rm -rf "$out"
    done
    local sorted best median worst
    sorted=$(printf '%s\n' "${walls[@]}" | sort -g)
    best=$(echo "$sorted" | head -1)
    worst=$(echo "$sorted" | tail -1)
    median=$(echo "$sorted" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    local rate_best
    rate_best=$(printf '%s\n' "${rates[@]}" | sort -g | tail -1)
    local cpu_best
    cpu_best=$(printf '%s\n' "${cpus[@]}" | sort -g | head -1 | cut -d' ' -f2)
    echo "$best $median $worst $rate_best $(awk -v s="$steps" -v w="$best" 'BEGIN { printf "%.0f", s / w }') $rss $steps $cpu_best"
}

fmt_rate() { awk -v r="$1" 'BEGIN { printf "%.1f M", r / 1e6 }'; }
fmt_mb() { awk -v k="$1" 'BEGIN { printf "%.0f MB", k * 1024 / 1e6 }'; }
row() { # label result
    read -r best median worst sim e2e rss steps cpu <<<"$2"
    printf '| %s | %s | %.2f s (%.2f / %.2f) | %s%% | %s | %s | %s |\n' "$1" \
        "$(awk -v s="$steps" 'BEGIN { printf "%.3g G", s / 1e9 }')" "$best" "$median" "$worst" \
        "$cpu" "$(fmt_rate "$sim")" "$(fmt_rate "$e2e")" "$(fmt_mb "$rss")"
}

# The sweep of issue 13: the flagship with a [sweep] appended.
SWEEP_FILE="$WORK/sweep.toml"
{
    cat "$SCENARIO"
    printf '\n[sweep]\ndesign = "latin_hypercube"\nsamples = %s\nseed = 13\n' "$SWEEP_POINTS"
    printf '[sweep.parameters]\n"adoption.innovation" = { min = 0.002, max = 0.006 }\n'
    printf '"adoption.imitation" = { min = 0.05, max = 0.25 }\n'
} >"$SWEEP_FILE"
# sweep BINARY: the sweep's figures with that build.
sweep() {
    RUN_BIN=$1 RUN_SCENARIO=$SWEEP_FILE run "sweep-$(basename "$1")" --population 5000 --replicates 5
}
issue13() {
    echo "issue 13: $SWEEP_POINTS-point sweep at 5000 agents x 5 replicates" >&2
    sw=$(sweep "$BIN")
    echo "issue 13: 1000000 agents, 1 replicate, baseline" >&2
    m6=$(run m6 --population 1000000 --replicates 1 --variant baseline)
    echo "issue 13: $BIG agents, 1 replicate, baseline" >&2
    b7=$(run b7 --population "$BIG" --replicates 1 --variant baseline)
    if [[ -n "$BEFORE" ]]; then
        echo "issue 13: the same with $BEFORE" >&2
        sw_before=$(sweep "$BEFORE")
        b7_before=$(RUN_BIN=$BEFORE run b7-before --population "$BIG" --replicates 1 --variant baseline)
    fi
    read -r _ _ _ sw_sim sw_e2e _ _ _ <<<"$sw"
    read -r _ _ _ m6_sim m6_e2e _ _ _ <<<"$m6"
    read -r b7_wall _ _ _ _ _ _ _ <<<"$b7"
    echo
    echo "| run | agent-steps | wall: best (median / worst) | CPU | simulation agent-steps/s | end to end agent-steps/s | peak RSS |"
    echo "|---|---|---|---|---|---|---|"
    row "$SWEEP_POINTS-point sweep, 5000 agents x 5 replicates x 7 arms" "$sw"
    [[ -z "$BEFORE" ]] || row "the same, before" "$sw_before"
    row "1000000 agents, 1 replicate, baseline" "$m6"
    row "$BIG agents, 1 replicate, baseline" "$b7"
    [[ -z "$BEFORE" ]] || row "the same, before" "$b7_before"
    echo
    echo "The sweep's output folder (default tables, \`du -sb\`): $(awk -v b="$(cat "$WORK/sweep-$(basename "$BIN").bytes")" 'BEGIN { printf "%.1f MB", b / 1e6 }')"
    echo
    echo "| target | figure | verdict |"
    echo "|---|---|---|"
    echo "| sweep rate >= the 10^6 run's (simulation) | $(fmt_rate "$sw_sim") / $(fmt_rate "$m6_sim") = $(awk -v a="$sw_sim" -v b="$m6_sim" 'BEGIN { printf "%.2f", a / b }') | $(verdict "$sw_sim >= $m6_sim") |"
    echo "| sweep rate >= the 10^6 run's (end to end) | $(fmt_rate "$sw_e2e") / $(fmt_rate "$m6_e2e") = $(awk -v a="$sw_e2e" -v b="$m6_e2e" 'BEGIN { printf "%.2f", a / b }') | $(verdict "$sw_e2e >= $m6_e2e") |"
    if [[ -n "$BEFORE" ]]; then
        read -r _ _ _ swb_sim swb_e2e _ _ _ <<<"$sw_before"
        read -r b7b_wall _ _ _ _ _ _ _ <<<"$b7_before"
        echo "| sweep simulation rate, after / before | $(fmt_rate "$sw_sim") / $(fmt_rate "$swb_sim") = $(awk -v a="$sw_sim" -v b="$swb_sim" 'BEGIN { printf "%.2f", a / b }') | |"
        echo "| sweep end-to-end rate, after / before | $(fmt_rate "$sw_e2e") / $(fmt_rate "$swb_e2e") = $(awk -v a="$sw_e2e" -v b="$swb_e2e" 'BEGIN { printf "%.2f", a / b }') | |"
        echo "| $BIG agents no slower than before (best wall) | $b7_wall s / $b7b_wall s = $(awk -v a="$b7_wall" -v b="$b7b_wall" 'BEGIN { printf "%.2f", a / b }') | $(verdict "$b7_wall <= 1.05 * $b7b_wall") (within 5%, the noise) |"
    fi
}
verdict() { if awk "BEGIN { exit !($1) }"; then echo "met"; else echo "**not met**"; fi; }
if [[ "${ONLY:-}" == sweep ]]; then
    echo "$(nproc) cores, load average $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after; best of $REPS runs" >&2
    issue13
    exit 0
fi

echo "target 1: $BIG agents, 1 replicate, baseline" >&2
big=$(run big --population "$BIG" --replicates 1 --variant baseline)
echo "target 2: $SMALL agents, $SMALL_REPLICATES replicates, every variant" >&2
many=$(run many --population "$SMALL" --replicates "$SMALL_REPLICATES")
echo "target 3: $BIG agents on one thread" >&2
one=$(run one --population "$BIG" --replicates 1 --variant baseline --threads 1)
echo "target 4: population sweep" >&2
p5=$(run p5 --population 100000 --replicates 1 --variant baseline)
p6=$(run p6 --population 1000000 --replicates 1 --variant baseline)

read -r big_wall _ _ big_sim _ big_rss _ _ <<<"$big"
read -r _ _ _ many_sim _ _ _ _ <<<"$many"
read -r one_wall _ _ one_sim _ _ _ _ <<<"$one"
read -r _ _ _ p5_sim _ _ _ _ <<<"$p5"
read -r _ _ _ p6_sim _ _ _ _ <<<"$p6"
ratio_many=$(awk -v a="$many_sim" -v b="$big_sim" 'BEGIN { printf "%.2f", a / b }')
speedup=$(awk -v a="$big_sim" -v b="$one_sim" 'BEGIN { printf "%.2f", a / b }')
linear_gap=$(awk -v s="$speedup" 'BEGIN { printf "%.2f", 2 / s }')

commit=$(git rev-parse --short HEAD)
dirty=$(git diff --quiet HEAD -- src Cargo.toml || echo " (with uncommitted changes)")
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)

section=$(
    cat <<EOF
Measured by \`scripts/bench.sh\` on $(date -u +%Y-%m-%d) at commit \`$commit\`$dirty:
$(nproc) cores ($cpu), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) of
memory; load average $load_before before the runs and $(cut -d' ' -f1-3 /proc/loadavg) after. Best of
$REPS runs per target; wall is the whole process (best, then median / worst); "CPU" is the
share of a core the best run got (200% = both cores: less means other work on the machine
took the rest); "simulation" is \`agent_steps_per_s\` from run.json (time in
\`runner::run\`), "end to end" is agent-steps / best wall.

| run | agent-steps | wall: best (median / worst) | CPU | simulation agent-steps/s | end to end agent-steps/s | peak RSS |
|---|---|---|---|---|---|---|
$(row "$BIG agents, 1 replicate, baseline" "$big")
$(row "$SMALL agents, $SMALL_REPLICATES replicates, every variant" "$many")
$(row "$BIG agents, 1 replicate, baseline, --threads 1" "$one")
$(row "100000 agents, 1 replicate, baseline" "$p5")
$(row "1000000 agents, 1 replicate, baseline" "$p6")

| target | figure | verdict |
|---|---|---|
| $BIG agents under 8 s wall | $big_wall s | $(verdict "$big_wall < 8") |
| ... and under 1.2 GB peak RSS | $(fmt_mb "$big_rss") | $(verdict "$big_rss * 1024 < 1.2e9") |
| many small runs at >= 80% of the big run's rate | $(fmt_rate "$many_sim") / $(fmt_rate "$big_sim") = $ratio_many | $(verdict "$ratio_many >= 0.8") |
| 1 -> 2 threads within 1.3x of linear | speed-up $speedup, 2 / speed-up = $linear_gap | $(verdict "$linear_gap <= 1.3") |
| cost linear in population 10^5 .. 10^7 | $(fmt_rate "$p5_sim"), $(fmt_rate "$p6_sim"), $(fmt_rate "$big_sim") agent-steps/s | $(verdict "$p5_sim / $big_sim < 1.5 && $big_sim / $p5_sim < 1.5") |
EOF
)

if [[ -n "${QUICK:-}" || -n "$OTHER_BIN" ]]; then
    echo "$section"
    exit 0
fi
awk -v section="$section" '
    /<!-- bench:begin -->/ { print; print section; skip = 1; next }
    /<!-- bench:end -->/ { skip = 0 }
    !skip { print }
' "$DOC" >"$WORK/doc"
cp "$WORK/doc" "$DOC"
echo "$section"
echo "wrote $DOC" >&2
