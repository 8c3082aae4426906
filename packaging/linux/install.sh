#!/usr/bin/env bash
# Install the one-folder build (dist/mlops-desktop) with its desktop integration.
#
#   packaging/linux/install.sh                 # per user: ~/.local
#   sudo packaging/linux/install.sh /usr/local # system-wide
#   packaging/linux/install.sh --uninstall [PREFIX]
#
# Layout under PREFIX: lib/mlops-desktop/ (the app folder), bin/mlops-desktop (a symlink),
# share/applications/<id>.desktop, share/icons/hicolor/*/apps/<id>.{png,svg},
# share/metainfo/<id>.metainfo.xml. DIST overrides the app folder to install.
set -euo pipefail

APP_ID=io.github.mlopsdesktop.MLOpsDesktop
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

uninstall=0
if [[ "${1:-}" == "--uninstall" ]]; then
  uninstall=1
  shift
fi
PREFIX="${1:-$HOME/.local}"
DIST="${DIST:-$ROOT/dist/mlops-desktop}"

refresh_caches() {
  if command -v update-desktop-database >/dev/null; then
    update-desktop-database -q "$PREFIX/share/applications" || true
  fi
  if command -v gtk-update-icon-cache >/dev/null && [[ -f "$PREFIX/share/icons/hicolor/index.theme" ]]; then
    gtk-update-icon-cache -q -t "$PREFIX/share/icons/hicolor" || true
  fi
}

if (( uninstall )); then
  rm -rf "$PREFIX/lib/mlops-desktop"
  rm -f "$PREFIX/bin/mlops-desktop" \
    "$PREFIX/share/applications/$APP_ID.desktop" \
    "$PREFIX/share/metainfo/$APP_ID.metainfo.xml"
  find "$PREFIX/share/icons/hicolor" -name "$APP_ID.*" -delete 2>/dev/null || true
  refresh_caches
  echo "removed MLOps Desktop from $PREFIX"
  exit 0
fi

if [[ ! -x "$DIST/mlops-desktop" ]]; then
  echo "no build at $DIST: run 'python packaging/build.py' first" >&2
  exit 1
fi

mkdir -p "$PREFIX/lib" "$PREFIX/bin" "$PREFIX/share/applications" "$PREFIX/share/metainfo"
rm -rf "$PREFIX/lib/mlops-desktop"
cp -a "$DIST" "$PREFIX/lib/mlops-desktop"
ln -sfn "$PREFIX/lib/mlops-desktop/mlops-desktop" "$PREFIX/bin/mlops-desktop"

# Exec/TryExec with the absolute path, so the menu entry works without PREFIX/bin on PATH.
sed -e "s|^Exec=mlops-desktop|Exec=$PREFIX/bin/mlops-desktop|" \
    -e "s|^TryExec=mlops-desktop|TryExec=$PREFIX/bin/mlops-desktop|" \
    "$HERE/$APP_ID.desktop" > "$PREFIX/share/applications/$APP_ID.desktop"
cp "$HERE/$APP_ID.metainfo.xml" "$PREFIX/share/metainfo/"
for dir in "$HERE"/icons/hicolor/*/apps; do
  size="$(basename "$(dirname "$dir")")"
  mkdir -p "$PREFIX/share/icons/hicolor/$size/apps"
  cp "$dir"/"$APP_ID".* "$PREFIX/share/icons/hicolor/$size/apps/"
done
refresh_caches
echo "installed MLOps Desktop in $PREFIX (run: $PREFIX/bin/mlops-desktop)"
