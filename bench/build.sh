#!/usr/bin/env bash
# Builds every C baseline bench/c/<name>.c twice, into bench/build/:
#   bench/build/<name>        a program (run by the bench files through Deno.Command), and
#   bench/build/lib<name>.so  the same code as a shared library (called through Deno FFI, so the
#                             C baseline is timed by the same `deno bench` harness as the TS code).
# Both are linked against the Linux test doubles in tests/doubles/build/linux (build those first:
# bash tests/doubles/build.sh), with an rpath to them, so the C code calls the very same
# wtsapi32/rstrtmgr/kernel32 doubles the TypeScript library calls.
# Rebuilds only what is older than its source, a double or this script.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
doubles="$(cd "$here/../tests/doubles" && pwd)"
lib="$doubles/build/linux"
out="$here/build"
cc="${CC:-cc}"
flags=(-O2 -Wall -Wextra -Werror -std=gnu11 -pthread "-I$doubles")

if [[ ! -e "$lib/wsdouble.so" ]]; then
  echo "bench/build.sh: no doubles in ${lib#"$PWD"/}: run bash tests/doubles/build.sh first" >&2
  exit 1
fi

# Every double that exists, by its file name (they have no soname: -l:<file>).
link=("-L$lib" "-Wl,-rpath,$lib" -Wl,--no-as-needed)
doubles_built=("$lib/wsdouble.so")
for name in kernel32 wtsapi32 rstrtmgr; do
  if [[ -e "$lib/$name.so" ]]; then
    link+=("-l:$name.so")
    doubles_built+=("$lib/$name.so")
  fi
done
link+=("-l:wsdouble.so" -Wl,--as-needed -ldl)

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

compile() {
  local output="$1"
  shift
  local log
  if ! log="$("$cc" "${flags[@]}" -o "$output.tmp" "$@" "${link[@]}" 2>&1)"; then
    rm -f "$output.tmp"
    echo "bench/build.sh: FAILED to build ${output#"$PWD"/}:" >&2
    echo "$log" >&2
    exit 1
  fi
  [[ -n "$log" ]] && echo "$log" >&2
  mv -f "$output.tmp" "$output"
}

mkdir -p "$out"
built=()
shopt -s nullglob
for source in "$here"/c/*.c; do
  name="$(basename "$source" .c)"
  inputs=("$source" "$here/build.sh" "${doubles_built[@]}" "$here"/c/*.h)
  if stale "$out/$name" "${inputs[@]}"; then
    compile "$out/$name" "$source"
    built+=("$name")
  fi
  if stale "$out/lib$name.so" "${inputs[@]}"; then
    compile "$out/lib$name.so" -shared -fPIC -DBENCH_LIBRARY "$source"
    built+=("lib$name.so")
  fi
done

if ((${#built[@]})); then
  echo "bench: built ${built[*]} in ${out#"$PWD"/}"
else
  echo "bench: C baselines up to date in ${out#"$PWD"/}"
fi
