/**
 * Loading of wtsapi32, rstrtmgr and kernel32: lazily, once each, with a DLL-directory override.
 *
 * Nothing opens at import time. The first call that needs a library checks the environment
 * (FFI permission, operating system), resolves the file and opens it; later calls reuse it.
 *
 * Override, for test doubles or side-by-side builds: {@linkcode setDllDirectory} in code, or the
 * `WINSESSION_DLL_DIR` environment variable, read only when `--allow-env` already grants it
 * (the permission is queried, never requested, so no prompt appears). The programmatic option
 * wins. Files are `<dir>/wtsapi32.<ext>`, `<dir>/rstrtmgr.<ext>`, `<dir>/kernel32.<ext>` with
 * ext `dll` on Windows, `so` on Linux and `dylib` on macOS.
 *
 * On Windows a DLL whose base name is a system DLL's can resolve to the system's copy even when
 * given by full path (kernel32 is always loaded; Wine prefers its builtin wtsapi32), so there the
 * loader first looks for `<dir>\winsession_<name>.dll` and uses it when it exists.
 *
 * @module
 */

import { ADVAPI32_SYMBOLS, type Advapi32Symbols } from "./advapi32.ts";
import { KERNEL32_SYMBOLS, type Kernel32Symbols } from "./kernel32.ts";
import { RSTRTMGR_SYMBOLS, type RstrtmgrSymbols } from "./rstrtmgr.ts";
import { WTSAPI32_SYMBOLS, type Wtsapi32Symbols } from "./wtsapi32.ts";

/** Environment variable naming a folder to load the three libraries from instead of System32. */
export const DLL_DIR_ENV = "WINSESSION_DLL_DIR";

/** The libraries winsession binds, by their Windows base name. */
export type LibraryName = "wtsapi32" | "rstrtmgr" | "kernel32" | "advapi32";

let dllDirectory: string | undefined;
let wts: Deno.DynamicLibrary<Wtsapi32Symbols> | undefined;
let rm: Deno.DynamicLibrary<RstrtmgrSymbols> | undefined;
let k32: Deno.DynamicLibrary<Kernel32Symbols> | undefined;
let adv: Deno.DynamicLibrary<Advapi32Symbols> | undefined;

/**
 * Loads the three libraries from `directory` instead of the system's (`undefined` restores the
 * default). Libraries already open are closed, so the next call opens the new ones.
 */
export function setDllDirectory(directory: string | undefined): void {
  closeLibraries();
  dllDirectory = directory;
}

/** The folder libraries load from: the programmatic option, else `WINSESSION_DLL_DIR`, else none. */
export function dllDirectoryInEffect(): string | undefined {
  if (dllDirectory !== undefined) return dllDirectory;
  const env = Deno.permissions.querySync?.({ name: "env", variable: DLL_DIR_ENV });
  if (env?.state !== "granted") return undefined;
  const value = Deno.env.get(DLL_DIR_ENV);
  return value ? value : undefined;
}

/** Closes every library this module opened; the next call reopens them. */
export function closeLibraries(): void {
  wts?.close();
  rm?.close();
  k32?.close();
  adv?.close();
  wts =
    rm =
    k32 =
    adv =
      undefined;
}

function extension(): string {
  switch (Deno.build.os) {
    case "windows":
      return "dll";
    case "darwin":
      return "dylib";
    default:
      return "so";
  }
}

/** The path `Deno.dlopen` gets for `name`, or throws why it cannot be loaded here. */
export function libraryPath(name: LibraryName): string {
  const state = Deno.permissions.querySync?.({ name: "ffi" }).state ?? "granted";
  if (state !== "granted") {
    throw new Deno.errors.NotCapable(
      `winsession needs the FFI permission to call ${name}.dll: add --allow-ffi to deno run`,
    );
  }
  const directory = dllDirectoryInEffect();
  if (directory === undefined) {
    if (Deno.build.os !== "windows") {
      throw new Deno.errors.NotSupported(
        `winsession needs Windows: ${name}.dll is a Windows system library` +
          ` (to test elsewhere, point ${DLL_DIR_ENV} at the test doubles)`,
      );
    }
    return `${name}.dll`;
  }
  const trimmed = directory.replace(/[\\/]+$/, "");
  if (Deno.build.os === "windows") {
    const prefixed = `${trimmed}\\winsession_${name}.dll`;
    return exists(prefixed) ? prefixed : `${trimmed}\\${name}.dll`;
  }
  return `${trimmed}/${name}.${extension()}`;
}

/** Whether `path` exists, asked only when read permission is already granted (never prompts). */
function exists(path: string): boolean {
  if (Deno.permissions.querySync?.({ name: "read", path }).state !== "granted") return false;
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function open<S extends Deno.ForeignLibraryInterface>(
  name: LibraryName,
  symbols: S,
): Deno.DynamicLibrary<S> {
  const path = libraryPath(name);
  try {
    return Deno.dlopen(path, symbols);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Deno.errors.NotFound(`winsession could not load ${path}: ${reason}`, {
      cause: error,
    });
  }
}

/** wtsapi32.dll, opened on first use. */
export function wtsapi32(): Deno.DynamicLibrary<Wtsapi32Symbols>["symbols"] {
  return (wts ??= open("wtsapi32", WTSAPI32_SYMBOLS)).symbols;
}

/** rstrtmgr.dll, opened on first use. */
export function rstrtmgr(): Deno.DynamicLibrary<RstrtmgrSymbols>["symbols"] {
  return (rm ??= open("rstrtmgr", RSTRTMGR_SYMBOLS)).symbols;
}

/** kernel32.dll, opened on first use. */
export function kernel32(): Deno.DynamicLibrary<Kernel32Symbols>["symbols"] {
  return (k32 ??= open("kernel32", KERNEL32_SYMBOLS)).symbols;
}

/** advapi32.dll, opened on first use. */
export function advapi32(): Deno.DynamicLibrary<Advapi32Symbols>["symbols"] {
  return (adv ??= open("advapi32", ADVAPI32_SYMBOLS)).symbols;
}
