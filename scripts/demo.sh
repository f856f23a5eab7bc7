#!/usr/bin/env bash
# One command shows the register at work on synthetic data: `make demo`.
set -euo pipefail
out=${1:-demo-out}
sosdata=.venv/bin/sosdata
rm -rf "$out"
export SOSDATA_DATA_DIR="$out/data"

$sosdata init
$sosdata codes list palvelutehtava --lang en
$sosdata organisers list --lang en
