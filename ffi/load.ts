/**
 * Loading of the DLLs winsession binds (kernel32, wtsapi32, rstrtmgr, advapi32, ntdll, netapi32):
 * by their FULL PATH in the Windows system directory, lazily, once each; or from a DLL-directory
 * override for tests. Symbols are bound lazily too, one by one on first use (see
 * {@linkcode lazySymbols}): binding is what a short command pays for, not the mapping.
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
 * one is an error naming the flag and the file, never a prompt. A narrowed `--allow-ffi=<list>`
 * is honoured file by file, but this Deno still needs the unrestricted flag for its pointer API
 * (see `assertPointersUsable`), which is said at load time rather than half-way through a call.
 *
 * @module
 */

import { ADVAPI32_SYMBOLS } from "./advapi32.ts";
import { LibraryLoadError } from "./errors.ts";
import { KERNEL32_SYMBOLS } from "./kernel32.ts";
import { NETAPI32_SYMBOLS } from "./netapi32.ts";
import { NTDLL_SYMBOLS } from "./ntdll.ts";
import {
  DEFAULT_SYSTEM_DIRECTORY,
  DLL_DIR_ENV,
  libraryPath,
  readSystemDirectory,
} from "./library_path.ts";
import { RSTRTMGR_SYMBOLS } from "./rstrtmgr.ts";
import { WTSAPI32_SYMBOLS } from "./wtsapi32.ts";

export { DLL_DIR_ENV };

/**
 * Every library winsession binds: Windows base name -> symbol table. Adding a DLL is one line
 * here (plus its one-line accessor below); it is then loaded exactly like the others.
 */
const LIBRARIES = {
  kernel32: KERNEL32_SYMBOLS,
  wtsapi32: WTSAPI32_SYMBOLS,
  rstrtmgr: RSTRTMGR_SYMBOLS,
  advapi32: ADVAPI32_SYMBOLS,
  ntdll: NTDLL_SYMBOLS,
  netapi32: NETAPI32_SYMBOLS,
} as const satisfies Record<string, Deno.ForeignLibraryInterface>;

/**
 * Under the DLL-directory override, the file that serves a library whose double lives in
 * another double: the wtsapi32 double answers RtlGetVersion and NetServerGetInfo, because the
 * versions it reports belong to the servers it simulates. Without the override every library is
 * its own file in the system directory.
 */
const OVERRIDE_FILE: { readonly [N in LibraryName]?: LibraryName } = {
  ntdll: "wtsapi32",
  netapi32: "wtsapi32",
};

/** The libraries winsession binds, by their Windows base name. */
export type LibraryName = keyof typeof LIBRARIES;

type LibraryOf<N extends LibraryName> = Deno.DynamicLibrary<(typeof LIBRARIES)[N]>;

/** What the bootstrap needs from kernel32 before the system directory is known. */
const BOOTSTRAP_SYMBOLS = {
  GetSystemDirectoryW: KERNEL32_SYMBOLS.GetSystemDirectoryW,
  GetLastError: KERNEL32_SYMBOLS.GetLastError,
  SetLastError: KERNEL32_SYMBOLS.SetLastError,
} as const satisfies Deno.ForeignLibraryInterface;

let dllDirectory: string | undefined;
let systemDirectoryCache: string | undefined;
/** One opened library: its path, every `Deno.dlopen` handle taken on it, its lazy symbols. */
interface OpenedLibrary {
  readonly path: string;
  readonly handles: Deno.DynamicLibrary<Deno.ForeignLibraryInterface>[];
  readonly symbols: object;
}

const opened: { [N in LibraryName]?: OpenedLibrary } = {};

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
    for (const handle of opened[name]?.handles ?? []) handle.close();
    delete opened[name];
  }
  systemDirectoryCache = undefined;
}

/**
 * How many `Deno.dlopen` handles are open now, per library: one for the mapping plus one per
 * symbol bound so far. For tests, which prove {@linkcode closeLibraries} leaves none.
 */
export function openHandleCounts(): { [N in LibraryName]?: number } {
  const counts: { [N in LibraryName]?: number } = {};
  for (const name of Object.keys(opened) as LibraryName[]) {
    counts[name] = opened[name]!.handles.length;
  }
  return counts;
}

/** Whether the FFI permission covers `path` (undefined: any library), asked without prompting. */
function ffiGranted(path?: string): boolean {
  const descriptor: Deno.PermissionDescriptor = path === undefined
    ? { name: "ffi" }
    : { name: "ffi", path };
  return (Deno.permissions.querySync?.(descriptor).state ?? "granted") === "granted";
}

function missingFfi(paths: readonly string[], name: string): Deno.errors.NotCapable {
  const them = paths.length === 1 ? "that file or its folder" : "those files or their folder";
  return new Deno.errors.NotCapable(
    `winsession needs --allow-ffi for ${paths.join(", ")} (to call ${name}.dll): add` +
      ` --allow-ffi, or put ${them} in --allow-ffi=<list>`,
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
  if (!unrestricted && !ffiGranted(candidate)) throw missingFfi([candidate], "kernel32");
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
    // The folder just opened and checked (Windows' answer may differ in case only; Deno matches
    // granted paths case-insensitively on Windows: measured under Wine, --allow-ffi=C:\windows\
    // system32 covers C:\Windows\System32\kernel32.dll).
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

/** The path of `name` here (the bootstrap may run to find the system directory). */
function pathHere(name: LibraryName, override: string | undefined): string {
  const file = override === undefined ? name : OVERRIDE_FILE[name] ?? name;
  return libraryPath(file, {
    os: Deno.build.os,
    override,
    exists,
    systemDirectory: override === undefined && Deno.build.os === "windows"
      ? systemDirectory()
      : undefined,
  });
}

/**
 * The path to open for `name` here, after checking the permission for exactly that file. Under
 * a narrowed `--allow-ffi=<list>` every library winsession may load is checked at once, so one
 * error names every file the list lacks instead of one per run.
 */
function resolve(name: LibraryName): string {
  const override = dllDirectoryInEffect();
  if (override === undefined && Deno.build.os !== "windows" && !ffiGranted()) {
    // Not Windows, and no permission either: ask for the flag first (the override needs it too).
    throw new Deno.errors.NotCapable(
      `winsession needs the FFI permission to call ${name}.dll: add --allow-ffi to deno run`,
    );
  }
  const path = pathHere(name, override);
  if (ffiGranted()) return path;
  const names = [name, ...(Object.keys(LIBRARIES) as LibraryName[]).filter((n) => n !== name)];
  const missing = names.map((n) => pathHere(n, override)).filter((p) => !ffiGranted(p));
  if (missing.length > 0) throw missingFfi(missing, name);
  assertPointersUsable(path);
  return path;
}

let pointersUsable = false;

/**
 * Under a narrowed `--allow-ffi=<list>` that covers `path`: fails now, with the reason, when Deno
 * would refuse the pointer API later. Deno 2.9.5 lets `Deno.UnsafePointer` and
 * `Deno.UnsafePointerView` run only under an unrestricted `--allow-ffi` (measured; open as
 * https://github.com/denoland/deno/issues/15511), and winsession reads every answer Windows
 * hands back through them, so the first call would otherwise die half-way with Deno's bare
 * "Requires ffi access". A capability probe, not a version check: once Deno allows the pointer
 * API under a list, the list just works.
 */
function assertPointersUsable(path: string): void {
  if (pointersUsable) return;
  try {
    Deno.UnsafePointer.create(0n);
    pointersUsable = true;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotCapable)) throw error;
    throw new Deno.errors.NotCapable(
      `winsession needs --allow-ffi without a list: --allow-ffi=<list> covers ${path}, but this` +
        ` Deno allows the pointer API winsession reads Windows' answers with only under an` +
        ` unrestricted --allow-ffi (denoland/deno#15511)`,
      { cause: error },
    );
  }
}

/** kernel32's last-error pair, bound with kernel32's mapping: {@linkcode open} keeps it with it. */
const LAST_ERROR_SYMBOLS = {
  GetLastError: KERNEL32_SYMBOLS.GetLastError,
  SetLastError: KERNEL32_SYMBOLS.SetLastError,
} as const satisfies Deno.ForeignLibraryInterface;

/**
 * `Deno.dlopen`, with a failure worded as the one line the CLI prints (exit 3), keeping the
 * thread's last error as it was: a symbol bound on first use may fall between `SetLastError`
 * and a call, or a failed call and `GetLastError`, and loading sets the last error (measured
 * under Wine 10: without this, tests/windows/wine_test.ts "stubs fail without setting the last
 * error" read 0, not the marker it set; "some functions also set the last-error code when they
 * succeed": https://learn.microsoft.com/windows/win32/api/errhandlingapi/nf-errhandlingapi-getlasterror).
 */
function open<S extends Deno.ForeignLibraryInterface>(
  path: string,
  symbols: S,
): Deno.DynamicLibrary<S> {
  const lastError = opened.kernel32?.handles[0]?.symbols as
    | Deno.DynamicLibrary<typeof LAST_ERROR_SYMBOLS>["symbols"]
    | undefined;
  const saved = lastError?.GetLastError();
  try {
    return Deno.dlopen(path, symbols);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new LibraryLoadError(path, reason, { cause: error });
  } finally {
    if (saved !== undefined) lastError!.SetLastError(saved);
  }
}

/**
 * An object with every symbol of `table`, each bound on first access by its own `Deno.dlopen`
 * of the same `path` (the OS maps the file once and counts the references; each handle binds
 * only its one symbol), then kept as an own data property, so every later call is a plain
 * property read, as fast as `Deno.dlopen(path, table).symbols`.
 *
 * Why one symbol at a time: binding is the cost. Measured with Deno 2.9.5 on the wtsapi32
 * double (fresh processes, 5 runs): all 26 wtsapi32 symbols in one `dlopen` 3.9–6.1 ms; the 4 a
 * listing calls 1.2–2.1 ms as one `dlopen` and 1.2–2.1 ms as four, so a handle costs next to
 * nothing and no hand-kept grouping of symbols by command is needed to reach the minimum.
 *
 * Getters on the prototype, the bound function defined on the object: adding a property keeps
 * V8's fast layout (no per-call cost: measured equal to eager symbols, 8.0 µs per 1000 calls).
 * A getter reached after {@linkcode closeLibraries} throws, not opening a handle nothing closes.
 */
function lazySymbols<S extends Deno.ForeignLibraryInterface>(
  name: LibraryName,
  library: Omit<OpenedLibrary, "symbols">,
  table: S,
): Deno.DynamicLibrary<S>["symbols"] {
  const getters: PropertyDescriptorMap = {};
  const prototype = {};
  // Object.create of a real prototype: V8 makes `Object.create(null)` a dictionary-mode object.
  const symbols = Object.create(prototype) as Record<string, unknown>;
  for (const symbol of Object.keys(table)) {
    getters[symbol] = {
      get() {
        if (opened[name]?.symbols !== symbols) {
          throw new Error(
            `${name}.dll was closed (closeLibraries or setDllDirectory): call ${name}() again`,
          );
        }
        const bound = open(library.path, { [symbol]: table[symbol]! });
        library.handles.push(bound);
        const value = bound.symbols[symbol];
        Object.defineProperty(symbols, symbol, { value, enumerable: true });
        return value;
      },
    };
  }
  Object.defineProperties(prototype, getters);
  return symbols as Deno.DynamicLibrary<S>["symbols"];
}

function library<N extends LibraryName>(name: N): LibraryOf<N>["symbols"] {
  const loaded = opened[name];
  if (loaded) return loaded.symbols as LibraryOf<N>["symbols"];
  const path = resolve(name);
  // The file is mapped now, so a missing or broken DLL fails here, when the accessor is called,
  // exactly as when every symbol was bound at once. That first handle binds nothing, except in
  // kernel32: the last-error pair every later `open` keeps the last error with.
  const handles: OpenedLibrary["handles"] = [
    open(path, name === "kernel32" ? LAST_ERROR_SYMBOLS : {}),
  ];
  const symbols = lazySymbols(name, { path, handles }, LIBRARIES[name]);
  opened[name] = { path, handles, symbols };
  return symbols as LibraryOf<N>["symbols"];
}

/**
 * The file `name` is loaded from here (opening the library if it is not open yet): what the
 * fan-out's pool Workers open, so they call exactly the DLL this thread calls.
 */
export function libraryFile(name: LibraryName): string {
  library(name);
  return opened[name]!.path;
}

/** wtsapi32.dll, opened on first use. */
export const wtsapi32 = (): LibraryOf<"wtsapi32">["symbols"] => library("wtsapi32");

/** rstrtmgr.dll, opened on first use. */
export const rstrtmgr = (): LibraryOf<"rstrtmgr">["symbols"] => library("rstrtmgr");

/** kernel32.dll, opened on first use. */
export const kernel32 = (): LibraryOf<"kernel32">["symbols"] => library("kernel32");

/** advapi32.dll, opened on first use. */
export const advapi32 = (): LibraryOf<"advapi32">["symbols"] => library("advapi32");

/** ntdll.dll (RtlGetVersion), opened on first use. */
export const ntdll = (): LibraryOf<"ntdll">["symbols"] => library("ntdll");

/** netapi32.dll (NetServerGetInfo), opened on first use: NOT a KnownDLL, so by full path too. */
export const netapi32 = (): LibraryOf<"netapi32">["symbols"] => library("netapi32");
