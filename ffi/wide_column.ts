/**
 * The `LPWSTR` columns of the arrays Windows returns (`WTS_PROCESS_INFOW[]`,
 * `WTS_SESSION_INFOW[]`, …): every row's string of one pointer field, read from ONE mapping of
 * the packed string area when Windows packed the strings after the structs, as it does.
 *
 * @module
 */

import { addressAt, PackedArea } from "./_packed_area.ts";
import { decodeWideUnits, readWide } from "./utf16.ts";

/**
 * The `LPWSTR` field at `firstOffset + i * stride` of `count` structs in `view` (a column of an
 * array such as `WTS_PROCESS_INFOW[]`), read a row at a time with {@linkcode WideColumn.at}, so a
 * decoder builds each row's object in one pass with no array of strings in between.
 *
 * Windows returns such arrays as one allocation with the strings packed after the structs. When
 * the pointers show that layout, every string is decoded from ONE mapping of the packed area
 * ({@linkcode PackedArea}: no copy, no native call per string) instead of `lstrlenW` +
 * `copyInto` per string. Any other layout falls back to {@linkcode readWide} per string, so the
 * result never depends on the layout.
 *
 * @example A column of names
 * ```ts ignore
 * import { WideColumn } from "./wide_column.ts";
 *
 * declare const block: DataView; // count WTS_PROCESS_INFOW of 24 bytes
 * declare const count: number;
 * const names = new WideColumn(block, 8, 24, count); // pProcessName of every row
 * for (let i = 0; i < count; i++) console.log(names.at(i * 24 + 8));
 * ```
 */
export class WideColumn {
  readonly #view: DataView;
  /** The packed area's `WCHAR`s, or `null` when the strings are read one at a time. */
  readonly #units: Uint16Array | null = null;
  /** The address `#units[0]` is at. */
  readonly #start: number = 0;

  /**
   * Scans the column's pointers and, when they are packed, maps the string area once.
   *
   * @param view A view over the struct array.
   * @param firstOffset The pointer field's offset in the first struct.
   * @param stride The struct size.
   * @param count How many structs.
   * @param area This column's area, when the caller mapped it already (see {@linkcode PackedArea.map}),
   * when the caller has one: `null` reads every string on its own; omitted, the column maps its
   * own.
   */
  constructor(
    view: DataView,
    firstOffset: number,
    stride: number,
    count: number,
    area?: PackedArea | null,
  ) {
    this.#view = view;
    const packed = area === undefined
      ? PackedArea.map(view, stride, count, { offset: firstOffset, kind: "wide" })
      : area;
    if (packed !== null) {
      this.#units = packed.units;
      this.#start = packed.start;
    }
  }

  /**
   * The string the pointer field at `byteOffset` of the view points to, `""` for a null pointer.
   *
   * @example
   * ```ts ignore
   * const name = names.at(row * stride + offsets.pProcessName);
   * ```
   *
   * @param byteOffset One of the column's fields: `firstOffset + i * stride`.
   * @returns The decoded string; lone surrogates become U+FFFD.
   */
  at(byteOffset: number): string {
    const address = addressAt(this.#view, byteOffset);
    if (address === 0) return "";
    // A packed string ends at its NUL, at the latest the area's last string's NUL.
    if (this.#units !== null) return decodeWideUnits(this.#units, (address - this.#start) >>> 1);
    return readWide(Deno.UnsafePointer.create(BigInt(address)));
  }
}

/**
 * Every string of a column (see {@linkcode WideColumn}), in row order: one per row, `""` for a
 * null pointer.
 *
 * @example A column of names
 * ```ts ignore
 * import { readWideColumn } from "./wide_column.ts";
 *
 * declare const block: DataView; // count WTS_PROCESS_INFOW of 24 bytes
 * declare const count: number;
 * const names = readWideColumn(block, 8, 24, count); // pProcessName of every row
 * ```
 *
 * @param view A view over the struct array.
 * @param firstOffset The pointer field's offset in the first struct.
 * @param stride The struct size.
 * @param count How many structs.
 * @returns The strings, in row order.
 */
export function readWideColumn(
  view: DataView,
  firstOffset: number,
  stride: number,
  count: number,
): string[] {
  const column = new WideColumn(view, firstOffset, stride, count);
  const texts: string[] = new Array(count);
  for (let i = 0, at = firstOffset; i < count; i++, at += stride) texts[i] = column.at(at);
  return texts;
}
