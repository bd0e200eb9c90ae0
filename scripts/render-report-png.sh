#!/usr/bin/env bash
# Renders an elido-sim HTML report to a PNG with headless Chromium (Debian's `chromium` package:
# `apt-get install chromium`). Usage: scripts/render-report-png.sh REPORT.html OUT.png [WIDTH HEIGHT]
set -euo pipefail
if [ "$#" -lt 2 ]; then
  echo "usage: $0 REPORT.html OUT.png [WIDTH HEIGHT]" >&2
  exit 2
fi
report=$(realpath "$1")
out=$(realpath -m "$2")
width=${3:-1150}
height=${4:-1400}
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "chromium not found: install Debian's chromium package (apt-get install chromium)" >&2
  exit 2
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# The flags keep Chromium off the network: the report is self-contained and needs none.
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --window-size="${width},${height}" \
  --screenshot="$out" "file://${report}" 2>/dev/null
echo "Wrote $out"
