/**
 * The root of winsession's error hierarchy, in a file of its own so that the files defining
 * its subclasses (`errors.ts`, `action_errors.ts`) can import it without an import cycle.
 *
 * @module
 */

/**
 * The base class of every error winsession throws on purpose (arguments it rejects are plain
 * `TypeError`/`RangeError`, as in the standard library).
 *
 * @example Telling winsession's failures from others
 * ```ts
 * import { TargetChangedError, WinsessionError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new TargetChangedError("session 3", [
 *   { field: "user", expected: "CONTOSO\\bob", actual: "CONTOSO\\carol" },
 * ]);
 * assert.ok(error instanceof WinsessionError);
 * ```
 */
export class WinsessionError extends Error {
  /** The class name, such as `"WindowsError"`. */
  override readonly name: string = "WinsessionError";
}
