#!/usr/bin/env bash
# Builds the winsession test doubles.
#   bash tests/doubles/build.sh                 -> tests/doubles/build/linux/*.so
#   TARGET=windows bash tests/doubles/build.sh  -> tests/doubles/build/windows/*.dll (mingw-w64)
# Rebuilds a library only when one of its sources (or core.h / this script) is newer than it,
# so a no-op run costs a few stat calls.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="${TARGET:-linux}"
flags=(-O2 -Wall -Wextra -Werror -std=gnu11)

case "$target" in
  linux)
    cc="${CC:-cc}"
    ext=so
    flags+=(-fPIC -pthread -fvisibility=hidden)
    ;;
  windows)
    cc="${CC_WINDOWS:-x86_64-w64-mingw32-gcc}"
    ext=dll
    flags+=(-static-libgcc)
    ;;
  *)
    echo "build.sh: unknown TARGET '$target' (linux or windows)" >&2
    exit 2
    ;;
esac

out="$here/build/$target"
mkdir -p "$out"

# newer OUTPUT INPUT...: true when OUTPUT is missing or older than any input.
stale() {
  local output="$1"
  shift
  [[ -e "$output" ]] || return 0
  local input
  for input in "$@"; do
    [[ "$input" -nt "$output" ]] && return 0
  done
  return 1
}

# compile OUTPUT SOURCE EXTRA...: runs the compiler, printing its output and failing loudly.
compile() {
  local output="$1" source="$2"
  shift 2
  local log staging="$out/.staging"
  mkdir -p "$staging"
  # Built under its final file name (a PE records its own name) in a staging folder, then moved
  # into place, so a failed build never leaves a half-written library behind.
  if ! log="$("$cc" "${flags[@]}" -shared -o "$staging/${output##*/}" "$source" "$@" 2>&1)"; then
    rm -f "$staging/${output##*/}"
    echo "build.sh: FAILED to compile $(basename "$source") for $target with $cc:" >&2
    echo "$log" >&2
    failed+=("$(basename "$source")")
    return 0
  fi
  [[ -n "$log" ]] && echo "$log" >&2
  mv -f "$staging/${output##*/}" "$output"
}

built=()
failed=()
core="$out/wsdouble.$ext"
deps=("$here/core.h" "$here/build.sh")

if [[ "$target" == linux ]]; then
  if stale "$core" "$here/core.c" "${deps[@]}"; then
    compile "$core" "$here/core.c" -Wl,-soname,wsdouble.so -Wl,-z,nodelete
    built+=(wsdouble)
    ((${#failed[@]})) && { echo "build.sh: the core failed to build" >&2; exit 1; }
  fi
  link=("$core" "-Wl,-rpath,\$ORIGIN" -Wl,-z,nodelete)
else
  implib="$out/libwsdouble.dll.a"
  if stale "$core" "$here/core.c" "${deps[@]}" || [[ ! -e "$implib" ]]; then
    compile "$core" "$here/core.c" -Wl,--export-all-symbols "-Wl,--out-implib,$implib"
    built+=(wsdouble)
    ((${#failed[@]})) && { echo "build.sh: the core failed to build" >&2; exit 1; }
  fi
  # The import library by path, never -L"$out": ld would resolve the CRT's -lkernel32 to our
  # kernel32.dll double sitting in that folder.
  link=("$implib")
fi

for name in kernel32 wtsapi32 rstrtmgr advapi32; do
  source="$here/$name.c"
  [[ -e "$source" ]] || continue
  library="$out/$name.$ext"
  if stale "$library" "$source" "$core" "${deps[@]}"; then
    extra=()
    if [[ "$target" == windows && "$name" == kernel32 ]]; then
      # Exported under the Win32 names from dbl_k32_* (see the K32 macro in kernel32.c).
      def="$out/kernel32.def"
      {
        echo "EXPORTS"
        grep -o 'K32([A-Za-z0-9_]*)' "$source" | grep -v 'K32(name)' | sed 's/K32(\(.*\))/\1=dbl_k32_\1/' | sort -u
      } >"$def"
      extra=("$def")
    fi
    before=${#failed[@]}
    compile "$library" "$source" "${extra[@]}" "${link[@]}"
    ((${#failed[@]} == before)) && built+=("$name")
  fi
done

# On Windows a DLL named like a system one (kernel32.dll above all, a KnownDLL) resolves to the
# system's, so ffi/load.ts prefers winsession_<name>.dll there: keep a copy under that name.
if [[ "$target" == windows ]]; then
  for name in kernel32 wtsapi32 rstrtmgr advapi32; do
    library="$out/$name.dll"
    if [[ -e "$library" ]] && stale "$out/winsession_$name.dll" "$library"; then
      cp -f "$library" "$out/winsession_$name.dll"
    fi
  done
fi

if ((${#failed[@]})); then
  echo "build.sh: doubles ($target): FAILED: ${failed[*]}" >&2
  exit 1
elif ((${#built[@]})); then
  echo "doubles ($target): built ${built[*]} in ${out#"$PWD"/}" >&2
else
  echo "doubles ($target): up to date in ${out#"$PWD"/}" >&2
fi
