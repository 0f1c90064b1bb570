/**
 * FILETIME and 100-nanosecond durations: Windows' 64-bit count of 100 ns intervals since
 * 1601-01-01 UTC, converted to and from JavaScript `Date`s and milliseconds.
 *
 * WTS structs carry FILETIMEs as `LARGE_INTEGER` fields; a zero means "never" (a session that
 * was never disconnected, a client with no input yet), so it decodes to `null`.
 *
 * @module
 */

/** 100 ns intervals between 1601-01-01 and 1970-01-01 (the Unix epoch), both UTC. */
export const FILETIME_UNIX_EPOCH = 116_444_736_000_000_000n;

/** 100 ns intervals per millisecond. */
const TICKS_PER_MS = 10_000n;

/** Milliseconds between 1601-01-01 and 1970-01-01. */
const EPOCH_DIFFERENCE_MS = FILETIME_UNIX_EPOCH / TICKS_PER_MS;

/** The largest FILETIME Windows itself accepts (`FileTimeToSystemTime` rejects the sign bit). */
const MAX_FILETIME = 0x7fff_ffff_ffff_ffffn;

/**
 * Converts a FILETIME to a `Date`, or `null` for "no time": zero, a negative value, or one past
 * `0x7FFFFFFFFFFFFFFF` (a `LARGE_INTEGER` read as unsigned with the sign bit set). Sub-millisecond
 * precision is truncated, since `Date` has none.
 *
 * @example Converting a logon time
 * ```ts
 * import { fileTimeToDate } from "./filetime.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(fileTimeToDate(116444736000000000n)?.toISOString(), "1970-01-01T00:00:00.000Z");
 * assert.equal(fileTimeToDate(0n), null);
 * ```
 *
 * @param ticks 100 ns intervals since 1601-01-01 UTC.
 * @returns The instant, or `null` when `ticks` means "never" or is not a valid time.
 */
export function fileTimeToDate(ticks: bigint): Date | null {
  if (ticks <= 0n || ticks > MAX_FILETIME) return null;
  // ticks is positive, so BigInt division floors: truncation never rounds a time forward.
  return new Date(Number(ticks / TICKS_PER_MS - EPOCH_DIFFERENCE_MS));
}

/**
 * Converts a `Date` to a FILETIME.
 *
 * @example Round trip
 * ```ts
 * import { dateToFileTime, fileTimeToDate } from "./filetime.ts";
 * import assert from "node:assert/strict";
 *
 * const now = new Date();
 * assert.equal(fileTimeToDate(dateToFileTime(now))?.getTime(), now.getTime());
 * ```
 *
 * @param date The instant; must be valid and not before 1601-01-01 UTC.
 * @returns 100 ns intervals since 1601-01-01 UTC.
 * @throws {RangeError} For an invalid date or one FILETIME cannot represent.
 */
export function dateToFileTime(date: Date): bigint {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError("Cannot convert an invalid Date to a FILETIME");
  const ticks = (BigInt(ms) + EPOCH_DIFFERENCE_MS) * TICKS_PER_MS;
  if (ticks < 0n) {
    throw new RangeError(`Cannot convert ${date.toISOString()} to a FILETIME: before 1601`);
  }
  return ticks;
}

/**
 * Reads a FILETIME (or a `LARGE_INTEGER` holding one) from a struct: two little-endian DWORDs,
 * low then high. FILETIME is only 4-aligned, so this never assumes 8-byte alignment.
 *
 * @example Reading a struct field
 * ```ts
 * import { readFileTime } from "./filetime.ts";
 * import assert from "node:assert/strict";
 *
 * const view = new DataView(new ArrayBuffer(12));
 * view.setUint32(4, 0xd53e8000, true);
 * view.setUint32(8, 0x019db1de, true);
 * assert.equal(readFileTime(view, 4), 116444736000000000n);
 * ```
 *
 * @param view A view over the struct.
 * @param byteOffset The field's offset within `view`.
 * @returns The raw 100 ns count, unsigned.
 */
export function readFileTime(view: DataView, byteOffset: number): bigint {
  return view.getBigUint64(byteOffset, true);
}

/**
 * Converts a duration in 100 ns units (CPU times such as `UserTime`/`KernelTime`) to
 * milliseconds, keeping the sub-millisecond part as a fraction.
 *
 * @example A process's CPU time
 * ```ts
 * import { durationFrom100ns } from "./filetime.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(durationFrom100ns(15_625n), 1.5625);
 * ```
 *
 * @param ticks A duration in 100 ns units.
 * @returns The duration in milliseconds.
 */
export function durationFrom100ns(ticks: bigint): number {
  const whole = ticks / TICKS_PER_MS;
  const rest = ticks % TICKS_PER_MS;
  return Number(whole) + Number(rest) / 10_000;
}
