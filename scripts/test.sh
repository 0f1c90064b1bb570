#!/usr/bin/env bash
# `deno task test`: builds the C test doubles, runs the suite (or the files and flags given, as
# `deno test` takes them), then ends with what was skipped for want of a tool on this machine and
# how to run it: the last lines a reader sees, after Deno's summary, not lost in the middle.
set -uo pipefail
# `deno task test -- file_test.ts`: Deno 2 passes the `--` on; to `deno test` it would mean "the
# rest are arguments for the tests", and the whole suite would run. Drop a leading one.
[ "${1:-}" = -- ] && shift

bash tests/doubles/build.sh || exit 1
deno test --allow-ffi --allow-env --allow-read --allow-write --allow-run --allow-net=127.0.0.1 "$@"
status=$?

# Each check below skips itself (its test is reported "ignored") when its tool is missing.
skipped=()
if ! command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1; then
  skipped+=("the struct layout check (tests/layout_test.ts): ffi/layouts.ts is NOT verified against
    the Windows SDK headers here. Install mingw-w64 and run it:
      sudo apt-get install gcc-mingw-w64-x86-64 mingw-w64-x86-64-dev
      deno task test tests/layout_test.ts")
fi
for shell in zsh fish; do
  command -v "$shell" >/dev/null 2>&1 ||
    skipped+=("the $shell completion checks (cli/completions/${shell}_test.ts): sudo apt-get install $shell")
done
if ((${#skipped[@]})); then
  echo
  echo "SKIPPED on this machine (CI runs them; .ci/run installs the tools):"
  for line in "${skipped[@]}"; do echo "  - $line"; done
fi
exit "$status"
