/**
 * The `LPWSTR` columns of the arrays Windows returns (`WTS_PROCESS_INFOW[]`,
 * `WTS_SESSION_INFOW[]`, …): every row's string of one pointer field, read from ONE copy of the
 * packed string area when Windows packed the strings after the structs, as it does.
 *
 * @module
 */

import { kernel32 } from "./load.ts";
import { decodeWideUnits, readWide } from "./utf16.ts";

/**
 * The distance up to which two readable addresses prove everything between them readable:
 * memory is mapped and protected in whole pages, and 4 KiB is the smallest page Windows uses.
 */
const PAGE_BYTES = 4096;

/** A pointer field of a struct as a number: two DWORDs, no BigInt (x64 user-space addresses
 * stay far below 2^53, so the number is exact). */
function addressAt(view: DataView, byteOffset: number): number {
  return view.getUint32(byteOffset, true) + view.getUint32(byteOffset + 4, true) * 0x1_0000_0000;
}

/**
 * The `LPWSTR` field at `firstOffset + i * stride` of `count` structs in `view` (a column of an
 * array such as `WTS_PROCESS_INFOW[]`), read a row at a time with {@linkcode WideColumn.at}, so a
 * decoder builds each row's object in one pass with no array of strings in between.
 *
 * Windows returns such arrays as one allocation with the strings packed after the structs. When
 * the non-null pointers ascend with steps of at most one page, every byte from the first string
 * to the last string's NUL lies in a page holding a string, so is readable: then the constructor
 * copies the whole area with ONE `copyInto` (the last string measured with one `lstrlenW`) and
 * every string is decoded from that copy, instead of `lstrlenW` + `copyInto` per string. Any
 * other layout falls back to {@linkcode readWide} per string, so the result never depends on the
 * layout.
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
  /** The packed string area's copy, or `null` when the strings are read one at a time. */
  readonly #units: Uint16Array | null = null;
  /** The address `#units[0]` was copied from. */
  readonly #first: number = 0;

  /**
   * Scans the column's pointers and, when they are packed, copies the string area once.
   *
   * @param view A view over the struct array.
   * @param firstOffset The pointer field's offset in the first struct.
   * @param stride The struct size.
   * @param count How many structs.
   */
  constructor(view: DataView, firstOffset: number, stride: number, count: number) {
    this.#view = view;
    let first = 0;
    let last = 0;
    for (let i = 0, at = firstOffset; i < count; i++, at += stride) {
      const address = addressAt(view, at);
      if (address === 0) continue;
      if (first === 0) first = address;
      else if (address < last || address - last > PAGE_BYTES || ((address - first) & 1) !== 0) {
        return; // not packed: read each string on its own
      }
      last = address;
    }
    if (first === 0 || first === last) return;
    const lastLength = kernel32().lstrlenW(Deno.UnsafePointer.create(BigInt(last)));
    const units = new Uint16Array((last - first) / 2 + lastLength + 1);
    Deno.UnsafePointerView.copyInto(
      Deno.UnsafePointer.create(BigInt(first))!,
      new Uint8Array(units.buffer),
    );
    this.#units = units;
    this.#first = first;
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
    // Every string of a packed column ends at the latest at the last one's NUL, copied as well.
    if (this.#units !== null) return decodeWideUnits(this.#units, (address - this.#first) >>> 1);
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
