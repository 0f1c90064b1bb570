#!/usr/bin/env bash
# Fetches the Windows build of Deno (npm package @deno/win32-x64, pinned) and puts deno.exe into
# the Wine rootfs at /opt/deno/deno.exe. Idempotent: does nothing when the right version is there.
# Needs the rootfs (scripts/wine/rootfs.sh) and npm.
set -euo pipefail
source "$(dirname "$0")/common.sh"

[ -d "$WINE_ROOTFS" ] || wine_die "no rootfs at $WINE_ROOTFS: run scripts/wine/rootfs.sh first"
target="$WINE_ROOTFS$WINE_DENO_EXE_IN_CHROOT"
stamp="$target.version"
if [ -f "$target" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$DENO_WIN_VERSION" ]; then
  echo "deno_exe.sh: deno.exe $DENO_WIN_VERSION is in place"
  exit 0
fi
command -v npm >/dev/null || wine_die "npm is missing: apt-get install npm (or install Node.js)"
package_dir="$WINE_STATE/npm"
mkdir -p "$package_dir"
# npm install, not the "deno" wrapper package: the win32 platform package is skipped by npm on
# Linux (os/cpu fields), so ask for it by name and tell npm to ignore the platform check.
npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error --force \
  --prefix "$package_dir" "@deno/win32-x64@$DENO_WIN_VERSION" >&2
source_exe="$package_dir/node_modules/@deno/win32-x64/deno.exe"
[ -f "$source_exe" ] || wine_die "npm did not deliver deno.exe (looked for $source_exe)"
mkdir -p "$(dirname "$target")"
cp "$source_exe" "$target.tmp"
mv "$target.tmp" "$target"
echo "$DENO_WIN_VERSION" >"$stamp"
echo "deno_exe.sh: deno.exe $DENO_WIN_VERSION -> $target"
