/**
 * Loading of the DLLs winsession binds (kernel32, wtsapi32, rstrtmgr): by their FULL PATH in the
 * Windows system directory, lazily, once each; or from a DLL-directory override for tests.
 *
 * Why full paths: a bare `wtsapi32.dll` given to `Deno.dlopen` ends in `LoadLibraryExW`'s standard
 * search order, where the executable's own folder comes before System32 and neither wtsapi32 nor
 * rstrtmgr is a KnownDLL, so a copy planted next to `deno.exe` or a compiled `winsession.exe`
 * would run with the admin's rights ("You can control the specific location from which any given
 * DLL is loaded by specifying a full path":
 * https://learn.microsoft.com/windows/win32/dlls/dynamic-link-library-search-order). And with a
 * narrowed `--allow-ffi=<list>`, Deno resolves a bare name against the CURRENT folder and opens
 * that file (measured with Deno 2.9.5: `Deno.dlopen("libc.so.6")` under `--allow-ffi=/tmp/x`
 * fails with "/tmp/x/libc.so.6: cannot open shared object file"). So no bare name is ever passed
 * to `Deno.dlopen`, except the one bootstrap below.
 *
 * The system directory comes from `GetSystemDirectoryW` (see {@linkcode readSystemDirectory}),
 * in kernel32, which is opened for that by bare name only under an unrestricted `--allow-ffi`
 * (then Deno hands the name to Windows unchanged). That is safe: kernel32 is a KnownDLL and
 * already mapped into every process, and the loader answers a module name from the loaded-module
 * list and the KnownDLLs section before it searches any folder (same page, "Loaded-module list",
 * "Known DLLs"). Under a narrowed `--allow-ffi` it is opened from `C:\Windows\System32` instead,
 * only when that list covers the file, and only kept when `GetSystemDirectoryW` then names that
 * same folder. After that, kernel32 too is reopened by its full path, like every other DLL.
 *
 * Override, for test doubles and `deno run` only: {@linkcode setDllDirectory} in code, or the
 * `WINSESSION_DLL_DIR` environment variable, read only when `--allow-env` already grants it
 * (queried, never requested, so no prompt appears). The release binary (`deno task compile`)
 * does not grant it, so no environment variable can choose the code it runs. Files are
 * `<dir>/<name>.<ext>` with ext `dll` on Windows, `so` on Linux, `dylib` on macOS; on Windows
 * `<dir>\winsession_<name>.dll` is preferred when it exists, because a DLL named like a loaded
 * system DLL resolves to the system's copy even by full path (kernel32 is always loaded).
 *
 * Every permission is queried for the exact file before `Deno.dlopen` asks for it, so a missing
 * one is an error naming the flag and the file, never a prompt.
 *
 * @module
 */

import { builtInMessage, WindowsError } from "./errors.ts";
import { KERNEL32_SYMBOLS } from "./kernel32.ts";
import { RSTRTMGR_SYMBOLS } from "./rstrtmgr.ts";
import { WTSAPI32_SYMBOLS } from "./wtsapi32.ts";

/** Environment variable naming a folder to load the libraries from instead of System32. */
export const DLL_DIR_ENV = "WINSESSION_DLL_DIR";

/**
 * Every library winsession binds: Windows base name -> symbol table. Adding a DLL is one line
 * here (plus its one-line accessor below); it is then loaded exactly like the others.
 */
const LIBRARIES = {
  kernel32: KERNEL32_SYMBOLS,
  wtsapi32: WTSAPI32_SYMBOLS,
  rstrtmgr: RSTRTMGR_SYMBOLS,
} as const satisfies Record<string, Deno.ForeignLibraryInterface>;

/** The libraries winsession binds, by their Windows base name. */
export type LibraryName = keyof typeof LIBRARIES;

type LibraryOf<N extends LibraryName> = Deno.DynamicLibrary<(typeof LIBRARIES)[N]>;

/** Where Windows lives when the system directory cannot be asked yet (narrowed `--allow-ffi`). */
export const DEFAULT_SYSTEM_DIRECTORY = "C:\\Windows\\System32";

/** What the bootstrap needs from kernel32 before the system directory is known. */
const BOOTSTRAP_SYMBOLS = {
  GetSystemDirectoryW: KERNEL32_SYMBOLS.GetSystemDirectoryW,
  GetLastError: KERNEL32_SYMBOLS.GetLastError,
  SetLastError: KERNEL32_SYMBOLS.SetLastError,
} as const satisfies Deno.ForeignLibraryInterface;

let dllDirectory: string | undefined;
let systemDirectoryCache: string | undefined;
const opened: { [N in LibraryName]?: LibraryOf<N> } = {};

/**
 * Loads the libraries from `directory` instead of the system directory (`undefined` restores
 * the default). Libraries already open are closed, so the next call opens the new ones. For test
 * doubles and side-by-side builds; it wins over `WINSESSION_DLL_DIR`.
 *
 * @example Run the library against the test doubles
 * ```ts ignore
 * import { listSessions, setDllDirectory } from "./mod.ts";
 *
 * setDllDirectory("tests/doubles/build/linux");
 * console.log(await listSessions());
 * setDllDirectory(undefined); // back to the system directory
 * ```
 *
 * @param directory The folder holding `wtsapi32`, `rstrtmgr` and `kernel32`, or `undefined`.
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

/**
 * Closes every library winsession opened; the next call reopens them. Pointers and symbols
 * taken from them must not be used afterwards.
 *
 * @example Release the DLLs before a long idle period
 * ```ts ignore
 * import { closeLibraries, listSessions } from "./mod.ts";
 *
 * console.log((await listSessions()).length);
 * closeLibraries(); // the next call loads them again
 * ```
 */
export function closeLibraries(): void {
  for (const name of Object.keys(opened) as LibraryName[]) {
    opened[name]?.close();
    delete opened[name];
  }
  systemDirectoryCache = undefined;
}

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
 * import { libraryPath } from "./load.ts";
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
 * @throws {Deno.errors.NotFound} On Windows, no absolute system directory.
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
    throw new Deno.errors.NotFound(
      `winsession could not load ${name}.dll: the system directory` +
        ` ${system === undefined ? "is unknown" : `"${system}" is not an absolute path`}`,
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
 * import { readSystemDirectory } from "./load.ts";
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

/** Whether the FFI permission covers `path` (undefined: any library), asked without prompting. */
function ffiGranted(path?: string): boolean {
  const descriptor: Deno.PermissionDescriptor = path === undefined
    ? { name: "ffi" }
    : { name: "ffi", path };
  return (Deno.permissions.querySync?.(descriptor).state ?? "granted") === "granted";
}

function missingFfi(path: string, name: string): Deno.errors.NotCapable {
  return new Deno.errors.NotCapable(
    `winsession needs --allow-ffi for ${path} (to call ${name}.dll): add --allow-ffi, or put` +
      ` that file or its folder in --allow-ffi=<list>`,
  );
}

/** Same folder, as Windows compares names (case-insensitive, trailing separators ignored). */
function sameWindowsFolder(a: string, b: string): boolean {
  const normal = (path: string) => path.replace(/[\\/]+$/, "").replaceAll("/", "\\").toLowerCase();
  return normal(a) === normal(b);
}

/** The system directory, asked of kernel32 once (see the module comment for the bootstrap). */
function systemDirectory(): string {
  if (systemDirectoryCache !== undefined) return systemDirectoryCache;
  const unrestricted = ffiGranted();
  const candidate = `${DEFAULT_SYSTEM_DIRECTORY}\\kernel32.dll`;
  if (!unrestricted && !ffiGranted(candidate)) throw missingFfi(candidate, "kernel32");
  // The bare name only when Deno passes it through unchanged (unrestricted --allow-ffi).
  const bootstrap = open(unrestricted ? "kernel32.dll" : candidate, BOOTSTRAP_SYMBOLS);
  let directory: string;
  try {
    directory = readSystemDirectory(bootstrap.symbols);
  } finally {
    bootstrap.close();
  }
  if (!unrestricted) {
    if (!sameWindowsFolder(directory, DEFAULT_SYSTEM_DIRECTORY)) {
      throw new Deno.errors.NotCapable(
        `winsession needs --allow-ffi for ${directory}: this Windows lives there, not in` +
          ` ${DEFAULT_SYSTEM_DIRECTORY}, and a narrowed --allow-ffi cannot find it; grant --allow-ffi`,
      );
    }
    // The admin's spelling: Deno compares granted paths exactly, Windows ignores the case.
    directory = DEFAULT_SYSTEM_DIRECTORY;
  }
  return (systemDirectoryCache = directory);
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

/** The path to open for `name` here, after checking the permission for exactly that file. */
function resolve(name: LibraryName): string {
  const override = dllDirectoryInEffect();
  if (override === undefined && Deno.build.os !== "windows" && !ffiGranted()) {
    // Not Windows, and no permission either: ask for the flag first (the override needs it too).
    throw new Deno.errors.NotCapable(
      `winsession needs the FFI permission to call ${name}.dll: add --allow-ffi to deno run`,
    );
  }
  const path = libraryPath(name, {
    os: Deno.build.os,
    override,
    exists,
    systemDirectory: override === undefined && Deno.build.os === "windows"
      ? systemDirectory()
      : undefined,
  });
  if (!ffiGranted(path)) throw missingFfi(path, name);
  return path;
}

/** `Deno.dlopen`, with a failure worded as the one line the CLI prints (exit 3). */
function open<S extends Deno.ForeignLibraryInterface>(
  path: string,
  symbols: S,
): Deno.DynamicLibrary<S> {
  try {
    return Deno.dlopen(path, symbols);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Deno.errors.NotFound(`winsession could not load ${path}: ${reason}`, {
      cause: error,
    });
  }
}

function library<N extends LibraryName>(name: N): LibraryOf<N>["symbols"] {
  let loaded = opened[name] as LibraryOf<N> | undefined;
  if (!loaded) {
    loaded = open(resolve(name), LIBRARIES[name]) as LibraryOf<N>;
    opened[name] = loaded as (typeof opened)[N];
  }
  return loaded.symbols;
}

/** wtsapi32.dll, opened on first use. */
export const wtsapi32 = (): LibraryOf<"wtsapi32">["symbols"] => library("wtsapi32");

/** rstrtmgr.dll, opened on first use. */
export const rstrtmgr = (): LibraryOf<"rstrtmgr">["symbols"] => library("rstrtmgr");

/** kernel32.dll, opened on first use. */
export const kernel32 = (): LibraryOf<"kernel32">["symbols"] => library("kernel32");
