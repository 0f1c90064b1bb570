/**
 * Paths as the Restart Manager needs them: full paths, resolved by Windows' rules on Windows
 * and POSIX rules elsewhere (where only the test doubles run).
 *
 * @example
 * ```ts
 * import { resolveFullPath } from "./paths.ts";
 * import assert from "node:assert/strict";
 *
 * if (Deno.build.os !== "windows") assert.equal(resolveFullPath("a", "/srv"), "/srv/a");
 * ```
 *
 * @module
 */

import posixPath from "node:path/posix";
import win32Path from "node:path/win32";

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
 * ```
 *
 * @param path An absolute or relative path.
 * @param cwd What a relative path is relative to (default: the working directory).
 * @returns The absolute path.
 * @throws {TypeError} When `path` contains a NUL character (the message names the path).
 */
export function resolveFullPath(path: string, cwd: string = Deno.cwd()): string {
  if (path.includes("\0")) {
    throw new TypeError(`path contains a NUL character: ${JSON.stringify(path)}`);
  }
  return Deno.build.os === "windows" ? win32Path.resolve(cwd, path) : posixPath.resolve(cwd, path);
}
