/**
 * The area after a struct array where Windows packs the strings and SIDs the structs point to,
 * mapped as ONE `ArrayBuffer` over the native memory (no copy) when the pointers themselves
 * prove every byte of it readable. Decoders then read every row's string and SID from typed
 * arrays over that one mapping, with no native call, pointer object or copy per row.
 *
 * Why (measured on 10,000 `WTS_PROCESS_INFO_EXW` rows, bench/decode_bench.ts' block): the SID
 * column cost ≈70 ns a row when each 4 KiB page of SIDs was copied on its own (a `copyInto` per
 * page, plus two more for every SID crossing a page end), the names ≈50; mapped once, ≈15 and
 * ≈45 (the string itself must still be made).
 *
 * @module
 */

import { kernel32 } from "./load.ts";
import { decodeWideUnits } from "./utf16.ts";

/**
 * The distance up to which two readable addresses prove everything between them readable:
 * memory is mapped and protected in whole pages ("the protection granularity is a page",
 * https://learn.microsoft.com/windows/win32/memory/memory-protection), and 4 KiB is the smallest
 * page Windows uses.
 */
export const PAGE_BYTES = 4096;

/** The largest area mapped (offsets are kept as int32); a larger one is read item by item. */
const MAX_AREA_BYTES = 0x7fff_0000;

/** A pointer field of a struct as a number: two DWORDs, no BigInt (x64 user-space addresses
 * stay far below 2^53, so the number is exact). */
export function addressAt(view: DataView, byteOffset: number): number {
  return view.getUint32(byteOffset, true) + view.getUint32(byteOffset + 4, true) * 0x1_0000_0000;
}

/** What a pointer column points to: a NUL-terminated `WCHAR` string, or a SID. */
export type PackedKind = "wide" | "sid";

/** One pointer column of a struct array: the field's offset in a struct, and what it points to. */
export interface PackedColumn {
  /** The pointer field's offset in each struct. */
  offset: number;
  /** What it points to. */
  kind: PackedKind;
}

/** The bytes an item at `address` takes, read from the item itself (one native read). */
function itemBytes(kind: PackedKind, address: number): number {
  const pointer = Deno.UnsafePointer.create(BigInt(address))!;
  if (kind === "wide") return (kernel32().lstrlenW(pointer) + 1) * 2;
  return 8 + 4 * new Deno.UnsafePointerView(pointer).getUint8(1); // SID: header + sub-authorities
}

/**
 * A mapped packed area: `bytes[i]`, `units[i]` and `words[i]` are the byte, `WCHAR` and DWORD at
 * `start + i`, `start + 2i` and `start + 4i`. `start` is 4-aligned. `offsets[row]` is where the
 * column's item of `row` lies in it (a byte offset; -1 for a NULL pointer), recorded by the scan
 * that proved the layout, so a decoder does not read the pointers a second time.
 *
 * @example
 * ```ts ignore
 * import { PackedArea } from "./_packed_area.ts";
 *
 * declare const view: DataView; // count structs of `size` bytes
 * declare const count: number, size: number;
 * const area = PackedArea.map(view, size, count, { offset: 8, kind: "wide" });
 * if (area !== null) console.log(area.wide(area.offsets[0]!));
 * ```
 */
export class PackedArea {
  /** The address of `bytes[0]`. */
  readonly start: number;
  /** The area's bytes. */
  readonly bytes: Uint8Array;
  /** The area as `WCHAR`s (an even address `a` is `units[(a - start) / 2]`). */
  readonly units: Uint16Array;
  /** The area as DWORDs (a 4-aligned address `a` is `words[(a - start) / 4]`). */
  readonly words: Uint32Array;
  /** Per row: the item's byte offset in the area, -1 for a NULL pointer. */
  readonly offsets: Int32Array;

  private constructor(start: number, buffer: ArrayBuffer, offsets: Int32Array) {
    this.start = start;
    this.offsets = offsets;
    this.bytes = new Uint8Array(buffer);
    this.units = new Uint16Array(buffer, 0, buffer.byteLength >>> 1);
    this.words = new Uint32Array(buffer, 0, buffer.byteLength >>> 2);
  }

  /**
   * The string at byte offset `offset` of the area (`""` for -1, a NULL pointer): up to its NUL,
   * at the latest the area's last string's NUL.
   *
   * @param offset One of {@linkcode PackedArea.offsets}' entries of a `"wide"` column.
   * @returns The decoded string; lone surrogates become U+FFFD.
   */
  wide(offset: number): string {
    return offset < 0 ? "" : decodeWideUnits(this.units, offset >>> 1);
  }

  /**
   * Maps the area one pointer column points into, or gives `null` (read each item on its own
   * then) unless every non-null pointer, row after row, is at or after the one before it and at
   * most one page further, and (for strings) even. Then every page from the first item to the
   * last holds the start of an item, so is readable, and the area ends where the last item ends
   * (measured from the item). The double packs a column's items in row order after the structs;
   * no public document describes the block wtsapi32 builds (MS-TSTS covers only the RPC reply),
   * so that layout is an assumption about speed only: any other layout maps nothing (`null`),
   * and the caller reads each item on its own, never a wrong or unsafe read. Columns are mapped
   * one at a time, so how one column's items interleave with another's (a process's name and its
   * SID) does not matter.
   *
   * A string decoded from the area ends at its NUL, at the latest the last string's NUL, which
   * the area holds; a SID is read from it only when its header's length lies inside.
   *
   * @param view A view over the struct array.
   * @param stride The struct size.
   * @param count How many structs.
   * @param column The pointer column.
   * @returns The mapped area, or `null`.
   */
  static map(
    view: DataView,
    stride: number,
    count: number,
    column: PackedColumn,
  ): PackedArea | null {
    const wide = column.kind === "wide" ? 1 : 0;
    let first = 0;
    let last = 0;
    // Each item's distance from the first item (small integers, exact), -1 for NULL.
    const offsets = new Int32Array(count);
    for (let row = 0, at = column.offset; row < count; row++, at += stride) {
      const address = addressAt(view, at);
      if (address === 0) {
        offsets[row] = -1;
        continue;
      }
      if (first === 0) first = address;
      else if (address < last || address - last > PAGE_BYTES) return null;
      const distance = address - first;
      // Parity from the distance (a small integer; the address itself is beyond int32, where
      // `&` costs a slow conversion per row); `first`'s own parity is checked below.
      if ((distance & wide) !== 0 || distance > MAX_AREA_BYTES) return null;
      offsets[row] = distance;
      last = address;
    }
    if (first === 0 || (wide === 1 && first % 2 !== 0)) return null;
    // 4-aligned start: the bytes before `first` in its 4-byte group share its page.
    const start = first - (first % 4);
    const shift = first - start;
    if (shift !== 0) {
      for (let row = 0; row < count; row++) if (offsets[row]! >= 0) offsets[row]! += shift;
    }
    const end = last + itemBytes(column.kind, last);
    if (end - start > MAX_AREA_BYTES) return null;
    const buffer = Deno.UnsafePointerView.getArrayBuffer(
      Deno.UnsafePointer.create(BigInt(start))!,
      end - start,
    );
    return new PackedArea(start, buffer, offsets);
  }
}
