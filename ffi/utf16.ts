/**
 * UTF-16LE strings across the FFI boundary: encoding JavaScript strings into NUL-terminated
 * `LPCWSTR` buffers, and decoding `WCHAR` data that Windows hands back.
 *
 * JavaScript strings are already sequences of UTF-16 code units, so encoding copies code units
 * as they are: surrogate pairs pass through intact, and so does a lone surrogate (Windows
 * accepts unpaired surrogates, for example in file names, and we must be able to name them).
 *
 * Decoding replaces a lone surrogate coming from Windows with U+FFFD REPLACEMENT CHARACTER
 * instead of throwing, so one odd process name never breaks a whole listing. That is what
 * `TextDecoder("utf-16le")` does in its default, non-fatal mode, and every decoder here gives
 * exactly that result whichever way it builds the string: short strings (most names Windows
 * returns) are built with `String.fromCharCode` from the code units of a `Uint16Array` view,
 * several times faster than a `TextDecoder` call, and then made well-formed
 * (`String.prototype.toWellFormed`, the same replacement) only when a unit in the surrogate
 * range was seen; long strings go through the shared `TextDecoder`, faster from a few hundred
 * code units on (see {@linkcode SHORT_STRING_UNITS}).
 *
 * @module
 */

import { kernel32 } from "./load.ts";
import { shortString } from "./_short_strings.ts";

/** Shared decoder: non-fatal, so lone surrogates become U+FFFD rather than an exception. */
const decoder = new TextDecoder("utf-16le");

/**
 * Strings up to this many code units are built with `String.fromCharCode`, longer ones with
 * `TextDecoder`. Measured on Deno 2.9 (V8), per string: `fromCharCode.apply` over a plain array
 * of the code units costs ~50 ns for 13 units and ~700 ns for 256, `TextDecoder.decode` ~300 ns
 * and ~1.2 µs; from about 300 units on the decoder is faster. Both give the same text.
 *
 * @example
 * ```ts
 * import { decodeWideUnits, SHORT_STRING_UNITS } from "./utf16.ts";
 * import assert from "node:assert/strict";
 *
 * const long = new Uint16Array(SHORT_STRING_UNITS + 1).fill(0x61); // decoded by TextDecoder
 * assert.equal(decodeWideUnits(long), "a".repeat(SHORT_STRING_UNITS + 1));
 * ```
 */
export const SHORT_STRING_UNITS = 256;

/**
 * One plain array per string length, reused: `fromCharCode.apply` reads a plain array of small
 * integers about twice as fast as a `Uint16Array` (and a fresh `subarray` per string would be
 * one more allocation). Filled in lazily: only lengths that occur cost memory.
 */
const charCodesByLength: number[][] = new Array(SHORT_STRING_UNITS + 1);

/** Scratch space {@linkcode readWide} copies long strings into; grows to the longest seen. */
let scratch = new Uint8Array(1024);

/** Scratch space {@linkcode readWide} copies short strings into (any string ≤ the cut-off). */
const shortScratch = new ArrayBuffer(SHORT_STRING_UNITS * 2);
/** Views of `shortScratch` by length in units, made once each: no allocation per string. */
const shortBytes: Uint8Array<ArrayBuffer>[] = [];
const shortUnits: Uint16Array<ArrayBuffer>[] = [];

/** Scratch space {@linkcode decodeWide} copies a string at an odd address into, to align it. */
let alignScratch = new Uint16Array(256);

/**
 * The string of `units[start..end)`, lone surrogates replaced by U+FFFD.
 *
 * Up to 32 units (`SHORT_CALL_UNITS` of ffi/_short_strings.ts) (nearly every name Windows returns) the string is made
 * by one written-out `String.fromCharCode` call (ffi/_short_strings.ts: ≈38 ns for a 13-unit
 * name against ≈66–86 through `apply`, measured on bench/decode_bench.ts' block), then checked
 * with `isWellFormed` only if some unit is at or above 0xD800 (the OR of the units, which the
 * caller's scan for the NUL may pass as `seen`). Longer strings copy into a plain array reused
 * per length for `fromCharCode.apply` (which reads a plain array about twice as fast as a
 * `Uint16Array`), the longest through `TextDecoder`.
 */
function unitsToString(units: Uint16Array, start: number, end: number, seen = -1): string {
  const length = end - start;
  if (length <= 0) return "";
  if (length > SHORT_STRING_UNITS) return decoder.decode(units.subarray(start, end));
  let text = shortString(units, start, length);
  if (text === undefined) {
    let codes = charCodesByLength[length];
    if (codes === undefined) codes = charCodesByLength[length] = new Array<number>(length).fill(0);
    seen = 0;
    for (let k = 0; k < length; k++) seen |= codes[k] = units[start + k]!;
    text = String.fromCharCode.apply(null, codes);
  } else if (seen < 0) {
    seen = 0;
    for (let k = start; k < end; k++) seen |= units[k]!;
  }
  return seen < 0xd800 || text.isWellFormed() ? text : text.toWellFormed();
}

/**
 * Encodes `text` as UTF-16LE followed by a NUL code unit, ready to pass as an `LPCWSTR`.
 *
 * Throws a `TypeError` if `text` itself contains a NUL: Windows would silently truncate the
 * string there, which for a path or a server name means acting on something else.
 *
 * @example Encoding a server name
 * ```ts
 * import { encodeWide } from "./utf16.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeWide("rds01", "server name");
 * assert.equal(bytes.byteLength, 12); // 5 code units + NUL, 2 bytes each
 * assert.throws(() => encodeWide("a\0b", "path"), TypeError);
 * ```
 *
 * @param text The string to encode.
 * @param what What the string is, for the error message ("path", "server name", …).
 * @returns A fresh buffer holding the UTF-16LE code units and a terminating NUL.
 */
export function encodeWide(text: string, what = "string"): Uint8Array<ArrayBuffer> {
  const length = text.length;
  const buffer = new ArrayBuffer((length + 1) * 2);
  const units = new Uint16Array(buffer);
  for (let i = 0; i < length; i++) {
    const unit = text.charCodeAt(i);
    if (unit === 0) {
      throw new TypeError(`${what} contains a NUL character: ${JSON.stringify(text)}`);
    }
    units[i] = unit;
  }
  // Uint16Array stores in platform order; every platform Deno supports is little-endian, which
  // is what Windows expects.
  return new Uint8Array(buffer);
}

/**
 * Decodes a NUL-terminated UTF-16LE string from `bytes`, for the fixed `WCHAR[n]` arrays inside
 * structs. Reads up to the first NUL, `maxUnits` code units, or the end of `bytes`, whichever
 * comes first.
 *
 * @example Decoding a fixed array
 * ```ts
 * import { decodeWide, encodeWide } from "./utf16.ts";
 * import assert from "node:assert/strict";
 *
 * const struct = new Uint8Array(64);
 * struct.set(encodeWide("Console"), 8);
 * assert.equal(decodeWide(struct, 8, 28), "Console");
 * ```
 *
 * @param bytes The buffer holding the string (typically a whole struct).
 * @param byteOffset Where the string starts within `bytes`.
 * @param maxUnits The array's length in code units; omit to read until a NUL or the end.
 * @returns The decoded string, without the NUL.
 */
export function decodeWide(bytes: Uint8Array, byteOffset = 0, maxUnits?: number): string {
  const available = Math.max(0, Math.floor((bytes.byteLength - byteOffset) / 2));
  const limit = maxUnits === undefined ? available : Math.max(0, Math.min(maxUnits, available));
  if (limit === 0) return "";
  const address = bytes.byteOffset + byteOffset;
  if ((address & 1) === 0) {
    return decodeWideUnits(new Uint16Array(bytes.buffer, address, limit), 0, limit);
  }
  // A string at an odd address (a Uint8Array may start anywhere): copy its bytes, up to the
  // first NUL pair, into aligned scratch space first.
  let end = byteOffset;
  const stop = byteOffset + limit * 2;
  while (end < stop && (bytes[end]! | bytes[end + 1]!) !== 0) end += 2;
  const length = (end - byteOffset) / 2;
  if (alignScratch.length < length) alignScratch = new Uint16Array(length);
  const target = new Uint8Array(alignScratch.buffer, 0, length * 2);
  target.set(bytes.subarray(byteOffset, end));
  return unitsToString(alignScratch, 0, length);
}

/**
 * Decodes a NUL-terminated UTF-16 string from a `Uint16Array` view, starting at unit index
 * `start`: up to the first NUL, `maxUnits` units, or the end of `units`, whichever comes first.
 *
 * This is {@linkcode decodeWide} for decoders that make ONE `Uint16Array` over a whole array of
 * structs and read every fixed `WCHAR[n]` field from it (no view per field or per row).
 *
 * @example Two fixed arrays in one view
 * ```ts
 * import { decodeWideUnits, encodeWide } from "./utf16.ts";
 * import assert from "node:assert/strict";
 *
 * const units = new Uint16Array(2 * 16);
 * units.set(new Uint16Array(encodeWide("Notepad").buffer), 0);
 * units.set(new Uint16Array(encodeWide("Spooler").buffer), 16);
 * assert.equal(decodeWideUnits(units, 0, 16), "Notepad");
 * assert.equal(decodeWideUnits(units, 16, 3), "Spo");
 * ```
 *
 * @param units The view (typically over a whole struct array).
 * @param start Where the string starts, in code units.
 * @param maxUnits The array's length in code units; omit to read until a NUL or the end.
 * @returns The decoded string, without the NUL; lone surrogates become U+FFFD.
 */
export function decodeWideUnits(units: Uint16Array, start = 0, maxUnits?: number): string {
  const stop = maxUnits === undefined ? units.length : Math.min(units.length, start + maxUnits);
  let end = start;
  let seen = 0; // the OR of the units, for unitsToString's surrogate check
  for (let unit; end < stop && (unit = units[end]!) !== 0; end++) seen |= unit;
  return unitsToString(units, start, end, seen);
}

/**
 * Reads a NUL-terminated `LPCWSTR` that Windows returned, such as `pProcessName` inside a block
 * from `WTSEnumerateProcessesW`. Returns `""` for a null pointer.
 *
 * Measures the string with kernel32's `lstrlenW`, then copies it with one
 * `UnsafePointerView.copyInto` into reused scratch space: two native calls per string whatever
 * its length, instead of one per code unit, and for a short string no allocation but the
 * string itself (a view per length is made once and reused).
 *
 * @example Reading a string a WTS call returned
 * ```ts ignore
 * import { readWide } from "./utf16.ts";
 *
 * declare const pWinStationName: Deno.PointerValue;
 * console.log(readWide(pWinStationName)); // "RDP-Tcp#3"
 * ```
 *
 * @param pointer The string's address, or `null`.
 * @returns The decoded string.
 */
export function readWide(pointer: Deno.PointerValue): string {
  if (pointer === null) return "";
  const length = kernel32().lstrlenW(pointer);
  if (length <= 0) return "";
  if (length <= SHORT_STRING_UNITS) {
    let bytes = shortBytes[length];
    let units = shortUnits[length];
    if (bytes === undefined || units === undefined) {
      bytes = shortBytes[length] = new Uint8Array(shortScratch, 0, length * 2);
      units = shortUnits[length] = new Uint16Array(shortScratch, 0, length);
    }
    Deno.UnsafePointerView.copyInto(pointer, bytes);
    return unitsToString(units, 0, length);
  }
  const byteLength = length * 2;
  if (scratch.byteLength < byteLength) {
    scratch = new Uint8Array(Math.max(byteLength, scratch.byteLength * 2));
  }
  const target = scratch.subarray(0, byteLength);
  Deno.UnsafePointerView.copyInto(pointer, target);
  return decoder.decode(target);
}

/**
 * Reads the `LPWSTR` whose address is stored at `byteOffset` in `view` (a pointer field of a
 * struct), returning `""` when that pointer is null.
 *
 * @example Reading a pointer field
 * ```ts ignore
 * import { readWideAt } from "./utf16.ts";
 *
 * declare const row: DataView; // one WTS_SESSION_INFOW
 * console.log(readWideAt(row, 8)); // pWinStationName
 * ```
 *
 * @param view A view over the struct (or an array of structs).
 * @param byteOffset Where the 8-byte pointer field lies within `view`.
 * @returns The decoded string.
 */
export function readWideAt(view: DataView, byteOffset: number): string {
  const address = view.getBigUint64(byteOffset, true);
  if (address === 0n) return "";
  return readWide(Deno.UnsafePointer.create(address));
}

/** An `LPCWSTR[]` built by {@linkcode pointerArray}, and what must stay alive while it is used. */
export interface PointerArray {
  /**
   * The array of 8-byte string pointers, to pass as a `"buffer"` parameter. It is a view of the
   * same `ArrayBuffer` the strings live in, so passing it keeps them alive during the call.
   */
  array: Uint8Array<ArrayBuffer>;
  /**
   * The one buffer holding the pointer table and, after it, the encoded strings back to back
   * (empty for no strings): keep this reachable until the call returns.
   */
  keep: Uint8Array<ArrayBuffer>[];
}

/**
 * Builds an `LPCWSTR[]` for APIs taking an array of strings, such as `RmRegisterResources`.
 *
 * The whole batch is ONE allocation: the pointer table first, then every string as UTF-16LE
 * plus NUL, back to back; each pointer is the buffer's base address plus its string's offset.
 * One buffer instead of one per string made encoding 10,000 paths several times faster (fewer
 * `ArrayBuffer`s to allocate, pin and collect, and one native address lookup instead of one per
 * string; see bench/rm_bench.ts). Hold on to the whole result until the native call has
 * returned, or the garbage collector may free the strings under it.
 *
 * @example Registering files with the Restart Manager
 * ```ts
 * import { pointerArray } from "./utf16.ts";
 * import assert from "node:assert/strict";
 *
 * const files = pointerArray(["C:\\app\\a.dll", "C:\\app\\b.dll"], "path");
 * assert.equal(files.array.byteLength, 16); // two 8-byte pointers
 * assert.equal(files.keep.length, 1); // the one buffer they point into
 * assert.equal(files.array.buffer, files.keep[0]!.buffer);
 * ```
 *
 * @param strings The strings, encoded like {@linkcode encodeWide} does.
 * @param what What each string is, for the error message when one contains a NUL.
 * @returns The pointer array and the buffer it points into.
 * @throws {TypeError} When a string contains a NUL character (the message names it).
 */
export function pointerArray(strings: readonly string[], what = "string"): PointerArray {
  const count = strings.length;
  if (count === 0) return { array: new Uint8Array(0), keep: [] };
  const tableBytes = count * 8;
  let units = 0;
  for (let i = 0; i < count; i++) units += strings[i]!.length + 1;
  // Rounded up to 8 bytes so the whole buffer can also be viewed as 64-bit slots. An explicit
  // ArrayBuffer: its backing store is off the JavaScript heap, so its address never moves.
  const buffer = new ArrayBuffer((tableBytes + units * 2 + 7) & ~7);
  const bytes = new Uint8Array(buffer);
  const text = new Uint16Array(buffer, tableBytes, units);
  // Addresses as two 32-bit halves computed with plain numbers: x64 user-space addresses stay
  // far below 2^53, and this avoids one BigInt per string.
  const slots = new Uint32Array(buffer, 0, count * 2);
  const base = Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes))) + tableBytes;
  for (let i = 0, at = 0; i < count; i++) {
    const string = strings[i]!;
    const address = base + at * 2;
    slots[2 * i] = address % 0x1_0000_0000;
    slots[2 * i + 1] = Math.floor(address / 0x1_0000_0000);
    for (let k = 0, length = string.length; k < length; k++) {
      const unit = string.charCodeAt(k);
      if (unit === 0) {
        throw new TypeError(`${what} contains a NUL character: ${JSON.stringify(string)}`);
      }
      text[at++] = unit;
    }
    at++; // the NUL, already zero
  }
  return { array: bytes.subarray(0, tableBytes), keep: [bytes] };
}
