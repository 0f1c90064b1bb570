#!/usr/bin/env bash
# The Windows ABI lane: the whole unit suite with the Windows build of Deno under Wine 10 against
# the PE test doubles, then the integration tests against Wine's own DLLs (tests/windows/).
#
#   sudo scripts/wine/test.sh              # both parts
#   sudo scripts/wine/test.sh --unit-only  # only the suite against the doubles
#
# Prepares what is missing first (rootfs, deno.exe, PE doubles); each step is a no-op when done.
# Ends with one plain line per part: "wine unit: N passed, M failed" / "wine integration: ...".
set -euo pipefail
here=$(dirname "$0")
source "$here/common.sh"
wine_require_root "$@"
cd "$WINE_REPO"

parts=(unit integration)
[ "${1:-}" = --unit-only ] && parts=(unit)
[ "${1:-}" = --integration-only ] && parts=(integration)

bash "$here/rootfs.sh"
bash "$here/deno_exe.sh"

mkdir -p "$WINE_STATE"

status=0
summaries=()
lane_start=$SECONDS
for part in "${parts[@]}"; do
  start=$SECONDS
  log="$WINE_STATE/test-$part.log"
  set +e
  case "$part" in
    unit)
      [ -f tests/doubles/build.sh ] || wine_die "tests/doubles/build.sh is missing"
      TARGET=windows bash tests/doubles/build.sh || exit 1
      # Same command as `deno task test`, with deno.exe; the suite's useDoubles() picks
      # tests/doubles/build/windows, and WINSESSION_DLL_DIR says the same for code that reads it.
      WINSESSION_DLL_DIR="${WINSESSION_DLL_DIR:-tests/doubles/build/windows}" \
        bash "$here/run.sh" test --allow-ffi --allow-env --allow-read --allow-write --allow-run \
        --allow-net=127.0.0.1 2>&1 | tee "$log"
      ;;
    integration)
      # The planted-DLL test needs its marker DLL and a private deno.exe to plant it beside
      # (tests/windows/planted/build.sh); --allow-run/--allow-write are for that test alone.
      bash tests/windows/planted/build.sh "$WINE_ROOTFS$WINE_DENO_EXE_IN_CHROOT" || exit 1
      # tests/windows/ is excluded from the default test set (deno.json), so run it without the
      # config; no WINSESSION_DLL_DIR: these load Wine's own DLLs.
      # Native-first wtsapi32/rstrtmgr, as on Windows (neither is a KnownDLL there): Wine reads
      # WINEDLLOVERRIDES from the environment the first Wine process starts with, and its child
      # processes inherit that (an override put into a child's environment block is ignored), so
      # it is set for the whole run. Wine's System32 copies are builtin stubs, so only a native
      # file elsewhere (the planted one) changes what loads.
      env -u WINSESSION_DLL_DIR WINE_DLL_OVERRIDES="wtsapi32,rstrtmgr=n,b" \
        bash "$here/run.sh" test --no-config --allow-ffi --allow-env \
        --allow-read --allow-run --allow-write tests/windows/ 2>&1 | tee "$log"
      # The test removes what it plants in a finally; this covers a deno.exe that crashed.
      rm -f .cache/wine/planted/bin/wtsapi32.dll .cache/wine/planted/bin/rstrtmgr.dll
      ;;
  esac
  result=${PIPESTATUS[0]}
  set -e
  summaries+=("$(bash "$here/../summarize_tests.sh" "wine $part" "$log")")
  echo "${summaries[-1]}"
  echo "wine $part took $((SECONDS - start)) s"
  [ "$result" = 0 ] || status=$result
done
# The closing lines CI reads: one per part, together at the end.
echo
printf '%s\n' "${summaries[@]}"
echo "wine lane took $((SECONDS - lane_start)) s (after the rootfs and deno.exe were ready)"
exit "$status"
