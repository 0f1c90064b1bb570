/**
 * What the Restart Manager modules share: turning an `Rm*` result code into a
 * {@linkcode WindowsError}, and the FILETIME of an `RM_UNIQUE_PROCESS` from what callers give.
 *
 * @module
 */

import { ERROR_SUCCESS, WindowsError } from "../ffi/errors.ts";
import { dateToFileTime } from "../ffi/filetime.ts";

/** How many times a buffer-size protocol (`RmGetList`, `RmGetFilterList`) is retried. */
export const LIST_ATTEMPTS = 8;

/** Throws the {@linkcode WindowsError} for `code` unless it is `ERROR_SUCCESS`. */
export function check(functionName: string, code: number): void {
  if (code !== ERROR_SUCCESS) throw WindowsError.fromCode(functionName, code);
}

/** A start time as the FILETIME an `RM_UNIQUE_PROCESS` holds (a bigint is taken as is). */
export function toFileTime(startTime: Date | bigint): bigint {
  return typeof startTime === "bigint" ? startTime : dateToFileTime(startTime);
}
