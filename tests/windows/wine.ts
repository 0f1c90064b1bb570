/**
 * Where the Windows-only tests run: real Windows, Wine, or neither (then they are ignored).
 *
 * Wine is recognised without the registry: its ntdll.dll exports `wine_get_version`, which no
 * Windows ntdll has. `scripts/wine/run.sh` also sets `WINSESSION_WINE=1`, read only when
 * `--allow-env` grants it.
 *
 * @module
 */

import { dllDirectoryInEffect } from "../../ffi/load.ts";

/** Wine's version string (e.g. "10.0") when this process runs under Wine, else `undefined`. */
export function wineVersion(): string | undefined {
  if (Deno.build.os !== "windows") return undefined;
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return undefined;
  const ntdll = Deno.dlopen(
    "ntdll.dll",
    {
      wine_get_version: { parameters: [], result: "pointer", optional: true },
    } as const,
  );
  try {
    const get = ntdll.symbols.wine_get_version;
    if (!get) return undefined;
    const pointer = get();
    return pointer === null ? "" : Deno.UnsafePointerView.getCString(pointer);
  } finally {
    ntdll.close();
  }
}

/** Why tests that need Windows (real or Wine) cannot run here, or `undefined` when they can. */
export function windowsSkipReason(): string | undefined {
  if (Deno.build.os !== "windows") {
    return `needs Windows or Wine (this is ${Deno.build.os}): run scripts/wine/run.sh test ...`;
  }
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
    return "needs --allow-ffi";
  }
  const override = dllDirectoryInEffect();
  if (override !== undefined) {
    return `loads the system DLLs, but WINSESSION_DLL_DIR points at ${override}`;
  }
  return undefined;
}

/** Why tests that assert Wine's own answers cannot run here, or `undefined` when they can. */
export function wineSkipReason(): string | undefined {
  const reason = windowsSkipReason();
  if (reason !== undefined) return reason;
  return wineVersion() === undefined
    ? "asserts what Wine's DLLs answer, and this is real Windows"
    : undefined;
}

const announced = new Set<string>();

/** Prints once per reason why a group of tests is ignored, so a skip is never silent. */
export function announceSkip(group: string, reason: string | undefined): boolean {
  if (reason === undefined) return false;
  const line = `${group}: ignored: ${reason}`;
  if (!announced.has(line)) {
    announced.add(line);
    console.error(line);
  }
  return true;
}
