#!/usr/bin/env bash
# `make demo`: a synthetic quarter through the whole register, from files to statistics.
#   1. generate a population, a Kanta extract, separate deliveries and notifications
#   2. validate one delivery and write the report a county data team reads first
#   3. store the notifications, submit every delivery, load the Kanta extract
#   4. build the quarter's register, publish statistics and show the monitoring matrix
set -euo pipefail
out=${1:-demo-out}
scale=${SCALE:-county}
period=${PERIOD:-2023Q1}
sosdata=${SOSDATA:-.venv/bin/sosdata}
rm -rf "$out"
export SOSDATA_DATA_DIR="$out/data"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Data directory, keys and database"
$sosdata init

step "Synthetic $scale-scale data for $period"
$sosdata synth --scale "$scale" --period "$period" --periods 2 --seed 2023 --out "$out/synth"

step "Delivery-method notifications"
for f in "$out"/synth/notifications/*.json; do
  $sosdata notification import "$f" --submitted-at 2022-04-01T12:00
done

step "Validation report of one delivery (what a county sees before sending)"
first=$(ls "$out"/synth/deliveries/"$period"/*.zip | head -n 1)
$sosdata validate "$first" --period "$period" --lang en --format html --output "$out/validation-report.html" || true
$sosdata validate "$first" --period "$period" --lang en || true

step "Submissions (a delivery with a file-level fault is refused; the register is unchanged)"
for quarter_dir in "$out"/synth/deliveries/2*; do
  for zip in "$quarter_dir"/*.zip; do $sosdata submit "$zip" || true; done
done
$sosdata submit "$out/synth/deliveries/faults/not-utf8.zip" || true
$sosdata deliveries list

step "Kanta extract"
for q in $(ls "$out"/synth/deliveries | grep -v faults); do
  $sosdata kanta load "$out/synth/kanta/extract.parquet" --period "$q"
done

for q in $(ls "$out"/synth/deliveries | grep -v faults); do
  step "Register of $q"
  $sosdata build --period "$q"
done

step "Statistics (suppressed cells shown as ..)"
$sosdata stats --period "$period" --format xlsx --out "$out/statistics"
$sosdata stats --period "$period" --format px --out "$out/statistics"

step "Monitoring"
$sosdata status --period "$period"

step "Done"
echo "validation report: $out/validation-report.html"
echo "statistics and charts: $out/statistics/"
echo "register database: $out/data/register.duckdb"
