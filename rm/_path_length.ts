/**
 * How long a path may be, and how a long one is shown in a one-line message: shared by
 * `paths.ts` (which exports both) and the folder walk of `locks.ts`, which builds full paths
 * itself and still checks their length (see `checkPathLength`).
 *
 * @module
 */

/**
 * The longest path Windows accepts, in UTF-16 code units: 32,767 (the `\\?\` form's limit, a
 * UNICODE_STRING's 65,535 bytes; "Maximum Path Length Limitation",
 * learn.microsoft.com/windows/win32/fileio/maximum-file-path-limitation).
 */
export const MAX_PATH_UNITS = 32_767;

/**
 * A path shortened for a one-line message: up to 100 characters as is, longer ones as their
 * start, "…", their end and their length.
 *
 * @example
 * ```ts
 * import { shortenPath } from "./_path_length.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(shortenPath("C:\\app"), "C:\\app");
 * assert.match(shortenPath("C:\\" + "a".repeat(40_000)), /^C:\\a{47}…a{30} \(40003 characters\)$/);
 * ```
 *
 * @param path Any path.
 * @returns Text of at most ~100 characters.
 */
export function shortenPath(path: string): string {
  if (path.length <= 100) return path;
  return `${path.slice(0, 50)}…${path.slice(-30)} (${path.length} characters)`;
}

/**
 * Throws the `RangeError` `resolveFullPath` (paths.ts) throws for a path longer than
 * {@linkcode MAX_PATH_UNITS}, for paths that need no other check: the folder walk builds full
 * paths from a resolved folder and the names the listing gives, so this is all it still asks.
 *
 * @param path Any path.
 * @throws {RangeError} When `path` is longer than {@linkcode MAX_PATH_UNITS} (the message shows
 * it shortened).
 */
export function checkPathLength(path: string): void {
  if (path.length > MAX_PATH_UNITS) {
    throw new RangeError(
      `path is longer than Windows allows (${path.length} > ${MAX_PATH_UNITS} characters): ` +
        shortenPath(path),
    );
  }
}
