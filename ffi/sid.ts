/**
 * Security identifiers (SIDs): the binary `SID` structure Windows returns, as the
 * `S-R-I-S-S…` text `ConvertSidToStringSidW` produces, such as `"S-1-5-18"`.
 *
 * Binary layout: `Revision` (BYTE, always 1), `SubAuthorityCount` (BYTE, at most 15),
 * `IdentifierAuthority` (6 bytes, big-endian), then `SubAuthorityCount` little-endian DWORDs.
 * An authority below 2^32 prints in decimal; a larger one prints as `0x` and 12 hexadecimal
 * digits, as `ConvertSidToStringSidW` and the SID string grammar of [MS-DTYP] 2.4.2.1 do.
 *
 * @module
 */

// PAGE_BYTES: if one byte of a page is readable, all of it is (see ffi/_packed_area.ts).
import { type PackedArea, PAGE_BYTES } from "./_packed_area.ts";

/** `SID_REVISION`: the only revision Windows defines. */
export const SID_REVISION = 1;
/** `SID_MAX_SUB_AUTHORITIES`. */
export const SID_MAX_SUB_AUTHORITIES = 15;
/** Bytes before the sub-authorities: revision, count and the 6-byte authority. */
const SID_HEADER_SIZE = 8;

/**
 * The byte length of the SID starting at `bytes[byteOffset]`, read from its header
 * (`8 + 4 * SubAuthorityCount`).
 *
 * @example
 * ```ts
 * import { sidLength } from "./sid.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(sidLength(new Uint8Array([1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0])), 12);
 * ```
 *
 * @param bytes A buffer holding at least the SID's first two bytes.
 * @param byteOffset Where the SID starts.
 * @returns The SID's size in bytes.
 */
export function sidLength(bytes: Uint8Array, byteOffset = 0): number {
  return SID_HEADER_SIZE + 4 * (bytes[byteOffset + 1] ?? 0);
}

/**
 * Formats a binary SID as text, such as `"S-1-5-21-3623811015-3361044348-30300820-1013"`.
 *
 * @example Well-known SIDs
 * ```ts
 * import { sidToString } from "./sid.ts";
 * import assert from "node:assert/strict";
 *
 * // LocalSystem: revision 1, one sub-authority, NT authority (5), RID 18
 * const system = new Uint8Array([1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0]);
 * assert.equal(sidToString(system), "S-1-5-18");
 * ```
 *
 * @param bytes The SID, starting at offset 0; extra bytes after it are ignored.
 * @returns The SID string.
 * @throws {TypeError} If `bytes` is not a valid SID (revision other than 1, more than 15
 * sub-authorities, or shorter than its header says).
 */
export function sidToString(bytes: Uint8Array): string {
  if (bytes.byteLength < SID_HEADER_SIZE) {
    throw new TypeError(`Not a valid SID: ${bytes.byteLength} bytes, fewer than 8`);
  }
  const revision = bytes[0]!;
  const count = bytes[1]!;
  if (revision !== SID_REVISION) {
    throw new TypeError(`Not a valid SID: revision ${revision}, expected ${SID_REVISION}`);
  }
  if (count > SID_MAX_SUB_AUTHORITIES) {
    throw new TypeError(`Not a valid SID: ${count} sub-authorities, at most 15 allowed`);
  }
  const length = SID_HEADER_SIZE + 4 * count;
  if (bytes.byteLength < length) {
    throw new TypeError(`Not a valid SID: ${bytes.byteLength} bytes, its header says ${length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, length);
  const high = view.getUint16(2); // IdentifierAuthority is big-endian
  const low = view.getUint32(4);
  let text: string;
  if (high === 0) {
    text = `S-${revision}-${low}`;
  } else {
    let hex = "";
    for (let i = 2; i < 8; i++) hex += bytes[i]!.toString(16).toUpperCase().padStart(2, "0");
    text = `S-${revision}-0x${hex}`;
  }
  for (let i = 0; i < count; i++) text += `-${view.getUint32(SID_HEADER_SIZE + 4 * i, true)}`;
  return text;
}

/**
 * Reads and formats the SID at `pointer`, such as `pUserSid` inside a `WTS_PROCESS_INFOW`;
 * `null` for a null pointer (a process whose user Windows does not report).
 *
 * Reads the header first to learn the length, then copies exactly that many bytes, so it never
 * reads past the end of the SID.
 *
 * @example
 * ```ts
 * import { readSid } from "./sid.ts";
 * import assert from "node:assert/strict";
 *
 * const sid = new Uint8Array([1, 1, 0, 0, 0, 0, 0, 5, 19, 0, 0, 0]);
 * assert.equal(readSid(Deno.UnsafePointer.of(sid)), "S-1-5-19");
 * assert.equal(readSid(null), null);
 * ```
 *
 * @param pointer The SID's address, or `null`.
 * @returns The SID string, or `null`.
 * @throws {TypeError} If the memory there is not a valid SID.
 */
export function readSid(pointer: Deno.PointerValue): string | null {
  if (pointer === null) return null;
  const count = new Deno.UnsafePointerView(pointer).getUint8(1);
  if (count > SID_MAX_SUB_AUTHORITIES) {
    throw new TypeError(`Not a valid SID: ${count} sub-authorities, at most 15 allowed`);
  }
  const bytes = new Uint8Array(SID_HEADER_SIZE + 4 * count);
  Deno.UnsafePointerView.copyInto(pointer, bytes);
  return sidToString(bytes);
}

/** log2 of the slots of a {@linkcode SidTextCache}: a listing has a few dozen distinct SIDs. */
const SID_SLOT_BITS = 8;
const SID_SLOTS = 1 << SID_SLOT_BITS;

/** One distinct SID of a listing: its 32-bit words (the key), its text, the next on a collision. */
interface SidEntry {
  words: Uint32Array;
  text: string;
  /** Its position in {@linkcode SidTextCache.texts}. */
  index: number;
  next: SidEntry | undefined;
}

/**
 * SID text by SID bytes, for one listing (create one per decoded block). A server's processes run
 * under a handful of accounts (SYSTEM, LOCAL SERVICE, NETWORK SERVICE, the logged-on users), but
 * WTSEnumerateProcessesExW gives every process its own copy of the SID packed after the structs
 * (as does the double), so the pointers differ while the bytes repeat; each distinct SID is
 * formatted once.
 *
 * Why it is built this way (measured, bench/decode_bench.ts): creating a pointer and making two
 * `copyInto` calls per row cost more than everything else in the process decode. So `read` copies
 * the whole 4 KiB page holding a SID once (safe: see {@linkcode PAGE_BYTES}), and every
 * following SID in that page — about 140 packed 28-byte SIDs — is read from that copy without a
 * native call; the key is a hash of the SID's last two words and length, checked word by word, so no
 * string or view is allocated per row. A SID crossing a page end is copied header first, then
 * exactly the length its header gives (never a byte past its end).
 *
 * @example
 * ```ts ignore
 * import { SidTextCache } from "./sid.ts";
 * const sids = new SidTextCache();
 * for (const address of sidPointers) console.log(sids.read(address));
 * ```
 */
export class SidTextCache {
  /** Every distinct SID read so far, as text, in the order first seen. */
  readonly texts: string[] = [];
  /** The position in {@linkcode SidTextCache.texts} of the SID read last. */
  lastIndex = -1;
  /** Distinct SIDs by the top bits of their hash (chained on a collision): a plain array read,
   * cheaper than a `Map` lookup by a 32-bit key, which is often not a small integer. */
  readonly #slots: (SidEntry | undefined)[] = new Array(SID_SLOTS).fill(undefined);
  readonly #page = new Uint8Array(PAGE_BYTES);
  readonly #pageWords = new Uint32Array(this.#page.buffer);
  /** The address #page was copied from, or -1 before the first read. */
  #pageStart = -1;
  /** Aligned room for one SID that is not 4-aligned in #page or crosses its end. */
  readonly #scratch = new Uint8Array(SID_HEADER_SIZE + 4 * SID_MAX_SUB_AUTHORITIES);
  readonly #scratchWords = new Uint32Array(this.#scratch.buffer);

  /**
   * The text of the SID at `address` (a non-zero pointer into an enumeration's block).
   *
   * @example
   * ```ts ignore
   * const sids = new SidTextCache();
   * const text = sids.read(view.getUint32(offset, true) + view.getUint32(offset + 4, true) * 2 ** 32);
   * ```
   *
   * @param address The SID's address as a number: x64 user-space addresses stay far below 2^53,
   * so it is exact, and a decoder reads it as two DWORDs without a BigInt per row.
   * @returns The SID string.
   * @throws {TypeError} If the memory there is not a valid SID.
   */
  read(address: number): string {
    const at = address;
    let offset = at - this.#pageStart;
    if (this.#pageStart < 0 || offset < 0 || offset + SID_HEADER_SIZE > PAGE_BYTES) {
      const start = at - (at % PAGE_BYTES);
      Deno.UnsafePointerView.copyInto(Deno.UnsafePointer.create(BigInt(start))!, this.#page);
      this.#pageStart = start;
      offset = at - start;
    }
    const count = this.#page[offset + 1]!;
    const length = SID_HEADER_SIZE + 4 * count;
    if (count <= SID_MAX_SUB_AUTHORITIES && offset + length <= PAGE_BYTES) {
      // Windows and the double align SIDs to 4 bytes: read the words in place.
      if ((offset & 3) === 0) return this.#textOf(this.#pageWords, offset >>> 2, length >>> 2);
      this.#scratch.set(this.#page.subarray(offset, offset + length));
      return this.#textOf(this.#scratchWords, 0, length >>> 2);
    }
    // Crosses the page end (or is invalid: readSid throws its TypeError): header, then the rest.
    const pointer = Deno.UnsafePointer.create(BigInt(address))!;
    Deno.UnsafePointerView.copyInto(pointer, this.#scratch.subarray(0, SID_HEADER_SIZE));
    if (this.#scratch[1]! > SID_MAX_SUB_AUTHORITIES) return readSid(pointer)!;
    const bytes = SID_HEADER_SIZE + 4 * this.#scratch[1]!;
    Deno.UnsafePointerView.copyInto(
      pointer,
      this.#scratch.subarray(SID_HEADER_SIZE, bytes),
      SID_HEADER_SIZE,
    );
    return this.#textOf(this.#scratchWords, 0, bytes >>> 2);
  }

  /**
   * The text of the SID at byte `offset` of a mapped packed area (see {@linkcode PackedArea}),
   * read from the area's words with no native call; a SID that is not 4-aligned or whose header
   * says it runs past the area is read by {@linkcode SidTextCache.read} instead.
   *
   * @example
   * ```ts ignore
   * const area = PackedArea.map(view, size, count, { offset: 16, kind: "sid" });
   * const text = area === null ? sids.read(address) : sids.readPacked(area, area.offsets[row]);
   * ```
   *
   * @param area The mapped area the SID lies in.
   * @param offset Its byte offset there (one of `area.offsets`' entries, not -1).
   * @returns The SID string.
   * @throws {TypeError} If the memory there is not a valid SID.
   */
  readPacked(area: PackedArea, offset: number): string {
    // Never a read outside the area: an offset from anywhere but `area.offsets` is a bug.
    if (!(offset >= 0 && offset < area.bytes.length)) {
      throw new RangeError(`SID offset ${offset} outside the packed area`);
    }
    if ((offset & 3) === 0) {
      const words = area.words;
      const first = offset >>> 2;
      // Byte 1 of the header, the sub-authority count (little-endian: bits 8–15 of word 0).
      const count = (words[first]! >>> 8) & 0xff;
      const n = 2 + count;
      if (count <= SID_MAX_SUB_AUTHORITIES && first + n <= words.length) {
        return this.#textOf(words, first, n);
      }
    }
    return this.read(area.start + offset);
  }

  /** The cached text of the SID in `words[first, first + n)`, formatted on first sight. */
  #textOf(words: Uint32Array, first: number, n: number): string {
    // The slot from the last two words (the RID and the word before it: where the SIDs of one
    // listing differ) and the length; a full word-by-word check decides. Hashing every word cost
    // ≈10 ns a row more (measured on bench/decode_bench.ts' block); SIDs that differ only in
    // earlier words share a slot and are told apart by the check.
    const last = words[first + n - 1]!;
    const hash = Math.imul(last ^ Math.imul(words[first + n - 2]! ^ n, 0x9e3779b1), 0x85ebca6b);
    const slot = hash >>> (32 - SID_SLOT_BITS);
    const head = this.#slots[slot];
    for (let entry = head; entry !== undefined; entry = entry.next) {
      const known = entry.words;
      if (known.length !== n || known[n - 1] !== last) continue;
      let i = 0;
      while (i < n && known[i] === words[first + i]) i++;
      if (i === n) {
        this.lastIndex = entry.index;
        return entry.text;
      }
    }
    const known = words.slice(first, first + n);
    const text = sidToString(new Uint8Array(known.buffer)); // validates revision and length
    this.lastIndex = this.texts.length;
    this.#slots[slot] = { words: known, text, index: this.lastIndex, next: head };
    this.texts.push(text);
    return text;
  }
}
