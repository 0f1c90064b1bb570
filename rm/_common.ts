/**
 * What the Restart Manager modules share: turning an `Rm*` result code into a
 * `WindowsError`, and the FILETIME of an `RM_UNIQUE_PROCESS` from what callers give.
 *
 * @module
 */

import { checkResult } from "../ffi/call.ts";
import { dateToFileTime } from "../ffi/filetime.ts";

/** How many times a buffer-size protocol (`RmGetList`, `RmGetFilterList`) is retried. */
export const LIST_ATTEMPTS = 8;

/**
 * Throws the `WindowsError` for `code` unless it is `ERROR_SUCCESS`: the DWORD-result
 * convention of every `Rm*` function, written once in `ffi/call.ts`.
 */
export const check: (functionName: string, code: number) => void = checkResult;

/** A start time as the FILETIME an `RM_UNIQUE_PROCESS` holds (a bigint is taken as is). */
export function toFileTime(startTime: Date | bigint): bigint {
  return typeof startTime === "bigint" ? startTime : dateToFileTime(startTime);
}
