/**
 * The pure half of ffi/load.ts: which file is loaded for a library (a function of the operating
 * system, the system directory and the override, so the Windows paths are testable anywhere),
 * and how the system directory is read from `GetSystemDirectoryW`.
 *
 * @module
 */

import { builtInMessage, LibraryLoadError, WindowsError } from "./errors.ts";

/** Environment variable naming a folder to load the libraries from instead of System32. */
export const DLL_DIR_ENV = "WINSESSION_DLL_DIR";

/** Where Windows lives when the system directory cannot be asked yet (narrowed `--allow-ffi`). */
export const DEFAULT_SYSTEM_DIRECTORY = "C:\\Windows\\System32";

/** What {@linkcode libraryPath} builds a path from. */
export interface LibraryLocation {
  /** The operating system, as `Deno.build.os` names it. */
  os: typeof Deno.build.os;
  /** Windows' system directory (`GetSystemDirectoryW`); needed on Windows without an override. */
  systemDirectory?: string;
  /** The DLL-directory override in effect, if any. */
  override?: string;
  /** With an override on Windows: whether a file exists (for `winsession_<name>.dll`). */
  exists?: (path: string) => boolean;
}

/** `C:\…`, `\\server\share\…` or `\\?\…`: a path Windows cannot resolve against anything else. */
const ABSOLUTE_WINDOWS_PATH = /^(?:[A-Za-z]:[\\/]|\\\\[^\\/]+[\\/])/;

/**
 * The file `Deno.dlopen` gets for library `name`: a pure function of where winsession runs.
 * On Windows without an override, `<systemDirectory>\<name>.dll`, and nothing else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { libraryPath } from "./library_path.ts";
 *
 * assert.equal(
 *   libraryPath("wtsapi32", { os: "windows", systemDirectory: "C:\\WINDOWS\\system32" }),
 *   "C:\\WINDOWS\\system32\\wtsapi32.dll",
 * );
 * assert.equal(libraryPath("wtsapi32", { os: "linux", override: "/d/" }), "/d/wtsapi32.so");
 * ```
 *
 * @param name The library's Windows base name, such as `"wtsapi32"`.
 * @param location The operating system, the system directory and the override.
 * @returns The absolute path to open (the override's path as given).
 * @throws {Deno.errors.NotSupported} Not Windows and no override.
 * @throws {LibraryLoadError} On Windows, no absolute system directory.
 */
export function libraryPath(name: string, location: LibraryLocation): string {
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new TypeError(`not a library base name: "${name}"`);
  const { os, override } = location;
  if (override !== undefined) {
    const directory = override.replace(/[\\/]+$/, "");
    if (os !== "windows") return `${directory}/${name}.${os === "darwin" ? "dylib" : "so"}`;
    const prefixed = `${directory}\\winsession_${name}.dll`;
    return location.exists?.(prefixed) ? prefixed : `${directory}\\${name}.dll`;
  }
  if (os !== "windows") {
    throw new Deno.errors.NotSupported(
      `winsession needs Windows: ${name}.dll is a Windows system library` +
        ` (to test elsewhere, point ${DLL_DIR_ENV} at the test doubles)`,
    );
  }
  const system = location.systemDirectory;
  if (system === undefined || !ABSOLUTE_WINDOWS_PATH.test(system)) {
    throw new LibraryLoadError(
      `${name}.dll`,
      `the system directory ${
        system === undefined ? "is unknown" : `"${system}" is not an absolute path`
      }`,
    );
  }
  // "C:\" keeps its backslash (GetSystemDirectoryW ends with one only for a root).
  return `${system.replace(/[\\/]+$/, "")}\\${name}.dll`;
}

/** The kernel32 functions {@linkcode readSystemDirectory} calls (the bootstrap's symbols). */
export interface SystemDirectorySource {
  /** UINT GetSystemDirectoryW(LPWSTR lpBuffer, UINT uSize) */
  GetSystemDirectoryW(buffer: Uint8Array<ArrayBuffer> | null, size: number): number;
  /** DWORD GetLastError(void) */
  GetLastError(): number;
  /** void SetLastError(DWORD) */
  SetLastError(code: number): void;
}

const MAX_PATH = 260;

/**
 * Asks `GetSystemDirectoryW` for the system directory, following its buffer protocol: the length
 * without the NUL on success, the size needed INCLUDING the NUL when the buffer is too small
 * (then asks again with that size), 0 on failure with the last error
 * (https://learn.microsoft.com/en-us/windows/win32/api/sysinfoapi/nf-sysinfoapi-getsystemdirectoryw).
 *
 * @example
 * ```ts ignore
 * import { readSystemDirectory } from "./library_path.ts";
 * const k32 = Deno.dlopen("kernel32.dll", { GetSystemDirectoryW: ..., GetLastError: ..., SetLastError: ... });
 * console.log(readSystemDirectory(k32.symbols)); // "C:\WINDOWS\system32"
 * ```
 *
 * @param source The three kernel32 functions.
 * @returns The directory, as Windows spells it.
 * @throws {WindowsError} `GetSystemDirectoryW` failed, or kept asking for more room.
 */
export function readSystemDirectory(source: SystemDirectorySource): string {
  let capacity = MAX_PATH;
  // Three rounds: the directory does not change while Windows runs, so a second "too small"
  // answer means something is wrong, not a race to chase forever.
  for (let round = 0; round < 3; round++) {
    const buffer = new Uint8Array(capacity * 2);
    source.SetLastError(0);
    const length = source.GetSystemDirectoryW(buffer, capacity);
    if (length === 0) {
      const code = source.GetLastError();
      // builtInMessage, not FormatMessageW: kernel32 is what could not be set up.
      throw new WindowsError(
        "GetSystemDirectoryW",
        code,
        code === 0 ? "the call failed without setting an error code" : builtInMessage(code),
      );
    }
    if (length < capacity) {
      return new TextDecoder("utf-16le").decode(buffer.subarray(0, length * 2));
    }
    capacity = Math.max(length, capacity + 1); // the size it needs, NUL included
  }
  throw new WindowsError(
    "GetSystemDirectoryW",
    122,
    "kept answering that the buffer is too small (ERROR_INSUFFICIENT_BUFFER)",
  );
}
