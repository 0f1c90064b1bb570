/**
 * Paths as the Restart Manager needs them, and the checks that keep a destructive command off
 * the wrong target: full paths (Windows' rules on Windows, POSIX rules elsewhere, where only the
 * test doubles run), no empty path (Windows resolves `""` to the current folder), nothing longer
 * than Windows allows, and the folders whose release would close half the machine.
 *
 * @example
 * ```ts
 * import { protectedFolderReason, resolveFullPath } from "./paths.ts";
 * import assert from "node:assert/strict";
 *
 * if (Deno.build.os !== "windows") assert.equal(resolveFullPath("a", "/srv"), "/srv/a");
 * assert.equal(protectedFolderReason("C:\\", { os: "windows", env: () => undefined }), "a drive root");
 * ```
 *
 * @module
 */

import { checkPathLength, shortenPath } from "./_path_length.ts";
import { posixParts, resolvePosix, resolveWin32, win32Parts } from "./_path_resolve.ts";

export { MAX_PATH_UNITS, shortenPath } from "./_path_length.ts";

/**
 * Resolves `path` against `cwd` into the full path the Restart Manager needs: Windows' rules on
 * Windows, POSIX rules elsewhere (where only the test doubles run).
 *
 * @example
 * ```ts
 * import { resolveFullPath } from "./paths.ts";
 * import assert from "node:assert/strict";
 *
 * if (Deno.build.os !== "windows") {
 *   assert.equal(resolveFullPath("logs/app.log", "/srv"), "/srv/logs/app.log");
 * }
 * assert.throws(() => resolveFullPath("a\0b"), TypeError);
 * assert.throws(() => resolveFullPath(""), TypeError);
 * ```
 *
 * @param path An absolute or relative path.
 * @param cwd What a relative path is relative to (default: the working directory).
 * @returns The absolute path.
 * @throws {TypeError} When `path` is empty or blank (it would name the current folder), or
 * contains a NUL character (the message names the path).
 * @throws {RangeError} When `path` is longer than {@linkcode MAX_PATH_UNITS} (the message shows
 * it shortened).
 */
export function resolveFullPath(path: string, cwd?: string): string {
  if (path.trim() === "") {
    throw new TypeError(
      `an empty path names no file or folder (${JSON.stringify(path)}); ` +
        `write "." to mean the current folder`,
    );
  }
  checkPathLength(path);
  if (path.includes("\0")) {
    throw new TypeError(`path contains a NUL character: ${shortenPath(JSON.stringify(path))}`);
  }
  const base = cwd ?? Deno.cwd();
  return Deno.build.os === "windows" ? resolveWin32([base, path]) : resolvePosix([base, path]);
}

/** How {@linkcode protectedFolderReason} sees the machine (tests pass their own). */
export interface ProtectedFolderOptions {
  /** Whose rules: `"windows"` or anything else for POSIX (default `Deno.build.os`). */
  os?: string;
  /** Reads an environment variable; default: `Deno.env.get` where `--allow-env` grants it,
   * never prompting (unknown variables fall back to Windows' defaults). */
  env?: (name: string) => string | undefined;
}

function grantedEnv(name: string): string | undefined {
  const state = Deno.permissions.querySync?.({ name: "env", variable: name }).state;
  return state === "granted" ? Deno.env.get(name) : undefined;
}

/**
 * Why releasing `fullPath` (a folder, recursively) would close far more than anyone means to,
 * or `null` when it is an ordinary folder. On Windows: a drive root (`C:\`) or share root
 * (`\\server\share\`), the Users folder (the parent of `USERPROFILE`, else `C:\Users`) and
 * every profile in it (`C:\Users\<name>`, `Public` and `Default` included), the Windows folder
 * (`SystemRoot`/`windir`) and everything inside it, and the Program Files and ProgramData
 * folders themselves (an application folder inside them is fine). Elsewhere: `/`, `HOME` and,
 * when it is not `/`, HOME's parent and its children. Compared case-insensitively on Windows.
 *
 * @example
 * ```ts
 * import { protectedFolderReason } from "./paths.ts";
 * import assert from "node:assert/strict";
 *
 * const env = (name: string) => ({ USERPROFILE: "C:\\Users\\alice" } as Record<string, string>)[name];
 * assert.equal(protectedFolderReason("c:\\users\\Bob\\", { os: "windows", env }), "the profile folder of Bob");
 * assert.equal(protectedFolderReason("C:\\Program Files\\App", { os: "windows", env }), null);
 * ```
 *
 * @param fullPath A full path.
 * @param options Whose rules and where environment variables come from.
 * @returns A phrase such as `"a drive root"`, or `null`.
 */
export function protectedFolderReason(
  fullPath: string,
  options: ProtectedFolderOptions = {},
): string | null {
  const env = options.env ?? grantedEnv;
  return (options.os ?? Deno.build.os) === "windows"
    ? windowsReason(fullPath, env)
    : posixReason(fullPath, env);
}

function windowsReason(fullPath: string, env: (name: string) => string | undefined) {
  const key = (path: string) => resolveWin32([path]).replace(/[\\/]+$/, "").toLowerCase();
  const resolved = resolveWin32([fullPath]);
  const path = key(resolved);
  const parts = win32Parts(resolved);
  if (path === key(parts.root)) {
    return fullPath.startsWith("\\\\") ? "a share root" : "a drive root";
  }
  const drive = env("SystemDrive") ?? "C:";
  const profile = env("USERPROFILE");
  const users = key(profile ? win32Parts(resolveWin32([profile])).parent : `${drive}\\Users`);
  if (path === users) return "the folder of every user profile";
  if (key(parts.parent) === users) return `the profile folder of ${parts.name}`;
  const windows = key(env("SystemRoot") ?? env("windir") ?? `${drive}\\Windows`);
  if (path === windows || path.startsWith(`${windows}\\`)) return "a Windows system folder";
  const roots = [
    env("ProgramFiles") ?? `${drive}\\Program Files`,
    env("ProgramFiles(x86)") ?? `${drive}\\Program Files (x86)`,
    env("ProgramW6432"),
    env("ProgramData") ?? `${drive}\\ProgramData`,
  ];
  for (const folder of roots) {
    if (folder && path === key(folder)) return "the folder of every installed program";
  }
  return null;
}

function posixReason(fullPath: string, env: (name: string) => string | undefined) {
  const path = resolvePosix([fullPath]);
  if (path === "/") return "the root folder";
  const home = env("HOME");
  if (!home) return null;
  const homePath = resolvePosix([home]);
  if (path === homePath) return "your home folder";
  const parent = posixParts(homePath).parent;
  if (parent === "/") return null;
  if (path === parent) return "the folder of every home folder";
  const { parent: pathParent, name } = posixParts(path);
  if (pathParent === parent) return `the home folder of ${name}`;
  return null;
}
