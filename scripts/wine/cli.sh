#!/usr/bin/env bash
# Runs the winsession CLI with the Windows build of Deno under Wine, against Wine's own DLLs:
#
#   sudo scripts/wine/cli.sh sessions
#   deno task wine -- processes --json
#
# Prepares the rootfs and deno.exe first when missing (no-ops otherwise).
set -euo pipefail
# Deno 2 passes the `--` of `deno task wine -- sessions --json` on to the task: drop that leading
# one, or the CLI would take everything after it as arguments ("too many arguments"). A later
# `--` is the CLI's own and stays.
[ "${1:-}" = -- ] && shift
here=$(dirname "$0")
source "$here/common.sh"
wine_require_root "$@"
bash "$here/rootfs.sh" >&2
bash "$here/deno_exe.sh" >&2
# Quiet: no "Download"/"Check" lines mixed into the CLI's output (pipes and --json stay clean).
exec bash "$here/run.sh" run --quiet --allow-ffi --allow-env --allow-read \
  "$WINE_REPO_WINDOWS\\cli\\main.ts" "$@"
