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
/** The same as a number, for the per-value conversion. */
const EPOCH_DIFFERENCE_MS_NUMBER = Number(EPOCH_DIFFERENCE_MS);

/** The largest FILETIME Windows itself accepts (`FileTimeToSystemTime` rejects the sign bit). */
const MAX_FILETIME = 0x7fff_ffff_ffff_ffffn;

/** 2^32 = 429,496 × 10,000 + 7,296: splits a FILETIME's high DWORD into whole milliseconds. */
const HIGH_DWORD_MS = 429_496;
const HIGH_DWORD_REST_TICKS = 7_296;

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
  return fileTimeDwordsToDate(Number(ticks & 0xffff_ffffn), Number(ticks >> 32n));
}

/**
 * The one FILETIME-to-`Date` conversion, from the FILETIME's two DWORDs as a struct holds them
 * (`dwLowDateTime`, `dwHighDateTime`): `null` for 0 and for the sign bit set, like
 * {@linkcode fileTimeToDate}. Plain numbers: every term stays far below 2^53, so the floor is
 * exact (truncation never rounds a time forward) and no BigInt is divided per value, which
 * matters when a list decodes a thousand start times.
 *
 * @example
 * ```ts
 * import { fileTimeDwordsToDate } from "./filetime.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(fileTimeDwordsToDate(0xd53e8000, 0x019db1de)?.toISOString(), "1970-01-01T00:00:00.000Z");
 * assert.equal(fileTimeDwordsToDate(0, 0), null);
 * ```
 *
 * @param low `dwLowDateTime`, an unsigned 32-bit value.
 * @param high `dwHighDateTime`, an unsigned 32-bit value.
 * @returns The instant, or `null` when the FILETIME means "never" or is not a valid time.
 */
export function fileTimeDwordsToDate(low: number, high: number): Date | null {
  const ms = fileTimeDwordsToUnixMs(low, high);
  return ms === null ? null : new Date(ms);
}

/**
 * {@linkcode fileTimeDwordsToDate} as milliseconds since 1970 (what `Date.getTime()` would
 * give), for a time only compared or subtracted, such as WTSINFOW's CurrentTime: no `Date` is
 * made (measured: the `Date`s were a tenth of a 1,000-session listing).
 *
 * @example
 * ```ts
 * import { fileTimeDwordsToUnixMs } from "./filetime.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(fileTimeDwordsToUnixMs(0xd53e8000, 0x019db1de), 0);
 * assert.equal(fileTimeDwordsToUnixMs(0, 0), null);
 * ```
 *
 * @param low `dwLowDateTime`, an unsigned 32-bit value.
 * @param high `dwHighDateTime`, an unsigned 32-bit value.
 * @returns The milliseconds, or `null` when the FILETIME means "never" or is not a valid time.
 */
export function fileTimeDwordsToUnixMs(low: number, high: number): number | null {
  if ((low === 0 && high === 0) || high >= 0x8000_0000) return null;
  const ms = high * HIGH_DWORD_MS + Math.floor((high * HIGH_DWORD_REST_TICKS + low) / 10_000);
  return ms - EPOCH_DIFFERENCE_MS_NUMBER;
}

/**
 * Reads a FILETIME field of a struct as a `Date` (see {@linkcode fileTimeDwordsToDate}): two
 * little-endian DWORDs, low then high, only 4-aligned.
 *
 * @example
 * ```ts
 * import { readFileTimeDate } from "./filetime.ts";
 * import assert from "node:assert/strict";
 *
 * const view = new DataView(new ArrayBuffer(8));
 * view.setUint32(0, 0xd53e8000, true);
 * view.setUint32(4, 0x019db1de, true);
 * assert.equal(readFileTimeDate(view, 0)?.getTime(), 0);
 * ```
 *
 * @param view A view over the struct.
 * @param byteOffset The field's offset within `view`.
 * @returns The instant, or `null` for "no time".
 */
export function readFileTimeDate(view: DataView, byteOffset: number): Date | null {
  return fileTimeDwordsToDate(
    view.getUint32(byteOffset, true),
    view.getUint32(byteOffset + 4, true),
  );
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

/**
 * {@linkcode durationFrom100ns} of a signed 64-bit duration given as its two DWORDs (a
 * `LARGE_INTEGER`'s `LowPart` and `HighPart` as unsigned values), with plain numbers: the same
 * result, bit for bit, without a BigInt per value. For a non-negative count the high DWORD is
 * below 2^31, so `whole` = `high × 429,496 + ⌊r / 10,000⌋` with `r = high × 7,296 + low`
 * (2^32 = 429,496 × 10,000 + 7,296) stays below 2^50 and `r` below 2^45: every step is an exact
 * integer, and the final sum is the one expression `durationFrom100ns` evaluates. A negative
 * count (the sign bit set: never a CPU time Windows reports) takes the BigInt path, so even
 * that is identical.
 *
 * @example A process's CPU time
 * ```ts
 * import { durationDwordsToMs } from "./filetime.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(durationDwordsToMs(15_625, 0), 1.5625);
 * assert.equal(durationDwordsToMs(0, 1), 429_496.7296); // 2^32 ticks
 * ```
 *
 * @param low The low DWORD, an unsigned 32-bit value.
 * @param high The high DWORD, an unsigned 32-bit value (bit 31 is the sign).
 * @returns The duration in milliseconds.
 */
export function durationDwordsToMs(low: number, high: number): number {
  if (high >= 0x8000_0000) {
    return durationFrom100ns(BigInt.asIntN(64, (BigInt(high) << 32n) | BigInt(low)));
  }
  const r = high * HIGH_DWORD_REST_TICKS + low;
  // Whole milliseconds by a floor division, not `%` (a slow floating-point remainder, twice
  // per process row): r < 2^45, so r / 10,000 lies at least 1/10,000 from the next integer
  // unless it is one, far beyond the rounding error near 2^31: the floor is exact, and so is
  // the rest. The sum is the same value, bit for bit, as `durationFrom100ns` gives.
  const whole = Math.floor(r / 10_000);
  return high * HIGH_DWORD_MS + whole + (r - whole * 10_000) / 10_000;
}
