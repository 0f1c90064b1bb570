#!/usr/bin/env bash
# Prepares the planted-DLL test (tests/windows/planted_dll_test.ts) on the host, before the Wine
# integration run: builds the marker DLL with mingw-w64 and gives the test a PRIVATE copy of
# deno.exe to plant it next to.
#
#   bash tests/windows/planted/build.sh <deno.exe>   -> .cache/wine/planted/{marker.dll,bin/deno.exe}
#
# Why a copy: the Wine rootfs (and so /opt/deno/deno.exe) may be shared by several checkouts
# (.cache/wine-rootfs is a symlink in worktrees); a wtsapi32.dll planted in /opt/deno would be
# loaded by every other run of that deno.exe while the test lasts. The copy's folder belongs to
# this checkout alone, and the test removes what it plants in a finally.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
deno_exe="${1:?usage: build.sh <path of deno.exe>}"
out="$repo/.cache/wine/planted"
cc="${CC_WINDOWS:-x86_64-w64-mingw32-gcc}"
mkdir -p "$out/bin"

if [[ ! -e "$out/marker.dll" || "$here/marker.c" -nt "$out/marker.dll" || "$0" -nt "$out/marker.dll" ]]; then
  "$cc" -O2 -Wall -Wextra -Werror -shared -static-libgcc -o "$out/marker.dll.tmp" "$here/marker.c"
  mv -f "$out/marker.dll.tmp" "$out/marker.dll"
fi
# A stale planted file from a killed run would be loaded by the next bare-name control: remove.
rm -f "$out/bin/wtsapi32.dll" "$out/bin/rstrtmgr.dll"
if ! cmp -s "$deno_exe" "$out/bin/deno.exe"; then
  cp -f "$deno_exe" "$out/bin/deno.exe.tmp"
  mv -f "$out/bin/deno.exe.tmp" "$out/bin/deno.exe"
fi
echo "planted: marker.dll and a private deno.exe in ${out#"$repo"/}" >&2
