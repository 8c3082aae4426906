#!/usr/bin/env bash
# Smoke-test the built one-folder app: --version, the demo (MLflow stores, training, live
# endpoints) and an offscreen screenshot of the window; stops the demo's endpoints afterwards.
#
#   packaging/smoke_test.sh            # after `python packaging/build.py`
#   python packaging/build.py --smoke  # build, then this
#
# MLOPS_DESKTOP_BINARY overrides the binary, SMOKE_HOME the app home (default: a temp folder),
# SMOKE_SCREENSHOT the PNG written (default: $SMOKE_HOME/frozen.png).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${MLOPS_DESKTOP_BINARY:-$ROOT/dist/mlops-desktop/mlops-desktop}"
export MLOPS_DESKTOP_HOME="${SMOKE_HOME:-$(mktemp -d -t mlops-desktop-smoke.XXXXXX)}"
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
SHOT="${SMOKE_SCREENSHOT:-$MLOPS_DESKTOP_HOME/frozen.png}"

stop_endpoints() {
  # The demo leaves its endpoints running (as real ones do); stop them by name.
  "$BIN" endpoints list --json 2>/dev/null | "$BIN" -c '
import json, sys
for item in json.load(sys.stdin):
    print(item.get("workspace", ""), item.get("name", ""))
' | while read -r workspace name; do
    [[ -n "$name" ]] && "$BIN" endpoints stop "$name" --workspace "$workspace" >/dev/null || true
  done
  # ... and the deployment fork host (it would otherwise exit after 30 idle minutes).
  "$BIN" -c '
from mlops_desktop.serving.launchers import ForkLauncher
from mlops_desktop.serving.manager import default_host_dir
ForkLauncher(default_host_dir()).stop_host()
' || true
}
trap stop_endpoints EXIT

echo "== $BIN --version"
"$BIN" --version

echo "== demo (home $MLOPS_DESKTOP_HOME)"
start=$(date +%s)
"$BIN" demo
echo "demo took $(( $(date +%s) - start )) s"
"$BIN" endpoints list

echo "== screenshot"
start=$(date +%s)
"$BIN" --screenshot "$SHOT"
echo "screenshot took $(( $(date +%s) - start )) s"
if [[ ! -s "$SHOT" ]]; then
  echo "no screenshot written at $SHOT" >&2
  exit 1
fi
echo "smoke test passed; screenshot at $SHOT"
