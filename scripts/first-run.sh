#!/usr/bin/env bash
# Measure the first run the README promises: a fresh clone of this repository to the demo's pictures
# (`make demo`), and the size of the venv that makes. Usage: bash scripts/first-run.sh [REPO]
# (default: this checkout's committed HEAD). Run it twice: the second run has a warm pip cache.
set -euo pipefail
repo=${1:-$(cd "$(dirname "$0")/.." && pwd)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$(date +%s.%N)
git clone --quiet "$repo" "$work/clone"
cd "$work/clone"
if ! make demo >"$work/demo.log" 2>&1; then
  cat "$work/demo.log" >&2
  exit 1
fi
end=$(date +%s.%N)
ls out/*.svg out/*.png out/*.html >/dev/null  # the pictures and pages are there
python3 -c "print(f'fresh clone to pictures: {$end - $start:.1f} s')"
echo "demo venv: $(du -sh .venv | cut -f1), packages: $(.venv/bin/python -m pip list --format=freeze 2>/dev/null | tr '\n' ' ')"
echo "pictures and pages: $(ls out | wc -l) files in out/"
