#!/usr/bin/env bash
# Checks that the package is ready for JSR without contacting it (JSR is unreachable here):
#   1. deno.json's exports exist and its version equals cli/main.ts VERSION;
#   2. deno check of every export;
#   3. deno doc --lint of mod.ts (documentation and private-type references);
#   4. deno publish --dry-run, which type-checks and looks for slow types offline.
# Usage: bash scripts/check_publish.sh   (exit 0 = ready; prints what failed otherwise)
set -euo pipefail
cd "$(dirname "$0")/.."
deno="${DENO:-deno}"
command -v "$deno" >/dev/null || deno="$PWD/.tools/bin/deno"
failed=0
step() { printf '== %s\n' "$*"; }

step "exports and version"
exports=$("$deno" eval --no-config '
  const json = JSON.parse(Deno.readTextFileSync("deno.json"));
  const exportsMap = typeof json.exports === "string" ? { ".": json.exports } : json.exports;
  for (const [name, target] of Object.entries(exportsMap)) {
    try { Deno.statSync(target); } catch { console.error(`export ${name}: ${target} missing`); Deno.exit(1); }
    console.log(target);
  }
  const main = Deno.readTextFileSync("cli/main.ts");
  const version = /export const VERSION = "([^"]+)"/.exec(main)?.[1];
  if (version !== json.version) {
    console.error(`deno.json version ${json.version} != cli/main.ts VERSION ${version}`);
    Deno.exit(1);
  }
') || failed=1
echo "$exports"

step "deno check of the exports"
# shellcheck disable=SC2086
"$deno" check $exports || failed=1

step "deno doc --lint mod.ts"
"$deno" doc --lint mod.ts || failed=1

step "deno publish --dry-run (offline: type check + slow types)"
"$deno" publish --dry-run --allow-dirty || failed=1

if [ "$failed" = 0 ]; then echo "check_publish: ready"; else echo "check_publish: NOT ready" >&2; fi
exit "$failed"
