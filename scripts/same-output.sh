#!/usr/bin/env bash
# Runs every bundled scenario (and the test sweep) with two builds of blockade and compares
# every CSV file byte for byte. Used to show that a restructuring changes no result.
#
#   scripts/same-output.sh OLD_BINARY NEW_BINARY [run flags...]
#
# Default flags keep it to a minute on 2 cores: --population 3000 --replicates 3.
# Exit 0 when every CSV is identical, 1 otherwise (the differing files are listed).
set -euo pipefail
cd "$(dirname "$0")/.."
old=$1 new=$2
shift 2
flags=("$@")
[ ${#flags[@]} -gt 0 ] || flags=(--population 3000 --replicates 3)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for file in scenarios/*.toml tests/scenarios/tiny-sweep.toml; do
    name=$(basename "$file" .toml)
    "$old" run "$file" --quiet --out "$work/old/$name" "${flags[@]}"
    "$new" run "$file" --quiet --out "$work/new/$name" "${flags[@]}"
    for csv in "$work/old/$name"/*.csv; do
        base=$(basename "$csv")
        if cmp -s "$csv" "$work/new/$name/$base"; then
            printf 'same      %s/%s (%s bytes)\n' "$name" "$base" "$(stat -c %s "$csv")"
        else
            printf 'DIFFERENT %s/%s\n' "$name" "$base"
            status=1
        fi
    done
    for csv in "$work/new/$name"/*.csv; do
        [ -e "$work/old/$name/$(basename "$csv")" ] || { printf 'NEW FILE  %s/%s\n' "$name" "$(basename "$csv")"; status=1; }
    done
done
exit $status
