/**
 * The Windows version of the server a session lives on, which decides how WTSSessionInfoEx's
 * lock flags read (they are reversed on Windows 7 / Server 2008 R2; see `ffi/wts_lock.ts`).
 *
 * The local server's version comes from ntdll's RtlGetVersion. A remote server's version is not
 * read yet (netapi32's NetServerGetInfo level 101 would tell it): its lock state is reported as
 * unknown with that reason instead of being guessed.
 *
 * @module
 */

import { dllDirectoryInEffect, libraryPath } from "../ffi/load.ts";
import { NTDLL_SYMBOLS, type NtdllSymbols, RTL_OSVERSIONINFOW_SIZE } from "../ffi/ntdll.ts";
import type { OsVersion } from "../ffi/wts_lock.ts";

/**
 * Opens ntdll for RtlGetVersion. ntdll.dll is loaded into every Windows process and is a
 * KnownDLL, so the bare name cannot pick up a planted copy. With the test-double directory in
 * effect, the wtsapi32 double exports RtlGetVersion instead. The loader owns library paths:
 * this is the one place to re-point when it learns to open ntdll itself.
 */
export function openNtdll(): Deno.DynamicLibrary<NtdllSymbols> {
  const path = dllDirectoryInEffect() === undefined ? "ntdll.dll" : libraryPath("wtsapi32");
  return Deno.dlopen(path, NTDLL_SYMBOLS);
}

/** The cached answer for this process's server: it cannot change while the process runs. */
let local: { version: OsVersion | null } | undefined;

/**
 * The local Windows version (RtlGetVersion), or `null` when it cannot be read.
 *
 * @returns `{ major, minor }`, or `null`.
 */
export function localOsVersion(): OsVersion | null {
  if (local !== undefined) return local.version;
  let version: OsVersion | null = null;
  try {
    const ntdll = openNtdll();
    try {
      const info = new Uint32Array(RTL_OSVERSIONINFOW_SIZE / 4);
      info[0] = RTL_OSVERSIONINFOW_SIZE;
      if (ntdll.symbols.RtlGetVersion(new Uint8Array(info.buffer)) === 0) {
        version = { major: info[1]!, minor: info[2]! };
      }
    } finally {
      ntdll.close();
    }
  } catch {
    version = null; // no ntdll to open (not Windows, no doubles): the lock state stays unknown
  }
  local = { version };
  return version;
}

/** Forgets the cached version (tests switch the doubles' answer). */
export function forgetLocalOsVersion(): void {
  local = undefined;
}
