/**
 * How a Win32 error code reads: its symbolic name from the one name table
 * (`error_names.ts`) and its message from `FormatMessageW`, or the table's English text when
 * kernel32 cannot be called.
 *
 * @module
 */

import { ERROR_ENTRIES } from "./error_names.ts";
import { kernel32 } from "./load.ts";

/** The `errorName` of a code missing from winsession's table (the number is still shown). */
export const UNKNOWN_ERROR = "UNKNOWN_ERROR";

const FORMAT_MESSAGE_ALLOCATE_BUFFER = 0x0000_0100;
const FORMAT_MESSAGE_IGNORE_INSERTS = 0x0000_0200;
const FORMAT_MESSAGE_FROM_SYSTEM = 0x0000_1000;

/**
 * The symbolic name of a Win32 error code, such as `"ERROR_ACCESS_DENIED"` for 5, or
 * `"UNKNOWN_ERROR"` for a code winsession's table does not hold.
 *
 * @example
 * ```ts
 * import { errorName } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(errorName(7022), "ERROR_CTX_WINSTATION_NOT_FOUND");
 * assert.equal(errorName(123456), "UNKNOWN_ERROR");
 * ```
 *
 * @param code A Win32 error code.
 * @returns Its name from `winerror.h`.
 */
export function errorName(code: number): string {
  return ERROR_ENTRIES.get(code)?.[1] ?? UNKNOWN_ERROR;
}

/**
 * The English text winsession carries for `code`, used when `FormatMessageW` cannot be called;
 * `""` for a code its table does not hold.
 *
 * @example
 * ```ts
 * import { builtInMessage } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(builtInMessage(5), "Access is denied.");
 * ```
 *
 * @param code A Win32 error code.
 * @returns The message, without a trailing line break.
 */
export function builtInMessage(code: number): string {
  return ERROR_ENTRIES.get(code)?.[2] ?? "";
}

/**
 * The system's message for `code`, from `FormatMessageW` in the user's language, with the
 * trailing line break removed. Falls back to {@linkcode builtInMessage} when kernel32 cannot be
 * loaded (no FFI permission, not Windows) or `FormatMessageW` knows no text for the code.
 *
 * @example
 * ```ts ignore
 * import { systemMessage } from "./errors.ts";
 *
 * console.log(systemMessage(5)); // "Access is denied."
 * ```
 *
 * @param code A Win32 error code.
 * @returns The message, or `""` if neither source knows it.
 */
export function systemMessage(code: number): string {
  let symbols: ReturnType<typeof kernel32>;
  try {
    symbols = kernel32();
  } catch {
    return builtInMessage(code);
  }
  // With FORMAT_MESSAGE_ALLOCATE_BUFFER, lpBuffer is really an LPWSTR* that receives a
  // LocalAlloc'd string, which we must LocalFree whatever happens while decoding it.
  const out = new BigUint64Array(1);
  const units = symbols.FormatMessageW(
    FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
    null,
    code >>> 0,
    0,
    new Uint8Array(out.buffer),
    0,
    null,
  );
  const pointer = Deno.UnsafePointer.create(out[0]!);
  try {
    if (units === 0 || pointer === null) return builtInMessage(code);
    const text = new Uint8Array(units * 2);
    Deno.UnsafePointerView.copyInto(pointer, text);
    return new TextDecoder("utf-16le").decode(text).trimEnd();
  } finally {
    if (pointer !== null) symbols.LocalFree(pointer);
  }
}
