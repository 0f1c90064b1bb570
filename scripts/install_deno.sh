#!/usr/bin/env bash
# Installs the pinned Deno from the npm registry into .tools/ and prints the path of the binary.
# Idempotent: a second run with the right version installed does nothing.
set -euo pipefail
DENO_VERSION="${DENO_VERSION:-2.9.5}"
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.tools/bin/deno"
if [ -x "$bin" ] && "$bin" --version 2>/dev/null | head -n1 | grep -q "deno $DENO_VERSION "; then
  echo "$bin"; exit 0
fi
mkdir -p "$root/.tools/bin"
npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
  --prefix "$root/.tools/npm" "deno@$DENO_VERSION" >&2
# The npm package ships the binary in a platform package; its postinstall may or may not have
# linked it into the main package (npm 11 can skip install scripts), so look in both places.
for candidate in "$root/.tools/npm/node_modules/@deno/"*/deno "$root/.tools/npm/node_modules/deno/deno"; do
  if [ -f "$candidate" ] && "$candidate" --version >/dev/null 2>&1; then
    ln -sf "$candidate" "$bin"
    echo "$bin"; exit 0
  fi
done
echo "install_deno.sh: no runnable deno binary found after npm install deno@$DENO_VERSION" >&2
exit 1
